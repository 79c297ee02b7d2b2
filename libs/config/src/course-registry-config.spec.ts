import { ConfigError, loadConfig } from './load-config';
import { REQUIRED_ENV } from './required-env.fixture';

describe('course registry configuration', () => {
  it('is off by default, with a 2 GiB cap per student and the API on the engine\'s host', () => {
    const { courseRegistry } = loadConfig({ ...REQUIRED_ENV, PORT: '3100' });
    expect(courseRegistry).toMatchObject({ enabled: false, host: 'labfleet-courses:5000', apiUrl: 'http://host.docker.internal:3100', capMb: 2048, tokenTtlSeconds: 300, apiNetwork: null });
  });

  it('reads every variable', () => {
    const { courseRegistry } = loadConfig({
      ...REQUIRED_ENV,
      COURSE_REGISTRY: 'on',
      COURSE_REGISTRY_NAME: 'reg',
      COURSE_REGISTRY_HOST: 'courses:5005',
      COURSE_REGISTRY_API_URL: 'http://api:3000',
      COURSE_REGISTRY_API_NETWORK: 'labfleet_default',
      COURSE_REGISTRY_CAP_MB: '50',
      COURSE_REGISTRY_TOKEN_TTL_SECONDS: '120',
    });
    expect(courseRegistry).toMatchObject({ enabled: true, name: 'reg', host: 'courses:5005', apiUrl: 'http://api:3000', apiNetwork: 'labfleet_default', capMb: 50, tokenTtlSeconds: 120 });
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ ...REQUIRED_ENV, COURSE_REGISTRY_HOST: 'registry.example.org' })).toThrow(/COURSE_REGISTRY_HOST must be host:port/);
    expect(() => loadConfig({ ...REQUIRED_ENV, COURSE_REGISTRY_CAP_MB: '0' })).toThrow(ConfigError);
  });

  it.each(['swarm', 'kubernetes'])('refuses COURSE_REGISTRY=on with LAB_PROVIDER=%s, naming both variables', (provider) => {
    expect(() => loadConfig({ ...REQUIRED_ENV, COURSE_REGISTRY: 'on', LAB_PROVIDER: provider })).toThrow(/COURSE_REGISTRY=on needs LAB_PROVIDER=docker/);
    expect(loadConfig({ ...REQUIRED_ENV, COURSE_REGISTRY: 'off', LAB_PROVIDER: provider }).courseRegistry.enabled).toBe(false);
  });
});
