import { ConfigError, loadConfig } from './load-config';
import { REQUIRED_ENV } from './required-env.fixture';

const base = REQUIRED_ENV;

describe('Swarm settings', () => {
  it('defaults to nodes labelled labfleet.labs=true, plain TCP on 2375, and a 10 minute placement wait', () => {
    const config = loadConfig({ ...base, LAB_PROVIDER: 'swarm', DOCKER_HOST: 'tcp://manager:2375' });
    expect(config.swarm).toEqual({ constraints: ['node.labels.labfleet.labs==true'], enginePort: 2375 });
    expect(config.provider).toMatchObject({ kind: 'swarm', tlsDir: null, placementTimeoutSeconds: 600 });
  });

  it('takes several constraints, and TLS moves the default engine port to 2376', () => {
    const config = loadConfig({ ...base, LAB_PROVIDER: 'swarm', SWARM_CONSTRAINTS: 'node.labels.labs==yes, node.role!=manager', DOCKER_CERT_PATH: '/certs', PLACEMENT_TIMEOUT_SECONDS: '90' });
    expect(config.swarm).toEqual({ constraints: ['node.labels.labs==yes', 'node.role!=manager'], enginePort: 2376 });
    expect(config.provider).toMatchObject({ tlsDir: '/certs', placementTimeoutSeconds: 90 });
  });

  it('names a bad constraint or port, only with LAB_PROVIDER=swarm', () => {
    const bad = { SWARM_CONSTRAINTS: 'labs=true', SWARM_ENGINE_PORT: '70000' };
    expect(() => loadConfig({ ...base, ...bad })).not.toThrow();
    try {
      loadConfig({ ...base, LAB_PROVIDER: 'swarm', ...bad });
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems.join('\n')).toMatch(/SWARM_CONSTRAINTS must be comma-separated Swarm placement constraints[\s\S]*SWARM_ENGINE_PORT/);
    }
  });
});
