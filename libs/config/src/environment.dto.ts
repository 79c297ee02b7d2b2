import { Transform } from 'class-transformer';
import { IsEnum, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateIf } from 'class-validator';
import { ProviderKind } from '@labfleet/contracts';
import type { LabSecurityProfile } from './labfleet-config';

const onKubernetes = (env: { LAB_PROVIDER?: ProviderKind }) => env.LAB_PROVIDER === ProviderKind.Kubernetes;
const onSwarm = (env: { LAB_PROVIDER?: ProviderKind }) => env.LAB_PROVIDER === ProviderKind.Swarm;
const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** Every environment variable Labfleet reads, validated once at boot (see docs/operations.md "Configuration"). */
export class EnvironmentDto {
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535)
  PORT?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  HTTP_HEADERS_TIMEOUT_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  HTTP_REQUEST_TIMEOUT_SECONDS?: number;

  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL!: string;

  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL!: string;

  @IsString() @MinLength(16, { message: 'LABFLEET_ADMIN_TOKEN must be at least 16 characters' })
  LABFLEET_ADMIN_TOKEN!: string;

  @IsString() @MinLength(32, { message: 'LABFLEET_JWT_SECRET must be at least 32 characters' })
  LABFLEET_JWT_SECRET!: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(30) @Max(86400)
  ACCESS_TOKEN_TTL_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(60) @Max(365 * 86400)
  REFRESH_TOKEN_TTL_SECONDS?: number;

  @IsOptional() @Matches(/^https?:\/\/[^/]+$/, { message: 'PUBLIC_URL must be an http(s) origin without a path, e.g. https://labs.example.edu' })
  PUBLIC_URL?: string;

  @IsOptional() @Matches(/^(false|true|loopback|\d{1,2}|[0-9a-f.:/, ]+)$/i, { message: 'TRUST_PROXY must be false, true, loopback, a hop count or addresses' })
  TRUST_PROXY?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100)
  LOGIN_LOCK_AFTER_FAILURES?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(60) @Max(7 * 86400)
  POOL_IDLE_TTL_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(24 * 60)
  POOL_LEAD_MINUTES?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  POOL_TICK_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  PROVISION_CONCURRENCY?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(100000)
  ADMISSION_QUEUE_MAX?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  CAPACITY_CPUS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(256) @Max(1 << 30)
  CAPACITY_MEMORY_MB?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  RATE_LIMIT_LOGIN_PER_MINUTE?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  RATE_LIMIT_LABS_PER_MINUTE?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  RATE_LIMIT_LABS_PER_ADDRESS_PER_MINUTE?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100000)
  RATE_LIMIT_CHECKS_PER_LAB_PER_MINUTE?: number;

  @IsOptional() @Matches(/^[a-z0-9][a-z0-9:_-]{0,40}$/, { message: 'REDIS_KEY_PREFIX must be letters, digits, colons, dashes or underscores' })
  REDIS_KEY_PREFIX?: string;

  @IsOptional() @IsEnum(ProviderKind, { message: `LAB_PROVIDER must be one of: ${Object.values(ProviderKind).join(', ')}` })
  LAB_PROVIDER?: ProviderKind;

  @IsOptional() @Matches(/^[a-z0-9][a-z0-9-]{0,30}$/, { message: 'LABFLEET_INSTANCE must be lowercase letters, digits and dashes (max 31)' })
  LABFLEET_INSTANCE?: string;

  @IsOptional() @IsString() @IsNotEmpty()
  DOCKER_HOST?: string;

  @IsOptional() @IsString() @IsNotEmpty()
  LAB_IMAGE?: string;

  /** How labs are confined (docs/providers.md "Security profiles", docs/security.md). */
  @IsOptional() @IsIn(['confined', 'privileged', 'runtime'], { message: 'LAB_SECURITY_PROFILE must be confined, privileged or runtime' })
  LAB_SECURITY_PROFILE?: LabSecurityProfile;

  /** A Docker runtime that sandboxes labs itself (sysbox-runc, runsc, kata-runtime): the `runtime` profile on Docker and Swarm. */
  @ValidateIf((env: EnvironmentDto) => env.LAB_PROVIDER !== ProviderKind.Kubernetes)
  @IsOptional() @Matches(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,60}$/, { message: 'LAB_RUNTIME must be the name of a runtime the engine knows' })
  LAB_RUNTIME?: string;

  /** Where each lab node's disk (a file system image of the template's diskMb) lives on its engine's host. */
  @IsOptional() @Matches(/^\/[\w./-]*[\w]$/, { message: 'LAB_DISK_DIR must be an absolute path' })
  LAB_DISK_DIR?: string;

  @IsOptional() @IsIn(['image', 'none'], { message: 'LAB_DISK_LIMIT must be image or none' })
  LAB_DISK_LIMIT?: 'image' | 'none';

  @IsOptional() @Transform(toInt) @IsInt() @Min(5) @Max(600)
  LAB_READY_TIMEOUT_SECONDS?: number;

  @IsOptional() @Matches(/^\d{1,3}(\.\d{1,3}){3}\/(8|9|1\d|2[0-4])$/, { message: 'LAB_SUBNET_POOL must be an IPv4 CIDR from /8 to /24, e.g. 10.213.0.0/16' })
  LAB_SUBNET_POOL?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(25) @Max(29)
  LAB_SUBNET_PREFIX?: number;

  @IsOptional() @IsString() @IsNotEmpty()
  TEMPLATES_FILE?: string;

  // The most one lab may ask for: templates made through the API stay within these (docs/operations.md).
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(20)
  TEMPLATE_MAX_NODES?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(64)
  TEMPLATE_MAX_CPUS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(128) @Max(262144)
  TEMPLATE_MAX_MEMORY_MB?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(64) @Max(1_000_000)
  TEMPLATE_MAX_PIDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(512) @Max(1 << 20)
  TEMPLATE_MAX_DISK_MB?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(60) @Max(7 * 86400)
  TEMPLATE_MAX_TTL_SECONDS?: number;

  @IsOptional() @IsIn(['push', 'proxy', 'off'], { message: 'REGISTRY_MODE must be push, proxy or off' })
  REGISTRY_MODE?: 'push' | 'proxy' | 'off';

  @IsOptional() @IsString() @IsNotEmpty()
  REGISTRY_IMAGE?: string;

  @IsOptional() @Matches(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,60}$/, { message: 'REGISTRY_NAME must be a container name' })
  REGISTRY_NAME?: string;

  @ValidateIf((env: EnvironmentDto) => (env.REGISTRY_MODE ?? 'push') === 'push')
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535)
  REGISTRY_HOST_PORT?: number;

  @ValidateIf((env: EnvironmentDto) => env.REGISTRY_MODE === 'proxy')
  @Matches(/^https?:\/\//, { message: 'REGISTRY_PROXY_URL must be an http(s) URL when REGISTRY_MODE=proxy' })
  REGISTRY_PROXY_URL?: string;

  @IsOptional() @IsIn(['on', 'off'], { message: 'COURSE_REGISTRY must be on or off' })
  COURSE_REGISTRY?: 'on' | 'off';

  @IsOptional() @Matches(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,50}$/, { message: 'COURSE_REGISTRY_NAME must be a container name' })
  COURSE_REGISTRY_NAME?: string;

  @IsOptional() @IsString() @IsNotEmpty()
  COURSE_REGISTRY_IMAGE?: string;

  @IsOptional() @IsString() @IsNotEmpty()
  COURSE_REGISTRY_FRONT_IMAGE?: string;

  @IsOptional() @Matches(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?:\d{1,5}$/, { message: 'COURSE_REGISTRY_HOST must be host:port, e.g. labfleet-courses:5000 (a name with a port, as Docker reads a registry)' })
  COURSE_REGISTRY_HOST?: string;

  @IsOptional() @Matches(/^https?:\/\/[^/]+$/, { message: 'COURSE_REGISTRY_API_URL must be an http(s) URL without a path' })
  COURSE_REGISTRY_API_URL?: string;

  @IsOptional() @Matches(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,100}$/, { message: 'COURSE_REGISTRY_API_NETWORK must be a network name' })
  COURSE_REGISTRY_API_NETWORK?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(30) @Max(3600)
  COURSE_REGISTRY_TOKEN_TTL_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1048576)
  COURSE_REGISTRY_CAP_MB?: number;

  /** ca.pem, cert.pem and key.pem for Docker engines reached over TCP (Docker's own convention). */
  @IsOptional() @IsString() @IsNotEmpty()
  DOCKER_CERT_PATH?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(86400)
  PLACEMENT_TIMEOUT_SECONDS?: number;

  /** How the port proxy reaches a lab: over the lab network, or through the engine (docs/api.md "In the browser"). */
  @IsOptional() @IsIn(['network', 'engine'], { message: 'PORT_PROXY_ROUTE must be network or engine' })
  PORT_PROXY_ROUTE?: 'network' | 'engine';

  // Swarm: read only with LAB_PROVIDER=swarm (docs/providers.md "Docker Swarm").
  @ValidateIf(onSwarm) @IsOptional() @Matches(/^node\.[\w.-]+ *(==|!=) *[^, ]+( *, *node\.[\w.-]+ *(==|!=) *[^, ]+)*$/, {
    message: 'SWARM_CONSTRAINTS must be comma-separated Swarm placement constraints, e.g. node.labels.labfleet.labs==true',
  })
  SWARM_CONSTRAINTS?: string;

  @ValidateIf(onSwarm) @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535)
  SWARM_ENGINE_PORT?: number;

  // Kubernetes: read only with LAB_PROVIDER=kubernetes (docs/providers.md "Kubernetes").
  @ValidateIf(onKubernetes) @IsOptional() @IsString() @IsNotEmpty()
  KUBECONFIG?: string;

  @ValidateIf(onKubernetes) @IsOptional() @IsIn(['lab', 'course'], { message: 'KUBE_NAMESPACE_MODE must be lab or course' })
  KUBE_NAMESPACE_MODE?: 'lab' | 'course';

  // Namespace names are <prefix>-<uuid> or <prefix>-course-<uuid>, and must fit in 63 characters.
  @ValidateIf(onKubernetes) @IsOptional() @Matches(/^[a-z]([a-z0-9-]{0,17}[a-z0-9])?$/, { message: 'KUBE_NAMESPACE_PREFIX must be a DNS label of at most 19 characters' })
  KUBE_NAMESPACE_PREFIX?: string;

  @ValidateIf(onKubernetes) @IsOptional() @Matches(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { message: 'KUBE_PLATFORM_NAMESPACE must be a namespace name' })
  KUBE_PLATFORM_NAMESPACE?: string;

  @ValidateIf(onKubernetes) @IsOptional() @Matches(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, { message: 'KUBE_RUNTIME_CLASS must be a RuntimeClass name' })
  KUBE_RUNTIME_CLASS?: string;

  /** The confined pods' Localhost seccomp profile, below the kubelet's seccomp directory (k8s/components/lab-seccomp). */
  @ValidateIf(onKubernetes) @IsOptional() @Matches(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[\w.\/-]+$/, { message: 'KUBE_LAB_SECCOMP_PROFILE must be a path below the kubelet seccomp directory, e.g. labfleet/labfleet-lab.json' })
  KUBE_LAB_SECCOMP_PROFILE?: string;

  @ValidateIf(onKubernetes) @IsOptional() @Matches(/^https?:\/\/[^/]+$/, { message: 'KUBE_REGISTRY_MIRROR_URL must be an http(s) URL without a path' })
  KUBE_REGISTRY_MIRROR_URL?: string;

  @ValidateIf(onKubernetes) @IsOptional() @Matches(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, { message: 'KUBE_CLUSTER_DOMAIN must be a DNS name' })
  KUBE_CLUSTER_DOMAIN?: string;

  @ValidateIf(onKubernetes) @IsOptional() @Matches(/^https:\/\/[^/]+$/, { message: 'KUBE_STUDENT_API_SERVER must be an https URL without a path, e.g. https://kubernetes.default.svc' })
  KUBE_STUDENT_API_SERVER?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100)
  WORKER_CONCURRENCY?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  RECONCILE_INTERVAL_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  IDLE_CHECK_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  IDLE_WARNING_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86400)
  IDLE_LIMIT_MIN_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(300)
  ACTIVITY_WRITE_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(20)
  JOB_ATTEMPTS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(600000)
  JOB_BACKOFF_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(2000) @Max(600000)
  JOB_LOCK_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) @Max(64 * 1024 * 1024)
  EXEC_OUTPUT_LIMIT_BYTES?: number;

  @IsOptional() @IsIn(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty' })
  LOG_FORMAT?: 'json' | 'pretty';
}
