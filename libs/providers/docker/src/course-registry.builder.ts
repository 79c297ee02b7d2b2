import type { ContainerCreateOptions } from 'dockerode';
import type { LabfleetConfig } from '@labfleet/config';

type CourseRegistryConfig = LabfleetConfig['courseRegistry'];

/** Where the registry keeps its data in the store container. */
export const COURSE_REGISTRY_ROOT = '/var/lib/registry/docker/registry/v2';
/** The store's name on the registry's own network, as the front reaches it. */
const STORE_ALIAS = 'store';
const STORE_PORT = 5000;
/** Who signs the tokens (`iss`) and who they are for (`aud`): the registry checks both. */
export const COURSE_REGISTRY_ISSUER = 'labfleet';
export const courseRegistryService = (host: string): string => host.split(':')[0];

export const courseRegistryNames = (prefix: string) => ({
  store: `${prefix}-store`,
  front: `${prefix}-front`,
  volume: `${prefix}-data`,
  network: `${prefix}-net`,
});

/**
 * The registry's configuration: token authentication against Labfleet's certificate, deletes
 * allowed (the course's data is removed with it), no blob descriptor cache (a blob removed by
 * the collector must not still be announced).
 */
export function courseRegistryConfigYaml(config: Pick<CourseRegistryConfig, 'host'>): string {
  return [
    'version: 0.1',
    'log: { level: info, fields: { service: course-registry } }',
    'storage:',
    '  filesystem: { rootdirectory: /var/lib/registry }',
    '  delete: { enabled: true }',
    'http:',
    `  addr: ":${STORE_PORT}"`,
    '  relativeurls: true',
    '  headers: { X-Content-Type-Options: [nosniff] }',
    'auth:',
    '  token:',
    `    realm: "http://${config.host}/token"`,
    `    service: "${courseRegistryService(config.host)}"`,
    `    issuer: "${COURSE_REGISTRY_ISSUER}"`,
    '    rootcertbundle: /etc/labfleet/token-signer.pem',
    '',
  ].join('\n');
}

/** nginx in front: `/v2/` to the store, `/token` (and nothing else) to Labfleet's API. */
export function courseRegistryFrontConf(config: Pick<CourseRegistryConfig, 'host' | 'apiUrl'>): string {
  const port = config.host.split(':')[1];
  return `server {
  listen ${port};
  client_max_body_size 0;
  chunked_transfer_encoding on;
  location /v2/ {
    proxy_pass http://${STORE_ALIAS}:${STORE_PORT};
    proxy_set_header Host $http_host;
    proxy_request_buffering off;
    proxy_buffering off;
    proxy_read_timeout 900;
  }
  location = /token {
    proxy_pass ${config.apiUrl}/api/v1/registry/token;
    proxy_set_header Host $proxy_host;
    proxy_set_header X-Forwarded-For "";
  }
  location / { return 404; }
}
`;
}

/** Writes files from the environment, then runs the program: the images need nothing of ours baked in. */
const writeThen = (files: Record<string, string>, exec: string): string[] => [
  'sh',
  '-c',
  [...Object.keys(files).map((path, i) => `mkdir -p "$(dirname ${path})" && printf '%s' "$F${i}" > ${path}`), `exec ${exec}`].join(' && '),
];
const fileEnv = (files: Record<string, string>): string[] => Object.values(files).map((text, i) => `F${i}=${text}`);

export function buildCourseRegistryStore(
  config: CourseRegistryConfig,
  ctx: { volume: string; network: string; labels: Record<string, string>; certificatePem: string },
): ContainerCreateOptions {
  const files = { '/etc/labfleet/config.yml': courseRegistryConfigYaml(config), '/etc/labfleet/token-signer.pem': ctx.certificatePem };
  return {
    Image: config.image,
    Labels: ctx.labels,
    Entrypoint: writeThen(files, 'registry serve /etc/labfleet/config.yml'),
    Cmd: [],
    Env: fileEnv(files),
    HostConfig: {
      Mounts: [{ Type: 'volume', Source: ctx.volume, Target: '/var/lib/registry' }],
      NetworkMode: ctx.network,
      RestartPolicy: { Name: 'unless-stopped' },
    },
    NetworkingConfig: { EndpointsConfig: { [ctx.network]: { Aliases: [STORE_ALIAS] } } },
  };
}

export function buildCourseRegistryFront(config: CourseRegistryConfig, ctx: { network: string; labels: Record<string, string> }): ContainerCreateOptions {
  const files = { '/etc/nginx/conf.d/default.conf': courseRegistryFrontConf(config) };
  return {
    Image: config.frontImage,
    Labels: ctx.labels,
    Entrypoint: writeThen(files, "nginx -g 'daemon off;'"),
    Cmd: [],
    Env: fileEnv(files),
    HostConfig: {
      NetworkMode: ctx.network,
      // The API on the engine's host (the default `COURSE_REGISTRY_API_URL`).
      ExtraHosts: ['host.docker.internal:host-gateway'],
      RestartPolicy: { Name: 'unless-stopped' },
    },
  };
}
