import type { Duplex } from 'node:stream';
import { Logger } from '@nestjs/common';
import type Docker from 'dockerode';
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
import { createDockerClient } from '../docker-client';
import { toProviderError, tolerate } from '../docker-errors';
import { DockerProvider } from '../docker.provider';
import { LABEL_LAB_ID } from '../lab-resource-names';
import { KeyedMutex } from '../keyed-mutex';
import { buildPlacementService, placementServiceName, seatFilter } from './placement-service.builder';
import { schedulableCapacity, SwarmNode, toSwarmNode } from './swarm-nodes';

type SwarmProviderConfig = Pick<LabfleetConfig, 'instance' | 'provider' | 'registry' | 'swarm'>;

/** Task states after which a task never runs again (`RestartPolicy: none`). */
const ENDED = new Set(['complete', 'shutdown', 'failed', 'rejected', 'orphaned', 'remove']);
/** A seat whose container failed (not one shut down by a drain): its node had room, so it is made again. */
const FAILED = new Set(['failed', 'rejected']);
/** How long `provision` waits for the scheduler to pick a node before saying there is no room. */
const SCHEDULING_WAIT_MS = 5000;
/**
 * How long `place` watches a seat the scheduler has not decided on yet. It decides within moments
 * (a node, or "no suitable node"); not looking again had every lab on Swarm wait the worker's
 * 2 s placement retry before it started (bench:multinode: pickup 2.0–2.1 s).
 */
const SCHEDULER_LOOK_MS = 1000;
/** The scheduler has given the seat a node, or said why not, or the seat is over. */
const schedulerDecided = (task: any | null): boolean => Boolean(task?.NodeID || task?.Status?.Err || ENDED.has(task?.Status?.State));
/** How long a placed seat's container may take to start, and how often a failed one is made again. */
const SEAT_START_MS = 15_000;
const SEAT_REMAKES = 2;
const NODE_TIMEOUT_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const describeTask = (task: any): string => (task ? `${task.Status?.State}: ${task.Status?.Err || task.Status?.Message || 'no reason given'}` : 'no task');

/** A lab without a seat: whatever a node still runs of it (a crash's leftovers), else gone. */
const leftoverRuntime = (onNodes: readonly LabRuntime[]): LabRuntime => onNodes.find((r) => r.state !== 'gone') ?? { state: 'gone' };

/**
 * A seated lab's state: from the node its seat's task names (null: no node, or one no longer in
 * the swarm), which must be ready, then from what that node's engine runs of it.
 */
async function seatedRuntime(seat: any, node: SwarmNode | null, onNode: (node: SwarmNode) => LabRuntime | Promise<LabRuntime>): Promise<LabRuntime> {
  if (!node) return seat.NodeID ? { state: 'gone', reason: 'its cluster node was removed from the swarm' } : { state: 'stopped', reason: 'the lab has no node' };
  if (node.state.split(',')[0] !== 'ready') {
    return { state: 'stopped', reason: `cluster node ${node.hostname} is ${node.state}${node.message ? ` (${node.message})` : ''}` };
  }
  return onNode(node);
}

/**
 * Labs across the nodes of a Docker Swarm cluster. Swarm places each lab (a one-task "seat"
 * service reserving its CPU and memory, see `buildPlacementService`); the lab's DinD containers
 * and private bridge network are then made on the chosen node's own engine, exactly as the
 * single-host `DockerProvider` makes them, so isolation and limits are the same on every node.
 */
export class SwarmProvider implements LabProvider {
  readonly kind = ProviderKind.Swarm;
  private readonly logger = new Logger('SwarmProvider');
  private readonly engines = new Map<string, DockerProvider>();
  private readonly seats = new KeyedMutex();

  constructor(
    private readonly manager: Docker,
    private readonly config: SwarmProviderConfig,
    private readonly connect: (engineUrl: string) => Docker = (url) => createDockerClient(url, config.provider.tlsDir),
  ) {}

  /** Each node that may run labs pushes from its own engine: the images must be on every one. */
  async imageProblems(images: readonly string[]): Promise<string[]> {
    const nodes = (await this.nodes()).filter((n) => n.schedulable && n.matches(this.config.swarm.constraints));
    const problems = await Promise.all(nodes.map(async (n) => (await this.engineOf(n).imageProblems(images)).map((p) => `${n.hostname}: ${p}`)));
    return problems.flat();
  }

  async prepare(images: readonly string[]): Promise<string[]> {
    const info = (await this.call('reading the swarm', () => this.manager.info())) as { Swarm?: { ControlAvailable?: boolean; LocalNodeState?: string } };
    if (!info.Swarm?.ControlAvailable) return [`DOCKER_HOST is not a Swarm manager (swarm state: ${info.Swarm?.LocalNodeState ?? 'unknown'}); labs cannot be placed`];
    const nodes = (await this.nodes()).filter((n) => n.schedulable && n.matches(this.config.swarm.constraints));
    if (nodes.length === 0) return [`no ready, active Swarm node matches ${this.config.swarm.constraints.join(', ')}; labs will wait`];
    const problems = await Promise.all(
      nodes.map((n) => this.engineOf(n).prepare(images).then(
        (list) => list.map((p) => `${n.hostname}: ${p}`),
        (e: Error) => [`${n.hostname}: ${e.message}`],
      )),
    );
    return problems.flat();
  }

  /**
   * Creates the lab's seat once, then reports whether Swarm has given it a node. Its room is held
   * from then on: the lab's containers start while the seat's own container is still starting.
   */
  async place(spec: LabSpec): Promise<Placement> {
    await this.ensureSeat(spec);
    let task = await this.seatTask(spec.labId);
    for (const until = Date.now() + SCHEDULER_LOOK_MS; !schedulerDecided(task) && Date.now() < until; task = await this.seatTask(spec.labId)) await sleep(50);
    if (task && FAILED.has(task.Status?.State)) {
      // Nothing of the lab runs yet, so the new seat may go to any node with room.
      await this.remakeSeat(spec);
      return { placed: false, reason: `the lab's seat is made again after it failed (${describeTask(task)})` };
    }
    if (task?.NodeID && !ENDED.has(task.Status?.State)) return { placed: true };
    if (task && ENDED.has(task.Status?.State)) throw new ProviderError(`the lab's place in the cluster was lost (${describeTask(task)})`, false);
    // Until the scheduler has tried, Message is only "pending task scheduling".
    const reason = task?.Status?.Err || 'waiting for the Swarm scheduler';
    return { placed: false, reason };
  }

  /**
   * Places the lab if `place` has not (the scheduler decides within moments when there is room),
   * then makes its containers on that node while making sure the seat really runs there.
   */
  async provision(spec: LabSpec): Promise<LabHandle> {
    let placement = await this.place(spec);
    for (const until = Date.now() + SCHEDULING_WAIT_MS; !placement.placed && Date.now() < until; placement = await this.place(spec)) await sleep(100);
    if (!placement.placed) throw new ProviderError(`no node has room for the lab yet: ${placement.reason}`, true);
    const node = await this.nodeOf(spec.labId);
    if (!node) throw new ProviderError('the lab was placed on a node that left the cluster', true);
    const [made, held] = await Promise.allSettled([this.engineOf(node).provision(spec), this.holdSeat(spec, node)]);
    if (made.status === 'rejected') throw made.reason;
    if (held.status === 'rejected') throw held.reason;
    return { ...made.value, provider: this.kind, host: node.hostname };
  }

  async inspect(labId: string): Promise<LabRuntime> {
    const seat = await this.seatTask(labId);
    // No seat: at most leftovers from a crash, which reconcile finds through labRuntimes.
    if (!seat) return leftoverRuntime(await this.onEveryNode((engine) => engine.inspect(labId)));
    return seatedRuntime(seat, await this.nodeOf(labId), (node) => this.onNode(node, (engine) => engine.inspect(labId)));
  }

  /** Removes the seat first (its room is free at once), then the lab's resources wherever they are. */
  async destroy(labId: string): Promise<void> {
    await this.call('removing the lab from the swarm', () => tolerate(this.manager.getService(placementServiceName(labId)).remove(), [404]));
    await this.onEveryNode((engine) => engine.destroy(labId));
  }

  /**
   * What `inspect` reads lab by lab, read once for all: the seats and their tasks and the nodes
   * from the manager, and each ready node's labs from its engine (`DockerProvider.labRuntimes`).
   */
  async labRuntimes(): Promise<ReadonlyMap<string, LabRuntime>> {
    const [services, tasks, nodes] = await Promise.all([
      this.call('listing labs', () => this.manager.listServices({ filters: seatFilter(this.config.instance) })),
      // Every task of the swarm, matched to the seats by service (a filter would name every seat).
      this.call('listing lab seats', () => this.manager.listTasks()),
      this.nodes(),
    ]);
    const ready = nodes.filter((n) => n.state.startsWith('ready'));
    const onNodes = new Map(await Promise.all(ready.map(async (n) => [n.id, await this.onNode(n, (engine) => engine.labRuntimes())] as const)));
    const labOfService = new Map(services.flatMap((s) => (s.Spec?.Labels?.[LABEL_LAB_ID] ? [[s.ID, s.Spec.Labels[LABEL_LAB_ID]] as const] : [])));
    const seats = new Map<string, any>();
    for (const task of tasks as any[]) {
      const labId = labOfService.get(task.ServiceID);
      // The seat's newest task, as `seatTask` picks it.
      if (labId && (!seats.has(labId) || String(task.CreatedAt).localeCompare(String(seats.get(labId).CreatedAt)) > 0)) seats.set(labId, task);
    }
    const nodeById = new Map(nodes.map((n) => [n.id, n]));
    const ids = new Set([...labOfService.values(), ...[...onNodes.values()].flatMap((m) => [...m.keys()])]);
    const runtimes = new Map<string, LabRuntime>();
    for (const id of ids) {
      const seat = seats.get(id);
      const on = (node: SwarmNode) => onNodes.get(node.id)?.get(id) ?? { state: 'gone' as const };
      runtimes.set(id, seat ? await seatedRuntime(seat, nodeById.get(seat.NodeID) ?? null, on) : leftoverRuntime(ready.map(on)));
    }
    return runtimes;
  }

  async exec(labId: string, request: ExecRequest): Promise<ExecResult> {
    return (await this.engineOfLab(labId)).exec(labId, request);
  }

  async attach(labId: string, request: AttachRequest): Promise<TerminalSession> {
    return (await this.engineOfLab(labId)).attach(labId, request);
  }

  async copyIn(labId: string, target: NodePath, tar: Buffer): Promise<void> {
    return (await this.engineOfLab(labId)).copyIn(labId, target, tar);
  }

  async copyOut(labId: string, source: NodePath): Promise<NodeJS.ReadableStream> {
    return (await this.engineOfLab(labId)).copyOut(labId, source);
  }

  async openPort(labId: string, node: string, port: number): Promise<Duplex> {
    return (await this.engineOfLab(labId)).openPort(labId, node, port);
  }

  /** The nodes labs may go to now: ready, active and matching `SWARM_CONSTRAINTS`. */
  async capacity(): Promise<Resources> {
    return schedulableCapacity(await this.nodes(), this.config.swarm.constraints);
  }

  async ping(): Promise<void> {
    try {
      await withTimeout(this.manager.ping(), 1000);
    } catch (e) {
      throw new DependencyUnavailableError('docker', `pinging the swarm manager: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** One seat per lab, even when two workers provision it at once (409: the other one made it). */
  private async ensureSeat(spec: LabSpec): Promise<void> {
    await this.seats.run(spec.labId, async () => {
      if (await this.call('reading the lab seat', () => tolerate(this.manager.getService(placementServiceName(spec.labId)).inspect(), [404]))) return;
      await this.createSeat(spec);
    });
  }

  /** Replaces a seat whose container failed; on `node` when the lab's containers are already there. */
  private async remakeSeat(spec: LabSpec, node?: SwarmNode): Promise<void> {
    this.logger.warn({ msg: 'remaking a failed lab seat', labId: spec.labId, node: node?.hostname });
    await this.seats.run(spec.labId, async () => {
      await this.call('removing the failed lab seat', () => tolerate(this.manager.getService(placementServiceName(spec.labId)).remove(), [404]));
      await this.createSeat(spec, node?.id);
    });
  }

  private async createSeat(spec: LabSpec, nodeId?: string): Promise<void> {
    const service = buildPlacementService(spec, spec.image, { instance: this.config.instance, constraints: this.config.swarm.constraints, nodeId });
    await this.call('placing the lab', () => tolerate(this.manager.createService(service), [409]));
  }

  /**
   * Waits until the seat's container runs on `node`: a seat that failed to start holds no room, and
   * Swarm would put another lab in its place. A failed seat is made again there, a few times.
   */
  private async holdSeat(spec: LabSpec, node: SwarmNode): Promise<void> {
    for (let remade = 0; ; remade++) {
      let task = await this.seatTask(spec.labId);
      for (const until = Date.now() + SEAT_START_MS; task?.Status?.State !== 'running' && !ENDED.has(task?.Status?.State) && Date.now() < until; ) {
        await sleep(200);
        task = await this.seatTask(spec.labId);
      }
      if (task?.Status?.State === 'running') return;
      if (!FAILED.has(task?.Status?.State) || remade === SEAT_REMAKES) {
        throw new ProviderError(`the lab's seat on ${node.hostname} did not start (${describeTask(task)})`, true);
      }
      await this.remakeSeat(spec, node);
    }
  }

  /** The seat's one task (`RestartPolicy: none` makes exactly one), or null. */
  private async seatTask(labId: string): Promise<any | null> {
    const tasks = (await this.call('reading the lab seat', () => tolerate(this.manager.listTasks({ filters: { service: [placementServiceName(labId)] } }), [404]))) ?? [];
    return tasks.sort((a, b) => String(b.CreatedAt).localeCompare(String(a.CreatedAt)))[0] ?? null;
  }

  /** The node the lab was placed on; the task keeps it after a drain stops the seat. */
  private async nodeOf(labId: string): Promise<SwarmNode | null> {
    const task = await this.seatTask(labId);
    if (!task?.NodeID) return null;
    const raw = await this.call('reading the lab node', () => tolerate(this.manager.getNode(task.NodeID).inspect(), [404]));
    return raw ? toSwarmNode(raw, this.config.swarm.enginePort) : null;
  }

  private async engineOfLab(labId: string): Promise<DockerProvider> {
    const node = await this.nodeOf(labId);
    if (!node) throw new ProviderError(`lab ${labId} runs on no node of the cluster`, false);
    return this.engineOf(node);
  }

  /** A single-host provider bound to one node's engine (one per engine, reused). */
  private engineOf(node: SwarmNode): DockerProvider {
    let engine = this.engines.get(node.engineUrl);
    if (!engine) {
      engine = new DockerProvider(this.connect(node.engineUrl), this.config);
      this.engines.set(node.engineUrl, engine);
    }
    return engine;
  }

  /**
   * Runs `fn` on every ready node's engine. A node that is down is skipped: what it holds is
   * found and removed by reconcile once it is back.
   */
  private async onEveryNode<T>(fn: (engine: DockerProvider) => Promise<T>): Promise<T[]> {
    const ready = (await this.nodes()).filter((n) => n.state.startsWith('ready'));
    return Promise.all(ready.map((n) => this.onNode(n, fn)));
  }

  /**
   * A call to one node's engine that gives up after `NODE_TIMEOUT_MS`: an engine that died keeps
   * its pooled connections open with no one answering, and Swarm takes ~15 s to call the node down.
   */
  private onNode<T>(node: SwarmNode, fn: (engine: DockerProvider) => Promise<T>): Promise<T> {
    return withTimeout(fn(this.engineOf(node)), NODE_TIMEOUT_MS).catch((e: Error) => {
      throw /^no answer within/.test(e.message) ? new DependencyUnavailableError('docker', `cluster node ${node.hostname}: ${e.message}`) : e;
    });
  }

  private async nodes(): Promise<SwarmNode[]> {
    const raw = await this.call('listing swarm nodes', () => this.manager.listNodes());
    return raw.map((n) => toSwarmNode(n, this.config.swarm.enginePort));
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toProviderError(e, what);
    }
  }
}
