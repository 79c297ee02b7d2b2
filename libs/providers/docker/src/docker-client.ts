import Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A dockerode client for `DOCKER_HOST` (`unix:///path` or `tcp://host:port`). With `tlsDir`
 * (Docker's `DOCKER_CERT_PATH`: ca.pem, cert.pem, key.pem) a TCP engine is reached over mutual TLS.
 */
export function createDockerClient(dockerHost: string, tlsDir: string | null = null): Docker {
  const url = new URL(dockerHost);
  if (url.protocol === 'unix:') return new Docker({ socketPath: url.pathname });
  const host = url.hostname;
  if (!tlsDir) return new Docker({ host, port: Number(url.port || 2375), protocol: 'http' });
  const read = (file: string) => readFileSync(join(tlsDir, file));
  return new Docker({ host, port: Number(url.port || 2376), protocol: 'https', ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') });
}
