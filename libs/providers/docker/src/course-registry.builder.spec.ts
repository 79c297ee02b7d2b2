import { buildCourseRegistryFront, buildCourseRegistryStore, courseRegistryConfigYaml, courseRegistryFrontConf, courseRegistryService } from './course-registry.builder';

const config = {
  enabled: true,
  name: 'labfleet-t1-courses',
  image: 'registry:2',
  frontImage: 'nginx:latest',
  host: 'labfleet-courses:5000',
  apiUrl: 'http://host.docker.internal:3000',
  apiNetwork: null,
  tokenTtlSeconds: 300,
  capMb: 2048,
};

describe('course registry builders', () => {
  it('configures the registry for tokens from Labfleet: realm through the proxy, service, issuer, certificate', () => {
    const yaml = courseRegistryConfigYaml(config);
    expect(yaml).toContain('realm: "http://labfleet-courses:5000/token"');
    expect(yaml).toContain(`service: "${courseRegistryService(config.host)}"`);
    expect(courseRegistryService(config.host)).toBe('labfleet-courses');
    expect(yaml).toContain('issuer: "labfleet"');
    expect(yaml).toContain('rootcertbundle: /etc/labfleet/token-signer.pem');
    // No blob descriptor cache: a collected blob must not still be announced.
    expect(yaml).not.toContain('cache');
  });

  it('has the proxy forward /v2/ to the store and /token to the API\'s token endpoint, nothing else', () => {
    const conf = courseRegistryFrontConf(config);
    expect(conf).toContain('listen 5000;');
    expect(conf).toMatch(/location \/v2\/ \{\s+proxy_pass http:\/\/store:5000;/);
    expect(conf).toMatch(/location = \/token \{\s+proxy_pass http:\/\/host\.docker\.internal:3000\/api\/v1\/registry\/token;/);
    expect(conf).toMatch(/location \/ \{ return 404; \}/);
  });

  it('keeps the store on its own network with its volume, and writes its files from the environment', () => {
    const store = buildCourseRegistryStore(config, { volume: 'v', network: 'n', labels: {}, certificatePem: 'CERT' });
    expect(store.HostConfig).toMatchObject({ NetworkMode: 'n', Mounts: [{ Type: 'volume', Source: 'v', Target: '/var/lib/registry' }] });
    expect(store.HostConfig?.PortBindings).toBeUndefined();
    expect(store.Env).toContain('F1=CERT');
    expect(store.Entrypoint?.at(-1)).toMatch(/exec registry serve \/etc\/labfleet\/config.yml$/);
    const front = buildCourseRegistryFront(config, { network: 'n', labels: {} });
    expect(front.HostConfig).toMatchObject({ NetworkMode: 'n', ExtraHosts: ['host.docker.internal:host-gateway'] });
    expect(front.HostConfig?.PortBindings).toBeUndefined();
  });
});
