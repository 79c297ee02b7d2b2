import { Logger } from '@nestjs/common';
import type Docker from 'dockerode';
import type { LabfleetConfig } from '@labfleet/config';
import { ProviderError } from '@labfleet/domain';
import { runExec } from './docker-exec';
import { toProviderError, tolerate } from './docker-errors';
import { labCgroupRoot } from './lab-container.builder';
import { hostHelperName, LABEL_INSTANCE, LABEL_MANAGED, LABEL_ROLE, labDiskDir } from './lab-resource-names';

type HostHelperConfig = Pick<LabfleetConfig, 'instance' | 'provider'>;

/** What the helper found on the engine's host. */
export interface HostFacts {
  readonly cgroupVersion: 1 | 2;
  /** cgroup v1 hierarchies (`memory`, `cpu,cpuacct`, `systemd`...). */
  readonly hierarchies: readonly string[];
}

const HELPER = '/usr/local/sbin/labfleet-host';
/** uid that owns a disk's root: the confined lab's root (host uid 100000), or plain DinD's. */
const CONFINED_ROOT_UID = 100000;

/**
 * Labfleet's hands on an engine's host, for what the engine's API cannot do: a privileged
 * container (one per engine and installation, from the lab image, running `labfleet-host`) in the
 * host's pid and network namespaces. It keeps labs from opening connections to the host itself
 * (a firewall rule on `LAB_SUBNET_POOL`), makes and removes each lab node's disk (a file system
 * image of the template's `diskMb`, so a lab that fills its disk stops there and not at the
 * host's), and removes the cgroups delegated to confined labs. Nothing of a lab's runs in it.
 */
export class LabHostHelper {
  private readonly logger = new Logger('LabHostHelper');
  private ready: Promise<HostFacts> | null = null;

  constructor(
    private readonly docker: Docker,
    private readonly config: HostHelperConfig,
  ) {}

  private get name(): string {
    return hostHelperName(this.config.instance);
  }

  private get diskDir(): string {
    return labDiskDir(this.config.provider.disk.dir, this.config.instance);
  }

  /** Starts the helper (once per process), sets the firewall rule, and reads the host's cgroups. */
  ensureRunning(): Promise<HostFacts> {
    this.ready ??= this.start().catch((e) => {
      this.ready = null;
      // Never the lab's fault, and often a race: workers starting the helper at once see the
      // engine's name reserved before the container exists (404 on start). The job tries again.
      const error = toProviderError(e, 'starting the host helper');
      throw error instanceof ProviderError ? new ProviderError(error.message, true) : error;
    });
    return this.ready;
  }

  /** Makes (or finds) the disks of the lab's nodes, in one go; their paths on the host, for bind mounts. */
  async disks(labId: string, nodes: readonly string[], diskMb: number): Promise<string[]> {
    await this.ensureRunning();
    const owner = this.config.provider.securityProfile === 'confined' ? CONFINED_ROOT_UID : 0;
    const names = nodes.map((node) => `${labId}-${node}`);
    await this.run(['disk', this.diskDir, String(diskMb), String(owner), ...names], 'making the lab disks');
    return names.map((name) => `${this.diskDir}/${name}`);
  }

  /** Unmounts and deletes the lab's disks and removes its cgroups. Its containers must be gone. */
  async release(labId: string): Promise<void> {
    if (!(await this.made())) return;
    await this.run(['release', this.diskDir, labId, labCgroupRoot(this.config.instance)], 'removing the lab disks');
  }

  /** Ids of the labs that have disks on this host, for reconcile. */
  async labIdsWithDisks(): Promise<string[]> {
    if (!(await this.made())) return [];
    const names = await this.run(['disks', this.diskDir], 'listing lab disks');
    // `<lab id>-<node>`: the id is a uuid (five dash-separated groups).
    return [...new Set(names.split('\n').map((n) => n.split('-').slice(0, 5).join('-')).filter((id) => id.length === 36))];
  }

  /**
   * Whether this engine has a helper (started if it was stopped). Without one it holds no disk or
   * cgroup of a lab (only the helper makes them), so there is nothing to list or remove: an
   * engine that never ran a lab (a Swarm manager without the lab image) gets none.
   */
  private async made(): Promise<boolean> {
    if (!this.ready && !(await tolerate(this.docker.getContainer(this.name).inspect(), [404]))) return false;
    await this.ensureRunning();
    return true;
  }

  private async start(): Promise<HostFacts> {
    const container = this.docker.getContainer(this.name);
    const [info, image] = await Promise.all([tolerate(container.inspect(), [404]), this.docker.getImage(this.config.provider.labImage).inspect()]);
    // A helper from another lab image (an upgrade, a rebuilt tag) is made again, so it runs the image's own script.
    const current = info?.Image === image.Id;
    if (info && !current) await tolerate(container.remove({ force: true }), [404, 409]);
    if (!current) await tolerate(this.docker.createContainer(this.helperContainer()), [409]);
    if (!current || !info.State.Running) await tolerate(container.start(), [304]);
    await this.run(['firewall', this.config.provider.subnetPool], 'setting the lab firewall rule');
    const [version, hierarchies = ''] = (await this.run(['probe'], 'reading the host cgroups')).split('\n');
    const facts: HostFacts = { cgroupVersion: version.trim() === 'cgroup=2' ? 2 : 1, hierarchies: hierarchies.trim().split(/\s+/).filter(Boolean) };
    this.logger.log({ msg: 'host helper ready', engine: this.name, ...facts });
    return facts;
  }

  private helperContainer(): Docker.ContainerCreateOptions {
    return {
      name: this.name,
      Image: this.config.provider.labImage,
      Entrypoint: ['tini', '--', 'sleep', 'infinity'],
      Labels: { [LABEL_MANAGED]: 'true', [LABEL_INSTANCE]: this.config.instance, [LABEL_ROLE]: 'host-helper' },
      HostConfig: {
        Privileged: true,
        PidMode: 'host',
        NetworkMode: 'host',
        // The disks' directory at the same path as on the host (and in the engine's mount namespace).
        Binds: [`${this.diskDir}:${this.diskDir}`],
        RestartPolicy: { Name: 'unless-stopped' },
        LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } },
      },
    };
  }

  private async run(args: string[], what: string): Promise<string> {
    const result = await runExec(this.docker.getContainer(this.name), this.docker.modem, { command: [HELPER, ...args], timeoutMs: 60_000, outputLimitBytes: 64 * 1024 });
    if (result.exitCode !== 0) throw new ProviderError(`${what}: ${result.stderr.trim() || `exit code ${result.exitCode}`}`, true);
    return result.stdout;
  }
}
