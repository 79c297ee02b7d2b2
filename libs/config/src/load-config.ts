import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { ProviderKind } from '@labfleet/contracts';
import { EnvironmentDto } from './environment.dto';
import { LabfleetConfig, LabSecurityProfile } from './labfleet-config';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const describe = (errors: ValidationError[]): string[] =>
  errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => (m.startsWith(e.property) ? m : `${e.property}: ${m}`)));

function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * The lab security profile: `confined` unless a sandboxing runtime is named (then `runtime`). A
 * runtime named with another profile, or the `runtime` profile without one, is a problem.
 */
function securityProfile(env: EnvironmentDto, problems: string[]): LabSecurityProfile {
  const onKubernetes = env.LAB_PROVIDER === ProviderKind.Kubernetes;
  const [name, runtime] = onKubernetes ? ['KUBE_RUNTIME_CLASS', env.KUBE_RUNTIME_CLASS] : ['LAB_RUNTIME', env.LAB_RUNTIME];
  const profile = env.LAB_SECURITY_PROFILE ?? (runtime ? 'runtime' : 'confined');
  if (profile === 'runtime' && !runtime) problems.push(`LAB_SECURITY_PROFILE=runtime needs ${name} (the runtime that sandboxes labs)`);
  if (profile !== 'runtime' && runtime) problems.push(`${name} is used only with LAB_SECURITY_PROFILE=runtime (it is ${profile})`);
  if (onKubernetes && profile !== 'confined' && env.KUBE_LAB_SECCOMP_PROFILE) problems.push(`KUBE_LAB_SECCOMP_PROFILE is used only with LAB_SECURITY_PROFILE=confined (it is ${profile})`);
  return profile;
}

/** Reads and validates the environment once; throws a ConfigError naming every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): LabfleetConfig {
  // `X=` in a .env file means "not set", as in Compose.
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const env = plainToInstance(EnvironmentDto, present);
  const problems = describe(validateSync(env, { forbidUnknownValues: true }));
  if (env.PORT_PROXY_ROUTE === 'engine' && env.LAB_PROVIDER === ProviderKind.Kubernetes) {
    problems.push('PORT_PROXY_ROUTE=engine needs LAB_PROVIDER docker or swarm (on Kubernetes the API reaches pods over the network)');
  }
  if (env.COURSE_REGISTRY === 'on' && (env.LAB_PROVIDER ?? ProviderKind.Docker) !== ProviderKind.Docker) {
    problems.push('COURSE_REGISTRY=on needs LAB_PROVIDER=docker (the registry joins each lab network on the one engine)');
  }
  const profile = securityProfile(env, problems);
  const http = { headersTimeoutSeconds: env.HTTP_HEADERS_TIMEOUT_SECONDS ?? 20, requestTimeoutSeconds: env.HTTP_REQUEST_TIMEOUT_SECONDS ?? 300 };
  if (http.headersTimeoutSeconds > http.requestTimeoutSeconds) problems.push('HTTP_HEADERS_TIMEOUT_SECONDS must not exceed HTTP_REQUEST_TIMEOUT_SECONDS (the head is part of the request)');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: env.PORT ?? 3000,
    http,
    adminToken: env.LABFLEET_ADMIN_TOKEN,
    instance: env.LABFLEET_INSTANCE ?? 'default',
    logFormat: env.LOG_FORMAT ?? 'json',
    database: { url: env.DATABASE_URL },
    redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX ?? 'labfleet' },
    provider: {
      kind: env.LAB_PROVIDER ?? ProviderKind.Docker,
      dockerHost: env.DOCKER_HOST ?? 'unix:///var/run/docker.sock',
      // The confined lab has an image of its own; the other profiles run the plain DinD one.
      labImage: env.LAB_IMAGE ?? (profile === 'confined' ? 'labfleet/lab:latest' : 'labfleet/lab-dind:latest'),
      securityProfile: profile,
      runtime: profile === 'runtime' ? (env.LAB_RUNTIME ?? null) : null,
      disk: { limit: env.LAB_DISK_LIMIT ?? 'image', dir: env.LAB_DISK_DIR ?? '/var/lib/labfleet/disks' },
      readyTimeoutSeconds: env.LAB_READY_TIMEOUT_SECONDS ?? 60,
      execOutputLimitBytes: env.EXEC_OUTPUT_LIMIT_BYTES ?? 1024 * 1024,
      subnetPool: env.LAB_SUBNET_POOL ?? '10.213.0.0/16',
      subnetPrefix: env.LAB_SUBNET_PREFIX ?? 27,
      tlsDir: env.DOCKER_CERT_PATH ?? null,
      placementTimeoutSeconds: env.PLACEMENT_TIMEOUT_SECONDS ?? 600,
      // A Swarm node's lab networks are bridges on that node: only its engine reaches them.
      portProxyRoute: env.PORT_PROXY_ROUTE ?? (env.LAB_PROVIDER === ProviderKind.Swarm ? 'engine' : 'network'),
    },
    swarm: {
      constraints: (env.SWARM_CONSTRAINTS ?? 'node.labels.labfleet.labs==true').split(',').map((c) => c.trim()),
      enginePort: env.SWARM_ENGINE_PORT ?? (env.DOCKER_CERT_PATH ? 2376 : 2375),
    },
    registry: {
      mode: env.REGISTRY_MODE ?? 'push',
      image: env.REGISTRY_IMAGE ?? 'registry:2',
      name: env.REGISTRY_NAME ?? `labfleet-${env.LABFLEET_INSTANCE ?? 'default'}-registry`,
      hostPort: env.REGISTRY_HOST_PORT ?? 5001,
      proxyUrl: env.REGISTRY_PROXY_URL,
    },
    courseRegistry: {
      enabled: env.COURSE_REGISTRY === 'on',
      name: env.COURSE_REGISTRY_NAME ?? `labfleet-${env.LABFLEET_INSTANCE ?? 'default'}-courses`,
      image: env.COURSE_REGISTRY_IMAGE ?? env.REGISTRY_IMAGE ?? 'registry:2',
      frontImage: env.COURSE_REGISTRY_FRONT_IMAGE ?? 'nginx:latest',
      host: env.COURSE_REGISTRY_HOST ?? 'labfleet-courses:5000',
      // The API on the engine's host, as a container on the default bridge reaches it.
      apiUrl: env.COURSE_REGISTRY_API_URL ?? `http://host.docker.internal:${env.PORT ?? 3000}`,
      apiNetwork: env.COURSE_REGISTRY_API_NETWORK ?? null,
      tokenTtlSeconds: env.COURSE_REGISTRY_TOKEN_TTL_SECONDS ?? 300,
      capMb: env.COURSE_REGISTRY_CAP_MB ?? 2048,
    },
    kubernetes: {
      kubeconfig: env.KUBECONFIG,
      namespaceMode: env.KUBE_NAMESPACE_MODE ?? 'lab',
      namespacePrefix: env.KUBE_NAMESPACE_PREFIX ?? 'labfleet',
      platformNamespace: env.KUBE_PLATFORM_NAMESPACE ?? 'labfleet',
      runtimeClass: profile === 'runtime' ? (env.KUBE_RUNTIME_CLASS ?? null) : null,
      seccompProfile: env.KUBE_LAB_SECCOMP_PROFILE ?? null,
      registryMirrorUrl: env.KUBE_REGISTRY_MIRROR_URL ?? null,
      clusterDomain: env.KUBE_CLUSTER_DOMAIN ?? 'cluster.local',
      studentApiServer: env.KUBE_STUDENT_API_SERVER ?? 'https://kubernetes.default.svc',
    },
    jobs: {
      concurrency: env.WORKER_CONCURRENCY ?? 10,
      attempts: env.JOB_ATTEMPTS ?? 5,
      backoffMs: env.JOB_BACKOFF_MS ?? 1000,
      lockMs: env.JOB_LOCK_MS ?? 15000,
      reconcileIntervalSeconds: env.RECONCILE_INTERVAL_SECONDS ?? 30,
    },
    idle: {
      checkSeconds: env.IDLE_CHECK_SECONDS ?? 30,
      warningSeconds: env.IDLE_WARNING_SECONDS ?? 300,
      minLimitSeconds: env.IDLE_LIMIT_MIN_SECONDS ?? 600,
      activityWriteSeconds: env.ACTIVITY_WRITE_SECONDS ?? 30,
    },
    templatesFile: env.TEMPLATES_FILE ?? 'deploy/templates.json',
    templateCaps: {
      nodes: env.TEMPLATE_MAX_NODES ?? 5,
      cpus: env.TEMPLATE_MAX_CPUS ?? 4,
      memoryMb: env.TEMPLATE_MAX_MEMORY_MB ?? 8192,
      pidsLimit: env.TEMPLATE_MAX_PIDS ?? 8192,
      diskMb: env.TEMPLATE_MAX_DISK_MB ?? 20480,
      ttlSeconds: env.TEMPLATE_MAX_TTL_SECONDS ?? 86400,
    },
    auth: {
      jwtSecret: env.LABFLEET_JWT_SECRET,
      accessTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS ?? 900,
      refreshTtlSeconds: env.REFRESH_TOKEN_TTL_SECONDS ?? 30 * 86400,
      publicUrl: env.PUBLIC_URL ?? `http://localhost:${env.PORT ?? 3000}`,
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
      lockAfterFailures: env.LOGIN_LOCK_AFTER_FAILURES ?? 5,
    },
    pool: {
      idleTtlSeconds: env.POOL_IDLE_TTL_SECONDS ?? 6 * 3600,
      leadMinutes: env.POOL_LEAD_MINUTES ?? 10,
      tickSeconds: env.POOL_TICK_SECONDS ?? 5,
      provisionConcurrency: env.PROVISION_CONCURRENCY ?? 4,
      admissionQueueMax: env.ADMISSION_QUEUE_MAX ?? 200,
      capacityCpus: env.CAPACITY_CPUS ?? null,
      capacityMemoryMb: env.CAPACITY_MEMORY_MB ?? null,
    },
    rateLimits: {
      loginPerAccount: env.RATE_LIMIT_LOGIN_PER_MINUTE ?? 10,
      loginPerAddress: env.RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE ?? 60,
      labsPerAccount: env.RATE_LIMIT_LABS_PER_MINUTE ?? 10,
      labsPerAddress: env.RATE_LIMIT_LABS_PER_ADDRESS_PER_MINUTE ?? 120,
      checksPerLab: env.RATE_LIMIT_CHECKS_PER_LAB_PER_MINUTE ?? 30,
    },
  };
}
