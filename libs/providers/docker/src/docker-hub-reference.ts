export interface HubReference {
  /** Repository path as a registry stores it: `library/nginx`, `user/app`. */
  readonly repository: string;
  readonly tag: string;
}

/**
 * Parses an image name the way the Docker CLI resolves it on Docker Hub (`nginx` is
 * `library/nginx:latest`). Returns null for images of other registries and digest references:
 * a Docker Hub mirror cannot serve those.
 */
export function parseHubReference(image: string): HubReference | null {
  if (image.includes('@')) return null;
  let rest = image;
  const first = rest.split('/')[0];
  if (rest.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (first !== 'docker.io' && first !== 'index.docker.io' && first !== 'registry-1.docker.io') return null;
    rest = rest.slice(first.length + 1);
  }
  const colon = rest.lastIndexOf(':');
  const [name, tag] = colon > rest.lastIndexOf('/') ? [rest.slice(0, colon), rest.slice(colon + 1)] : [rest, 'latest'];
  if (!/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/.test(name) || !/^[\w][\w.-]{0,127}$/.test(tag)) return null;
  return { repository: name.includes('/') ? name : `library/${name}`, tag };
}
