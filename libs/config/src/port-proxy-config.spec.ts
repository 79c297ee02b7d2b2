import { ConfigError, loadConfig } from './load-config';
import { REQUIRED_ENV } from './required-env.fixture';

describe('PORT_PROXY_ROUTE', () => {
  it('reaches lab ports over the network by default, through the engine on Swarm, and as told', () => {
    expect(loadConfig(REQUIRED_ENV).provider.portProxyRoute).toBe('network');
    expect(loadConfig({ ...REQUIRED_ENV, LAB_PROVIDER: 'swarm' }).provider.portProxyRoute).toBe('engine');
    expect(loadConfig({ ...REQUIRED_ENV, PORT_PROXY_ROUTE: 'engine' }).provider.portProxyRoute).toBe('engine');
    expect(loadConfig({ ...REQUIRED_ENV, LAB_PROVIDER: 'swarm', PORT_PROXY_ROUTE: 'network' }).provider.portProxyRoute).toBe('network');
  });

  it('names a bad value, and refuses the engine route on Kubernetes', () => {
    expect(() => loadConfig({ ...REQUIRED_ENV, PORT_PROXY_ROUTE: 'tunnel' })).toThrow(/PORT_PROXY_ROUTE must be network or engine/);
    const onKubernetes = () => loadConfig({ ...REQUIRED_ENV, LAB_PROVIDER: 'kubernetes', PORT_PROXY_ROUTE: 'engine' });
    expect(onKubernetes).toThrow(ConfigError);
    expect(onKubernetes).toThrow(/PORT_PROXY_ROUTE=engine needs LAB_PROVIDER docker or swarm/);
  });
});
