import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { LabfleetConfig } from '@labfleet/config';
import { ProviderKind } from '@labfleet/contracts';
import {
  AttachRequest,
  DependencyUnavailableError,
  ExecRequest,
  ExecResult,
  LabHandle,
  LabProvider,
  LabRuntime,
  LabSpec,
  NodePath,
  Placement,
  ProviderError,
  Resources,
  TerminalSession,
  withTimeout,
} from '@labfleet/domain';
import { KubeClients } from './kube-clients';
import { toProviderError } from './kube-errors';
import { KubeExecTarget, runKubeExec } from './kubernetes-exec';
import { copyIntoPod, copyOutOfPod } from './kubernetes-files';
import { attachKubeTerminal } from './kubernetes-terminal';
import { buildLabObjects, LabObjects } from './lab-objects.builder';
import { peerHostsCommand } from './lab-peers';
import { LabProvisioner } from './lab-provisioner';
import { KubeLabContext, LAB_CONTAINER, LABEL_INSTANCE, LABEL_LAB_ID, LABEL_NODE, labSelector } from './lab-resource-names';
import { LabTeardown } from './lab-teardown';
import { labCapacity } from './node-capacity';
import { isRunning, labRuntime } from './pod-status';
import { buildStudentNamespace } from './student-namespace.builder';
import { StudentNamespaces } from './student-namespaces';
import { inStudentNamespace } from './student-resource-names';

export type KubernetesProviderConfig = Pick<LabfleetConfig, 'instance' | 'provider' | 'kubernetes'>;

/** An upload is at most 50 MB: time enough for it over a slow link to the API server. */
const COPY_IN_TIMEOUT_MS = 120_000;
/** Writing a few lines of /etc/hosts in a running node. */
const PEERS_TIMEOUT_MS = 10_000;
/** The scheduler decides within milliseconds; past this, placement is asked again later. */
const SCHEDULING_WAIT_MS = 3000;
/** Pods that hold room on a node: the scheduler counts these, admission subtracts the ones not labs. */
const HOLDING_ROOM = 'status.phase!=Succeeded,status.phase!=Failed';

/**
 * Labs as Kubernetes objects: per lab a namespace (or a share of its course's), a headless
 * Service, a NetworkPolicy, a quota, and one pod per node, confined as the security profile says;
 * for templates with `kubernetes`, a student namespace too, with a kubeconfig for it in the lab.
 * State comes from watch caches of this installation's pods and namespaces, started on first use
 * (the API process, which only execs, attaches, copies files and reads capacity, never starts them).
 */
export class KubernetesProvider implements LabProvider {
  readonly kind = ProviderKind.Kubernetes;
  readonly offers = { studentKubernetes: true };
  private readonly kube: KubeClients;
  private readonly ctx: KubeLabContext;
  private readonly provisioner: LabProvisioner;
  private readonly teardown: LabTeardown;
  private readonly students: StudentNamespaces;

  constructor(
    kc: KubeConfig,
    private readonly config: KubernetesProviderConfig,
  ) {
    const { kubeconfig: _file, ...settings } = config.kubernetes;
    this.ctx = { instance: config.instance, securityProfile: config.provider.securityProfile, ...settings };
    this.kube = new KubeClients(kc, this.ctx);
    this.provisioner = new LabProvisioner(this.kube, config.instance);
    this.students = new StudentNamespaces(this.kube, this.ctx, config.kubernetes.studentApiServer);
    this.teardown = new LabTeardown(this.kube, this.ctx, this.students);
  }

  /** Labs reach no registry but the in-cluster mirror, which fills itself (a pull-through cache). */
  async prepare(images: readonly string[]): Promise<string[]> {
    if (images.length === 0 || this.ctx.registryMirrorUrl) return [];
    return [`no registry mirror is configured (KUBE_REGISTRY_MIRROR_URL): labs cannot pull ${images.join(', ')}`];
  }

  /**
   * Makes the lab's objects (its pods too: the scheduler keeps unschedulable pods pending and
   * places them, oldest first, as room frees up) and says whether every pod has a node yet.
   */
  async place(spec: LabSpec): Promise<Placement> {
    return this.api('placing the lab', async () => {
      await this.kube.watching();
      const objects = await this.labObjects(spec);
      const uids = await this.provisioner.apply(spec, objects);
      return this.provisioner.waitScheduled(spec, objects, uids, SCHEDULING_WAIT_MS);
    });
  }

  async provision(spec: LabSpec): Promise<LabHandle> {
    return this.api('provisioning the lab', async () => {
      await this.kube.watching();
      const objects = await this.labObjects(spec);
      const uids = await this.provisioner.apply(spec, objects);
      const labNamespace = objects.namespace.metadata!.name!;
      // The student namespace is made while the lab's pods start; its kubeconfig goes in once they run.
      const [pods, kubeconfig] = await Promise.all([
        this.provisioner.waitReady(spec, objects, uids, this.config.provider.readyTimeoutSeconds * 1000),
        spec.studentKubernetes ? this.students.apply(buildStudentNamespace(spec, spec.studentKubernetes, labNamespace, this.ctx)) : undefined,
      ]);
      await Promise.all([
        kubeconfig ? this.students.writeKubeconfig({ namespace: labNamespace, pod: pods[0].metadata!.name!, container: LAB_CONTAINER }, kubeconfig) : undefined,
        spec.nodes.length > 1 ? this.introducePeers(spec, pods, labNamespace) : undefined,
      ]);
      return {
        labId: spec.labId,
        provider: this.kind,
        network: objects.namespace.metadata!.name!,
        nodes: spec.nodes.map((node, i) => ({
          name: node.name,
          hostname: node.hostname,
          runtimeId: pods[i].metadata!.uid!,
          address: pods[i].status?.podIP,
        })),
      };
    });
  }

  async inspect(labId: string): Promise<LabRuntime> {
    return this.api('inspecting the lab', async () => {
      await this.kube.watching();
      // Answers from the cache only while its watch is open, so a stale cache never fails a lab.
      if (!this.kube.pods.connected) throw new DependencyUnavailableError('kubernetes', 'the pod watch is reconnecting');
      return labRuntime(this.kube.pods.items().filter((p) => p.metadata?.labels?.[LABEL_LAB_ID] === labId));
    });
  }

  async destroy(labId: string): Promise<void> {
    await this.api('destroying the lab', async () => {
      await this.kube.watching();
      await this.teardown.remove(labId);
    });
  }

  /**
   * The labs' states from the pod cache, as `inspect` reads them, grouped in one pass; the labelled
   * namespaces, Services and student bindings (three lists) name the labs with something left but
   * no pod.
   */
  async labRuntimes(): Promise<ReadonlyMap<string, LabRuntime>> {
    return this.api('listing labs', async () => {
      await this.kube.watching();
      const labelSelector = labSelector(this.config.instance);
      const [namespaces, services, studentBindings] = await Promise.all([
        this.kube.core.listNamespace({ labelSelector }),
        this.kube.core.listServiceForAllNamespaces({ labelSelector }),
        this.students.labIds(),
      ]);
      if (!this.kube.pods.connected) throw new DependencyUnavailableError('kubernetes', 'the pod watch is reconnecting');
      const labServices = services.items.filter((s) => !inStudentNamespace(s.metadata?.namespace, this.ctx));
      const leftovers = [...namespaces.items, ...labServices].map((o) => o.metadata?.labels?.[LABEL_LAB_ID]);
      const pods = new Map<string, V1Pod[]>([...leftovers, ...studentBindings].filter((id): id is string => Boolean(id)).map((id) => [id, []]));
      for (const pod of this.kube.pods.items()) {
        const id = pod.metadata?.labels?.[LABEL_LAB_ID];
        if (id) pods.set(id, [...(pods.get(id) ?? []), pod]);
      }
      return new Map([...pods].map(([id, labPods]) => [id, labRuntime(labPods)]));
    });
  }

  async exec(labId: string, request: ExecRequest): Promise<ExecResult> {
    return this.api('running the command', async () =>
      runKubeExec(this.kube.exec, await this.nodePod(labId, request.node), {
        command: request.command,
        timeoutMs: request.timeoutMs,
        outputLimitBytes: this.config.provider.execOutputLimitBytes,
        stdin: request.stdin,
      }),
    );
  }

  async attach(labId: string, request: AttachRequest): Promise<TerminalSession> {
    return this.api('opening a terminal', async () => attachKubeTerminal(this.kube.exec, await this.nodePod(labId, request.node), request));
  }

  async copyIn(labId: string, target: NodePath, tar: Buffer): Promise<void> {
    await this.api('copying files into the lab', async () => copyIntoPod(this.kube.exec, await this.nodePod(labId, target.node), target.path, tar, COPY_IN_TIMEOUT_MS));
  }

  async copyOut(labId: string, source: NodePath): Promise<NodeJS.ReadableStream> {
    return this.api('copying files out of the lab', async () => copyOutOfPod(this.kube.exec, await this.nodePod(labId, source.node), source.path));
  }

  /**
   * What labs can have of the cluster: the allocatable CPU and memory of Ready, schedulable,
   * untainted Linux nodes, less what the other pods on them request (the scheduler's own count,
   * so admission and the scheduler agree; `CAPACITY_CPUS`/`CAPACITY_MEMORY_MB` still cap it).
   */
  async capacity(): Promise<Resources> {
    return this.api('reading node capacity', async () => {
      const [nodes, pods] = await Promise.all([this.kube.core.listNode(), this.kube.core.listPodForAllNamespaces({ fieldSelector: HOLDING_ROOM })]);
      const instance = this.config.instance;
      const isLab = (pod: V1Pod) => pod.metadata?.labels?.[LABEL_INSTANCE] === instance && Boolean(pod.metadata?.labels?.[LABEL_LAB_ID]) && !inStudentNamespace(pod.metadata?.namespace, this.ctx);
      return labCapacity(nodes.items, pods.items, isLab);
    });
  }

  async ping(): Promise<void> {
    try {
      await withTimeout(this.kube.version.getCode(), 1000);
    } catch (e) {
      throw new DependencyUnavailableError('kubernetes', `asking the API server its version: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Closes the watches (Nest calls this at shutdown). */
  onModuleDestroy(): void {
    this.kube.stop();
  }

  /** Writes each node's peers into its /etc/hosts (`lab-peers.ts`), all nodes at once. */
  private async introducePeers(spec: LabSpec, pods: readonly V1Pod[], namespace: string): Promise<void> {
    await Promise.all(
      pods.map(async (pod, i) => {
        const target = { namespace, pod: pod.metadata!.name!, container: LAB_CONTAINER };
        const command = peerHostsCommand(spec, pods, i, namespace, this.ctx);
        const result = await runKubeExec(this.kube.exec, target, { command, timeoutMs: PEERS_TIMEOUT_MS, outputLimitBytes: 4096 });
        if (result.exitCode !== 0) throw new ProviderError(`lab node ${spec.nodes[i].name} could not be told its peers: ${result.stderr.trim() || `exit ${result.exitCode}`}`, true);
      }),
    );
  }

  /** Where a lab node runs: its pod, which must be running. */
  private async nodePod(labId: string, node: string): Promise<KubeExecTarget> {
    const labelSelector = `${labSelector(this.config.instance, labId)},${LABEL_NODE}=${node}`;
    const pod = (await this.kube.core.listPodForAllNamespaces({ labelSelector })).items.find((p) => !inStudentNamespace(p.metadata?.namespace, this.ctx));
    if (!pod || !isRunning(pod)) throw new ProviderError(`lab node ${node} is not running`, false);
    return { namespace: pod.metadata!.namespace!, pod: pod.metadata!.name!, container: LAB_CONTAINER };
  }

  /** The lab's objects; with a student namespace, its NetworkPolicy lets the lab reach it and the API server. */
  private async labObjects(spec: LabSpec): Promise<LabObjects> {
    return buildLabObjects(spec, this.ctx, spec.studentKubernetes ? await this.students.access(spec.labId) : undefined);
  }

  private async api<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toProviderError(e, what);
    }
  }
}
