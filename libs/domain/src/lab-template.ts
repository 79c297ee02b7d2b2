/**
 * A command a template runs on one node once all its nodes answer, before the lab is ready. `run`
 * may use `{{node1}}`… (a node's address) and `{{name}}` (the trimmed output of an earlier step that
 * set `capture: name`).
 */
export interface SetupStep {
  readonly node: string;
  readonly run: string;
  readonly capture?: string;
}

/**
 * A Kubernetes namespace of the student's own on the backend's cluster, with a kubeconfig for it
 * in the lab (the course's Kubernetes chapter), and what the namespace's quota allows.
 */
export interface StudentKubernetes {
  readonly pods: number;
  readonly cpus: number;
  readonly memoryMb: number;
}

/** A template as the domain sees it: what a lab of this kind is made of. */
export interface LabTemplate {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly image: string | null;
  readonly nodes: number;
  readonly cpus: number;
  readonly memoryMb: number;
  readonly pidsLimit: number;
  readonly diskMb: number | null;
  readonly ttlSeconds: number;
  readonly images: readonly string[];
  /** What a running lab is counted as using when admitting more (see `fitsCapacity`). */
  readonly reservedCpus: number;
  readonly reservedMemoryMb: number;
  readonly setup: readonly SetupStep[];
  /** Null: a lab of Docker hosts only. Only a Kubernetes backend offers it (`notOfferedReason`). */
  readonly kubernetes: StudentKubernetes | null;
}
