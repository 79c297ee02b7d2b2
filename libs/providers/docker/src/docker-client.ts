import Docker from 'dockerode';

/** A dockerode client for `DOCKER_HOST` (`unix:///path` or `tcp://host:port`). */
export function createDockerClient(dockerHost: string): Docker {
  const url = new URL(dockerHost);
  if (url.protocol === 'unix:') return new Docker({ socketPath: url.pathname });
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: url.protocol === 'https:' ? 'https' : 'http' });
}
