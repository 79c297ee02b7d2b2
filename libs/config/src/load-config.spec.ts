import { ConfigError, loadConfig } from './load-config';
import { REQUIRED_ENV } from './required-env.fixture';

const base = REQUIRED_ENV;

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config.port).toBe(3000);
    expect(config.provider.kind).toBe('docker');
    expect(config.registry).toMatchObject({ mode: 'push', hostPort: 5001 });
    expect(config.instance).toBe('default');
  });

  it('treats an empty value as unset, as .env files mean it', () => {
    expect(loadConfig({ ...base, LOG_FORMAT: '', REDIS_KEY_PREFIX: '', PORT: '' })).toMatchObject({ logFormat: 'json', port: 3000, redis: { keyPrefix: 'labfleet' } });
  });

  it('parses numbers', () => {
    expect(loadConfig({ ...base, PORT: '8080', WORKER_CONCURRENCY: '3' })).toMatchObject({ port: 8080, jobs: { concurrency: 3 } });
  });

  it('refuses to start without an admin token, naming the variable', () => {
    const { LABFLEET_ADMIN_TOKEN: _dropped, ...rest } = base;
    expect(() => loadConfig(rest)).toThrow(/LABFLEET_ADMIN_TOKEN/);
  });

  it('names every bad variable at once', () => {
    try {
      loadConfig({ ...base, PORT: 'abc', LAB_PROVIDER: 'nomad', DATABASE_URL: 'mysql://x' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const text = (e as ConfigError).message;
      expect(text).toMatch(/PORT/);
      expect(text).toMatch(/LAB_PROVIDER must be one of: docker, swarm, kubernetes/);
      expect(text).toMatch(/DATABASE_URL must be a postgres/);
    }
  });

  it('requires a proxy URL only in proxy mode', () => {
    expect(() => loadConfig({ ...base, REGISTRY_MODE: 'proxy' })).toThrow(/REGISTRY_PROXY_URL/);
    expect(loadConfig({ ...base, REGISTRY_MODE: 'proxy', REGISTRY_PROXY_URL: 'https://registry-1.docker.io' }).registry.proxyUrl).toBe(
      'https://registry-1.docker.io',
    );
  });
});
