import type { Duplex } from 'node:stream';
import type { ProviderKind } from '@labfleet/contracts';
import type { Resources } from './capacity';
import type { StudentKubernetes } from './lab-template';

/** One node of a lab: a Docker host of its own, reachable as `hostname` by the lab's other nodes. */
export interface LabNodeSpec {
  readonly name: string;
  readonly hostname: string;
}

export interface LabLimits {
  /** CPUs the lab may use (fractions allowed). */
  readonly cpus: number;
  readonly memoryMb: number;
  readonly pidsLimit: number;
  /** Size of each node's writable disk (null: `DEFAULT_DISK_MB`); a lab that fills it stops there. */
  readonly diskMb: number | null;
}

/** The disk of a node whose template names no size. */
export const DEFAULT_DISK_MB = 10240;

/** Everything a provider needs to run a lab, built from its template and row (see `buildLabSpec`). */
export interface LabSpec {
  readonly labId: string;
  readonly templateName: string;
  readonly image: string;
  readonly nodes: readonly LabNodeSpec[];
  readonly limits: LabLimits;
  /** What the whole lab (all nodes) is counted as using, for placement on a cluster. */
  readonly reservation: Resources;
  /** Images the template needs; the provider makes sure the lab can pull them offline. */
  readonly images: readonly string[];
  /** Who the lab is for; providers label what they create with it (absent for unowned labs). */
  readonly owner?: { readonly schoolId: string; readonly courseId: string; readonly userId: string | null };
  /** A Kubernetes namespace of the student's own, with a kubeconfig in the lab (only providers that offer it). */
  readonly studentKubernetes?: StudentKubernetes;
}

/**
 * What a backend can give a lab besides Docker hosts. A template asking for more is not offered
 * there: a request for it is refused with the reason (`notOfferedReason`), never made and failed.
 */
export interface ProviderOffers {
  /** A namespace of the student's own on the backend's Kubernetes cluster (`LabSpec.studentKubernetes`). */
  readonly studentKubernetes: boolean;
}

/** Small JSON value a provider returns from `provision`, stored on the lab row. */
export interface LabHandle {
  readonly labId: string;
  readonly provider: string;
  readonly nodes: readonly LabNodeHandle[];
  readonly network?: string;
  /** The cluster node the lab runs on, where the backend has several (Swarm). */
  readonly host?: string;
}

export interface LabNodeHandle {
  readonly name: string;
  readonly hostname: string;
  readonly runtimeId: string;
  readonly address?: string;
}

/** Whether a cluster found room for the lab; while not, `reason` says why in the cluster's words. */
export type Placement = { readonly placed: true } | { readonly placed: false; readonly reason: string };

export type LabRuntimeState = 'running' | 'stopped' | 'gone';

export interface LabRuntime {
  readonly state: LabRuntimeState;
  /** Why the lab is not running, in words a person understands. */
  readonly reason?: string;
}

export interface ExecRequest {
  readonly node: string;
  readonly command: readonly string[];
  readonly timeoutMs: number;
  readonly stdin?: string;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly truncated: boolean;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

/** An interactive program on a lab node with a TTY (the web terminal). */
export interface TerminalSession {
  /** Bytes the program writes (stdout and stderr, merged by the TTY). */
  onData(listener: (chunk: Buffer) => void): void;
  /** Called once, when the program ends or the connection to it breaks. */
  onEnd(listener: () => void): void;
  write(data: string | Buffer): void;
  resize(cols: number, rows: number): Promise<void>;
  close(): void;
}

export interface AttachRequest {
  readonly node: string;
  readonly command: readonly string[];
  readonly cols: number;
  readonly rows: number;
}

/** A path on a lab node, for copying files in and out. */
export interface NodePath {
  readonly node: string;
  /** Absolute path inside the node. */
  readonly path: string;
}

/**
 * The port every backend (Docker, Swarm, Kubernetes) implements. Every method is idempotent on
 * the lab id, so a job delivered twice or a worker that died half-way is always safe to repeat.
 * `labProviderContract` (`@labfleet/testing`) checks every method against every backend.
 *
 * Optional members are the ones a backend may lack by design, each saying which and why; a
 * caller checks for them. Everything else a lab needs (terminal, files, capacity) every backend has.
 */
export interface LabProvider {
  readonly kind: ProviderKind;
  /**
   * What the backend gives labs besides Docker hosts. Absent: nothing else, as on Docker and
   * Swarm, which have no Kubernetes cluster to give namespaces of.
   */
  readonly offers?: ProviderOffers;
  /**
   * Readies what labs of these templates need before the first one is asked for (on Docker: the
   * registry mirror and the images it serves). Returns problems in words; never fatal.
   */
  prepare(images: readonly string[]): Promise<string[]>;
  /**
   * Which of these images labs could not be given, read only (the API asks when a template is
   * saved; the worker's `prepare` does the pushing): one problem per image, naming it. Absent
   * where nothing can be known before a lab pulls (Kubernetes: the in-cluster mirror is a
   * pull-through cache).
   */
  imageProblems?(images: readonly string[]): Promise<string[]>;
  /**
   * Asks the cluster for room for the lab, without waiting (Swarm, Kubernetes). Called while the
   * lab is pending, again until it is placed; `provision` then runs where it was placed.
   * Idempotent. Absent on a single Docker host, which has one place: admission's capacity count
   * alone decides whether a lab fits there.
   */
  place?(spec: LabSpec): Promise<Placement>;
  /**
   * Creates (or adopts what exists of) the lab and resolves only when every node's Docker daemon
   * answers (and, for `studentKubernetes`, the kubeconfig is in node1). Called again for the same
   * lab it makes nothing twice.
   * Rejects with `ProviderError` (retryable or not) or `DependencyUnavailableError`.
   */
  provision(spec: LabSpec): Promise<LabHandle>;
  /** The lab's runtime state; a lab that does not exist is `{ state: 'gone' }`, never an error. */
  inspect(labId: string): Promise<LabRuntime>;
  /** Removes every resource of the lab (containers, network, volumes). A missing lab is success. */
  destroy(labId: string): Promise<void>;
  /**
   * Every lab this installation has resources for (by label), each with its state as `inspect`
   * gives it, read in a few calls to the backend however many labs there are: reconcile's view.
   * A lab with something left but no node (a network, a disk) is `gone`; a lab with nothing is
   * not listed.
   */
  labRuntimes(): Promise<ReadonlyMap<string, LabRuntime>>;
  /** Runs a command on one node, with bounded output and a timeout. */
  exec(labId: string, request: ExecRequest): Promise<ExecResult>;
  /** Starts `command` on a node with a TTY and hands back its byte stream (the web terminal). */
  attach(labId: string, request: AttachRequest): Promise<TerminalSession>;
  /** Unpacks a tar archive into the directory `target.path` of a node (created if missing). */
  copyIn(labId: string, target: NodePath, tar: Buffer): Promise<void>;
  /** A tar archive of the file or directory at `source.path` on a node. */
  copyOut(labId: string, source: NodePath): Promise<NodeJS.ReadableStream>;
  /**
   * A byte stream to TCP `port` on a node, carried by the backend's own API: the port proxy's
   * route where the API has no route to the lab network (`PORT_PROXY_ROUTE=engine`). Absent on
   * Kubernetes, where the API runs in the cluster and reaches each pod's address itself
   * (`PORT_PROXY_ROUTE=network`; the config refuses `engine` there).
   */
  openPort?(labId: string, node: string, port: number): Promise<Duplex>;
  /**
   * CPUs and memory the backend offers labs (an engine's, or the sum of schedulable nodes'), for
   * admission; where `CAPACITY_CPUS`/`CAPACITY_MEMORY_MB` are set, they take its place.
   */
  capacity(): Promise<Resources>;
  /** Cheap liveness check of the backend; rejects with `DependencyUnavailableError`. */
  ping(): Promise<void>;
  /** The course registry, where this backend runs one (`COURSE_REGISTRY=on`, Docker only). */
  readonly courseRegistry?: CourseRegistryPort;
}

/** Nest injection token for the configured `LabProvider`. */
/**
 * The course registry a backend runs for labs (Docker provider only): a registry that trusts tokens
 * signed by the key whose certificate it is given, reachable from every lab network.
 */
export interface CourseRegistryPort {
  /**
   * Starts the registry (or keeps it) trusting `certificatePem`; until this is called, labs are
   * made without the registry. Idempotent; a changed certificate replaces the registry container.
   */
  start(certificatePem: string): Promise<void>;
  /** Bytes of the layers linked in the repositories under `<courseId>/<userId>/`. */
  usageBytes(courseId: string, userId: string): Promise<number>;
  /** Course ids that have repositories in the registry's storage. */
  listCourses(): Promise<string[]>;
  /** Removes these courses' repositories, then the blobs no repository links any more. */
  removeCourses(courseIds: readonly string[]): Promise<void>;
}

export const LAB_PROVIDER = Symbol('LAB_PROVIDER');
