import { ProviderKind, TemplateCaps } from '@labfleet/contracts';

/**
 * How a lab node is confined. `confined`: an unprivileged container whose lab runs in a user
 * namespace (the student is root there, uid 100000 to the host). `privileged`: a privileged
 * DinD container, root on the host (an explicit opt-in). `runtime`: an unprivileged container
 * under a runtime that sandboxes it (Sysbox, gVisor, Kata): `LAB_RUNTIME` / `KUBE_RUNTIME_CLASS`.
 */
export type LabSecurityProfile = 'confined' | 'privileged' | 'runtime';
export type RegistryMode = 'push' | 'proxy' | 'off';
export type KubeNamespaceMode = 'lab' | 'course';

/** The validated, typed configuration. Also the Nest injection token for it. */
export abstract class LabfleetConfig {
  abstract readonly port: number;
  /**
   * Slow clients: a request's head must arrive within `headersTimeoutSeconds` and the whole
   * request (a file upload too) within `requestTimeoutSeconds`, or the API answers 408 and closes.
   */
  abstract readonly http: { readonly headersTimeoutSeconds: number; readonly requestTimeoutSeconds: number };
  abstract readonly adminToken: string;
  /** Labels every resource; two installations (or test runs) on one engine never touch each other's. */
  abstract readonly instance: string;
  abstract readonly logFormat: 'json' | 'pretty';
  abstract readonly database: { readonly url: string };
  /** `keyPrefix` lets several installations (or test runs) share one Redis. */
  abstract readonly redis: { readonly url: string; readonly keyPrefix: string };
  abstract readonly provider: {
    readonly kind: ProviderKind;
    readonly dockerHost: string;
    readonly labImage: string;
    readonly securityProfile: LabSecurityProfile;
    /** The Docker runtime of the `runtime` profile (Docker and Swarm); null otherwise. */
    readonly runtime: string | null;
    /**
     * Each lab node's writable disk: `image`, a file system image of the template's `diskMb` in
     * `dir` on the engine's host, mounted by the host helper (a lab that fills it stops there);
     * `none`, a Docker volume, uncapped. Docker and Swarm.
     */
    readonly disk: { readonly limit: 'image' | 'none'; readonly dir: string };
    readonly readyTimeoutSeconds: number;
    readonly execOutputLimitBytes: number;
    /** Range lab networks get their subnets from, in blocks of `subnetPrefix` (Docker provider). */
    readonly subnetPool: string;
    readonly subnetPrefix: number;
    /** Directory of ca.pem, cert.pem and key.pem for engines reached over TCP; null: plain TCP. */
    readonly tlsDir: string | null;
    /** A lab the cluster finds no room for fails after waiting this long in `pending`. */
    readonly placementTimeoutSeconds: number;
    /**
     * How the port proxy reaches a lab's port: `network`, the node's address on the lab network
     * (the API on the Docker host, or in the cluster); `engine`, a stream through the engine.
     */
    readonly portProxyRoute: 'network' | 'engine';
  };
  /** Used only with `LAB_PROVIDER=swarm`; `provider.dockerHost` is then a manager's engine. */
  abstract readonly swarm: {
    /** Placement constraints of every lab (Swarm syntax), e.g. `node.labels.labfleet.labs==true`. */
    readonly constraints: readonly string[];
    /** Port of each node's Docker API, reached at the node's Swarm address. */
    readonly enginePort: number;
  };
  abstract readonly registry: {
    readonly mode: RegistryMode;
    readonly image: string;
    /** Container name of the mirror; several installations on one engine may share it. */
    readonly name: string;
    readonly hostPort: number;
    readonly proxyUrl?: string;
  };
  /**
   * The course registry (Docker provider): a `registry:2` behind a small proxy that joins lab
   * networks as `host`; Labfleet is its token server. Tokens are signed with a key Labfleet makes
   * on first use and keeps in Postgres.
   */
  abstract readonly courseRegistry: {
    readonly enabled: boolean;
    /** Container name prefix (`-store`, `-front`, `-data`, `-net` are added). */
    readonly name: string;
    readonly image: string;
    /** The image of the proxy in front (nginx). */
    readonly frontImage: string;
    /** `host:port` labs reach the registry by, on their own network. */
    readonly host: string;
    /** The API as the proxy reaches it: the token endpoint is forwarded there. */
    readonly apiUrl: string;
    /** A network the proxy joins to reach `apiUrl` (Compose: the API's network); null: the engine's default bridge. */
    readonly apiNetwork: string | null;
    readonly tokenTtlSeconds: number;
    /** A student whose namespace holds more than this gets no push token. */
    readonly capMb: number;
  };
  /** Used only with `LAB_PROVIDER=kubernetes`. */
  abstract readonly kubernetes: {
    /** Kubeconfig file; unset: `~/.kube/config`, else the in-cluster service account. */
    readonly kubeconfig?: string;
    /** A namespace per lab, or one per course shared by its labs. */
    readonly namespaceMode: KubeNamespaceMode;
    readonly namespacePrefix: string;
    /** Where Labfleet runs; labs may reach its pods labelled `labfleet.io/lab-access=true` (the mirror). */
    readonly platformNamespace: string;
    /** RuntimeClass of lab pods in the `runtime` profile (e.g. `sysbox-runc`); null otherwise. */
    readonly runtimeClass: string | null;
    /**
     * Seccomp profile of confined lab pods, relative to the kubelet's seccomp directory (the file
     * of `k8s/components/lab-seccomp` installed on every node); null: `Unconfined`.
     */
    readonly seccompProfile: string | null;
    /** `http://host:port` of an in-cluster registry the lab daemons use as their Docker Hub mirror. */
    readonly registryMirrorUrl: string | null;
    readonly clusterDomain: string;
    /**
     * The API server as a student's kubectl inside a lab reaches it (templates with `kubernetes`):
     * the kubeconfig written into the lab names it, and the lab's NetworkPolicy lets it through.
     */
    readonly studentApiServer: string;
  };
  abstract readonly jobs: {
    readonly concurrency: number;
    readonly attempts: number;
    readonly backoffMs: number;
    readonly lockMs: number;
    readonly reconcileIntervalSeconds: number;
  };
  /** Courses' idle limits (see `decideIdle` in libs/domain). */
  abstract readonly idle: {
    /** How often the worker's idle pass runs. */
    readonly checkSeconds: number;
    /** How long before an idle stop the student is warned (at most half the course's limit). */
    readonly warningSeconds: number;
    /** The shortest idle limit a course may set. */
    readonly minLimitSeconds: number;
    /** An API process writes a lab's activity to Redis at most this often. */
    readonly activityWriteSeconds: number;
  };
  abstract readonly templatesFile: string;
  /** The most one lab may ask for; templates made through the API stay within it (the seed file is the operator's). */
  abstract readonly templateCaps: TemplateCaps;
  abstract readonly auth: {
    readonly jwtSecret: string;
    readonly accessTtlSeconds: number;
    readonly refreshTtlSeconds: number;
    /** Origin users reach the API at; OpenID Connect redirects come back here. */
    readonly publicUrl: string;
    /** Express `trust proxy`: which `X-Forwarded-For` to believe for the client address. */
    readonly trustProxy: boolean | number | string;
    /** Failed logins in a row before each further attempt waits (doubling, up to 15 min). */
    readonly lockAfterFailures: number;
  };
  /** Warm pools and admission (how many labs run at once). */
  abstract readonly pool: {
    /** Idle pool labs end after this and are replaced by fresh ones. */
    readonly idleTtlSeconds: number;
    /** How early before a timetabled session its labs are warmed. */
    readonly leadMinutes: number;
    readonly tickSeconds: number;
    /** Provisions running at once across all workers, so a rush does not thrash the host. */
    readonly provisionConcurrency: number;
    /** Lab requests that may wait for capacity; beyond it, 429. */
    readonly admissionQueueMax: number;
    /** Capacity to admit against; unset: what the backend reports (engine CPUs and memory). */
    readonly capacityCpus: number | null;
    readonly capacityMemoryMb: number | null;
  };
  /** Requests per minute, per account and per client address. */
  abstract readonly rateLimits: {
    readonly loginPerAccount: number;
    readonly loginPerAddress: number;
    readonly labsPerAccount: number;
    readonly labsPerAddress: number;
    /** Exercise checks per lab (one runs at a time in a lab whatever this says). */
    readonly checksPerLab: number;
  };
}
