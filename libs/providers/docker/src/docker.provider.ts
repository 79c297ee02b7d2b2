import type { Duplex } from 'node:stream';
import { Logger } from '@nestjs/common';
import Docker from 'dockerode';
import type { LabfleetConfig } from '@labfleet/config';
import { ProviderKind } from '@labfleet/contracts';
import {
  AttachRequest,
  ConflictError,
  DEFAULT_DISK_MB,
  DependencyUnavailableError,
  ExecRequest,
  ExecResult,
  LabHandle,
  LAB_READY_COMMAND,
  LabNodeHandle,
  LabNodeSpec,
  LabProvider,
  LabRuntime,
  LabSpec,
  NodePath,
  ProviderError,
  Resources,
  TerminalSession,
  inLab,
  withTimeout,
} from '@labfleet/domain';
import { runExec } from './docker-exec';
import { copyIntoContainer, copyOutOfContainer } from './docker-files';
import { attachTerminal } from './docker-terminal';
import { openPortTunnel } from './docker-port-tunnel';
import { HostFacts, LabHostHelper } from './lab-host-helper';
import { KeyedMutex } from './keyed-mutex';
import { block, freeBlocks, parseCidr } from './lab-subnets';
import { toProviderError, tolerate } from './docker-errors';
import { buildLabContainer, buildLabNetwork, LabContainerContext } from './lab-container.builder';
import { LABEL_LAB_ID, labContainerName, labFilter, labNetworkName } from './lab-resource-names';
import { RegistryMirror } from './registry-mirror';
import { CourseRegistry } from './course-registry';

type DockerProviderConfig = Pick<LabfleetConfig, 'instance' | 'provider' | 'registry'> & Partial<Pick<LabfleetConfig, 'courseRegistry'>>;

const COPY_IN_TIMEOUT_MS = 120_000;
/** One readiness exec's bound: a lab's daemon answers within 1–3 s here, 10 s under heavy load. */
const READY_ATTEMPT_MS = 10_000;

/**
 * Labs as DinD containers on one Docker Engine, each lab on a bridge network of its own, each
 * node with a disk of its own (see `LabHostHelper`), confined as `LAB_SECURITY_PROFILE` says.
 */
export class DockerProvider implements LabProvider {
  readonly kind = ProviderKind.Docker;
  private readonly logger = new Logger('DockerProvider');
  private cgroupDriver: Promise<string> | null = null;
  /** Provision and destroy of one lab never overlap in a process; BullMQ's job ids keep workers apart. */
  private readonly perLab = new KeyedMutex();
  /** One allocation at a time in this process, so two labs starting together pick different blocks. */
  private readonly subnets = new KeyedMutex();

  constructor(
    private readonly docker: Docker,
    private readonly config: DockerProviderConfig,
    readonly mirror: RegistryMirror = new RegistryMirror(docker, config),
    readonly host: LabHostHelper = new LabHostHelper(docker, config),
    readonly courseRegistry: CourseRegistry = new CourseRegistry(docker, config),
  ) {}

  async prepare(images: readonly string[]): Promise<string[]> {
    return this.engine('preparing the image mirror', async () => {
      await this.mirror.ensureRunning();
      return this.mirror.ensureImages(images);
    });
  }

  imageProblems(images: readonly string[]): Promise<string[]> {
    return this.engine('checking images', () => this.mirror.imageProblems(images));
  }

  async provision(spec: LabSpec): Promise<LabHandle> {
    return this.engine('provisioning the lab', () => this.perLab.run(spec.labId, async () => {
      // The network (then the mirror joining it) and the nodes' disks do not wait for each other;
      // both are done before the nodes start, whose own network set-up the engine does next.
      const [, facts, disks] = await Promise.all([
        this.ensureNetwork(spec.labId).then((network) => Promise.all([this.connectMirror(network, spec), this.connectCourseRegistry(network, spec)])),
        this.host.ensureRunning(),
        this.disksOf(spec),
      ]);
      const ctx: LabContainerContext = {
        instance: this.config.instance,
        securityProfile: this.config.provider.securityProfile,
        runtime: this.config.provider.runtime,
        registryMirror: this.mirror.mirrorUrl,
        courseRegistry: this.courseRegistry.host,
        disk: null,
        cgroupHierarchies: await this.delegatedHierarchies(facts),
      };
      const nodes = await Promise.all(spec.nodes.map((node, i) => this.startNode(spec, node, { ...ctx, disk: disks[i] })));
      return { labId: spec.labId, provider: this.kind, network: labNetworkName(this.config.instance, spec.labId), nodes };
    }));
  }

  async inspect(labId: string): Promise<LabRuntime> {
    return this.engine('inspecting the lab', async () => this.runtimeOf(await this.docker.listContainers({ all: true, filters: labFilter(this.config.instance, labId) })));
  }

  async destroy(labId: string): Promise<void> {
    await this.engine('destroying the lab', () => this.perLab.run(labId, async () => {
      const filters = labFilter(this.config.instance, labId);
      const containers = await this.docker.listContainers({ all: true, filters });
      await Promise.all(containers.map((c) => tolerate(this.docker.getContainer(c.Id).remove({ force: true, v: true }), [404, 409])));
      const networks = await this.docker.listNetworks({ filters });
      for (const n of networks) {
        await this.mirror.disconnect(n.Id);
        await this.courseRegistry.disconnect(n.Id);
        await tolerate(this.docker.getNetwork(n.Id).remove(), [404]);
      }
      const { Volumes } = await this.docker.listVolumes({ filters });
      await Promise.all((Volumes ?? []).map((v) => tolerate(this.docker.getVolume(v.Name).remove({ force: true }), [404])));
      await this.host.release(labId);
    }));
  }

  /**
   * One listing of the installation's containers gives every lab's state; only a lab with a node
   * down costs one more call (that node's exit code). Networks, volumes and disks name the labs
   * with something left but no node.
   */
  async labRuntimes(): Promise<ReadonlyMap<string, LabRuntime>> {
    return this.engine('listing labs', async () => {
      const filters = labFilter(this.config.instance);
      const [containers, networks, volumes, disks] = await Promise.all([
        this.docker.listContainers({ all: true, filters }),
        this.docker.listNetworks({ filters }),
        this.docker.listVolumes({ filters }),
        this.host.labIdsWithDisks(),
      ]);
      const leftovers = [...networks, ...(volumes.Volumes ?? [])].map((r) => r.Labels?.[LABEL_LAB_ID]);
      const runtimes = new Map<string, LabRuntime>([...leftovers, ...disks].filter((id): id is string => Boolean(id)).map((id) => [id, { state: 'gone' }]));
      const nodes = new Map<string, Docker.ContainerInfo[]>();
      for (const c of containers) {
        const id = c.Labels?.[LABEL_LAB_ID];
        if (id) nodes.set(id, [...(nodes.get(id) ?? []), c]);
      }
      await Promise.all([...nodes].map(async ([id, labNodes]) => runtimes.set(id, await this.runtimeOf(labNodes))));
      return runtimes;
    });
  }

  async exec(labId: string, request: ExecRequest): Promise<ExecResult> {
    return this.engine('running the command', async () => {
      const container = this.docker.getContainer(labContainerName(this.config.instance, labId, request.node));
      const state = await tolerate(container.inspect(), [404]);
      // The lab died under its record (an engine restart; reconcile marks it failed soon): the
      // request conflicts with the lab's state, the backend did not fail (409, not 502).
      if (!state?.State.Running) throw new ConflictError(`lab node ${request.node} is not running: the lab has stopped`);
      return runExec(container, this.docker.modem, {
        runner: inLab([]),
        command: request.command,
        timeoutMs: request.timeoutMs,
        outputLimitBytes: this.config.provider.execOutputLimitBytes,
        stdin: request.stdin,
      });
    });
  }

  async attach(labId: string, request: AttachRequest): Promise<TerminalSession> {
    return this.engine('opening a terminal', () => attachTerminal(this.nodeContainer(labId, request.node), request));
  }

  async copyIn(labId: string, target: NodePath, tar: Buffer): Promise<void> {
    await this.engine('copying files into the lab', () => copyIntoContainer(this.nodeContainer(labId, target.node), this.docker.modem, target.path, tar, COPY_IN_TIMEOUT_MS));
  }

  async copyOut(labId: string, source: NodePath): Promise<NodeJS.ReadableStream> {
    return this.engine('copying files out of the lab', () => copyOutOfContainer(this.nodeContainer(labId, source.node), this.docker.modem, source.path));
  }

  async openPort(labId: string, node: string, port: number): Promise<Duplex> {
    return this.engine('opening a port of the lab', () => openPortTunnel(this.nodeContainer(labId, node), this.docker.modem, port));
  }

  /** The engine's CPUs and memory: what labs on this host share. */
  async capacity(): Promise<Resources> {
    const info = await engineCall('reading engine info', () => withTimeout(this.docker.info() as Promise<{ NCPU: number; MemTotal: number }>, 2000));
    return { cpus: info.NCPU, memoryMb: Math.floor(info.MemTotal / 1024 / 1024) };
  }

  async ping(): Promise<void> {
    await engineCall('pinging the engine', () => withTimeout(this.docker.ping(), 1000));
  }

  /**
   * A lab without the mirror still works (its daemon falls back to Docker Hub, reachable on a
   * connected host): a broken mirror is logged, never a failed lab. Nor does a lab wait for its
   * images: pushing them takes seconds each, so they go ahead of the worker's warm-up instead.
   */
  private async connectMirror(network: string, spec: LabSpec): Promise<void> {
    try {
      void this.mirror.ensureImages(spec.images, { urgent: true }).catch((e: Error) => this.logger.warn({ msg: 'lab images not pushed', labId: spec.labId, error: e.message }));
      await this.mirror.connect(network);
    } catch (e) {
      this.logger.warn({ msg: 'lab starts without the image mirror', labId: spec.labId, error: toProviderError(e, 'image mirror').message });
    }
  }

  /** Like the mirror: a lab whose registry could not join still works; `docker login` says why. */
  private async connectCourseRegistry(network: string, spec: LabSpec): Promise<void> {
    try {
      await this.courseRegistry.connect(network);
    } catch (e) {
      this.logger.warn({ msg: 'lab starts without the course registry', labId: spec.labId, error: toProviderError(e, 'course registry').message });
    }
  }

  /**
   * The engine does not make network names unique under concurrency (two creates can both win),
   * so after creating, keep the oldest network of the lab and remove any twin. Returns its id.
   */
  private nodeContainer(labId: string, node: string): Docker.Container {
    return this.docker.getContainer(labContainerName(this.config.instance, labId, node));
  }

  private async ensureNetwork(labId: string): Promise<string> {
    const name = labNetworkName(this.config.instance, labId);
    const existing = await this.networksNamed(name);
    if (existing.length === 0) await this.subnets.run('allocate', () => this.createNetwork(labId));
    const twins = await this.networksNamed(name);
    for (const extra of twins.slice(1)) await tolerate(this.docker.getNetwork(extra.Id).remove(), [404, 409]);
    return twins[0].Id;
  }

  private async networksNamed(name: string): Promise<Docker.NetworkInspectInfo[]> {
    return (await this.docker.listNetworks({ filters: { name: [name] } }))
      .filter((n) => n.Name === name)
      .sort((a, b) => a.Created.localeCompare(b.Created) || a.Id.localeCompare(b.Id));
  }

  /**
   * Creates the lab network in the first free block of `LAB_SUBNET_POOL`. Another process may take
   * the same block at the same moment: the engine refuses the overlap and the next block is tried.
   */
  private async createNetwork(labId: string): Promise<void> {
    const pool = parseCidr(this.config.provider.subnetPool);
    const prefix = this.config.provider.subnetPrefix;
    const used = (await this.docker.listNetworks()).flatMap((n) => (n.IPAM?.Config ?? []).flatMap((c) => (c.Subnet?.includes('.') ? [parseCidr(c.Subnet)] : [])));
    for (const index of freeBlocks(pool, prefix, used, 10)) {
      try {
        await this.docker.createNetwork(buildLabNetwork(this.config.instance, labId, block(pool, prefix, index)));
        return;
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 409) return;
        if (!/overlap/i.test(String((e as Error).message))) throw e;
      }
    }
    throw new ProviderError(`no free /${prefix} block left in LAB_SUBNET_POOL ${this.config.provider.subnetPool} for a lab network`, true);
  }

  /**
   * The cgroup v1 hierarchies a confined lab node's own cgroup is delegated in (bound into the
   * node, owned by the lab's root), so its Docker daemon limits its containers. Needs the
   * engine's cgroupfs driver, where Labfleet chooses the cgroup's path; elsewhere (cgroup v2, the
   * systemd driver) the lab's containers run without limits of their own, within the lab's.
   */
  private async delegatedHierarchies(facts: HostFacts): Promise<readonly string[]> {
    if (this.config.provider.securityProfile !== 'confined') return [];
    this.cgroupDriver ??= this.docker.info().then((info: { CgroupDriver?: string }) => {
      const driver = info.CgroupDriver ?? 'unknown';
      if (driver !== 'cgroupfs' || facts.cgroupVersion !== 1) {
        this.logger.warn({ msg: "confined labs' containers run without cgroup limits of their own (the lab's own limits hold): that needs cgroup v1 and the engine's cgroupfs driver", cgroup: facts.cgroupVersion, driver });
      }
      return driver;
    });
    return (await this.cgroupDriver) === 'cgroupfs' && facts.cgroupVersion === 1 ? facts.hierarchies : [];
  }

  /** Each node's disk on the host (made once), or null where disks are plain volumes. */
  private async disksOf(spec: LabSpec): Promise<(string | null)[]> {
    if (this.config.provider.disk.limit !== 'image') return spec.nodes.map(() => null);
    return this.host.disks(spec.labId, spec.nodes.map((n) => n.name), spec.limits.diskMb ?? DEFAULT_DISK_MB);
  }

  /** Creates (or adopts) one node's container, starts it and waits for its inner daemon. */
  private async startNode(spec: LabSpec, node: LabNodeSpec, ctx: LabContainerContext): Promise<LabNodeHandle> {
    const options = buildLabContainer(spec, node, ctx);
    const container = this.docker.getContainer(options.name!);
    let info = await tolerate(container.inspect(), [404]);
    if (info && info.Config.Labels?.[LABEL_LAB_ID] !== spec.labId) {
      throw new ProviderError(`container ${options.name} exists but belongs to another lab`, false);
    }
    if (!info) {
      await tolerate(this.docker.createContainer(options), [409]);
      info = await container.inspect();
    }
    if (!info.State.Running) {
      await tolerate(container.start(), [304]);
    }
    await this.waitForDaemon(container, node.name);
    const settled = await container.inspect();
    const address = Object.values(settled.NetworkSettings.Networks ?? {})[0]?.IPAddress || undefined;
    return { name: node.name, hostname: node.hostname, runtimeId: settled.Id, address };
  }

  /**
   * Polls the inner `docker info` from inside the lab: one exec, so readiness costs no round trips,
   * bounded to READY_ATTEMPT_MS and then made again. About one lab start in a hundred, an exec's
   * poll never saw the daemon that had answered others a second after it started; a new exec saw
   * it at once (the job's retry, 0.2 s later, after the whole 60 s).
   */
  private async waitForDaemon(container: Docker.Container, node: string): Promise<void> {
    const timeoutMs = this.config.provider.readyTimeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    let result;
    do {
      result = await runExec(container, this.docker.modem, {
        runner: inLab([]),
        command: LAB_READY_COMMAND,
        timeoutMs: Math.min(READY_ATTEMPT_MS, Math.max(1000, deadline - Date.now())),
        outputLimitBytes: 4096,
      });
    } while (result.timedOut && Date.now() < deadline);
    if (result.exitCode === 0) return;
    const state = await tolerate(container.inspect(), [404]);
    if (!state?.State.Running) {
      const logs = state ? (await container.logs({ stdout: true, stderr: true, tail: 5 })).toString('utf8').replace(/[^\x20-\x7e\n]/g, '') : '';
      throw new ProviderError(`lab node ${node} stopped while starting: ${logs.trim().split('\n').pop() ?? 'no output'}`, true);
    }
    if (result.timedOut) throw new ProviderError(`the Docker daemon of lab node ${node} did not answer within ${timeoutMs / 1000} s`, true);
    throw new ProviderError(`the readiness check of lab node ${node} failed: ${result.stderr.trim().split('\n').pop() || `exit code ${result.exitCode}`}`, true);
  }

  /** A lab's state from its node containers (as listed): running while every one runs. */
  private async runtimeOf(containers: readonly Docker.ContainerInfo[]): Promise<LabRuntime> {
    if (containers.length === 0) return { state: 'gone' };
    const down = containers.find((c) => c.State !== 'running');
    if (!down) return { state: 'running' };
    const details = await tolerate(this.docker.getContainer(down.Id).inspect(), [404]);
    if (!details) return { state: 'gone' };
    const why = details.State.OOMKilled ? 'it ran out of memory' : `exit code ${details.State.ExitCode}`;
    return { state: 'stopped', reason: `lab node ${down.Labels['labfleet.node'] ?? down.Id} stopped (${why})` };
  }

  private async engine<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw toProviderError(e, what);
    }
  }
}

/** An engine that does not answer is a dependency outage (503), not a lab failure. */
async function engineCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new DependencyUnavailableError('docker', `${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
