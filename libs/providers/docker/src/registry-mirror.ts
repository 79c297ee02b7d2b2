import { Logger } from '@nestjs/common';
import type Docker from 'dockerode';
import type { LabfleetConfig } from '@labfleet/config';
import { ProviderError } from '@labfleet/domain';
import { parseHubReference } from './docker-hub-reference';
import { toProviderError, tolerate } from './docker-errors';
import { LABEL_INSTANCE, LABEL_MANAGED, LABEL_ROLE } from './lab-resource-names';

/** The name lab daemons reach the mirror by, on their own network. */
export const MIRROR_ALIAS = 'labfleet-registry';
const MIRROR_PORT = 5000;

/**
 * The registry that serves images to labs, which reach no public registry. Two containers share
 * one volume: a read-only mirror that joins each lab's network (students can pull, never
 * overwrite what other labs pull), and, in `push` mode, a writer published on the host's
 * loopback only, through which the host engine fills the mirror. In `proxy` mode the mirror is a
 * pull-through cache of Docker Hub instead.
 */
export class RegistryMirror {
  private readonly logger = new Logger('RegistryMirror');
  private ready: Promise<void> | null = null;
  /** Per image: its push's outcome (null: in the mirror), from when it is queued; dropped when it failed. */
  private readonly pushes = new Map<string, Promise<string | null>>();
  private readonly lane: { image: string; urgent: boolean; settle: (problem: string | null) => void }[] = [];
  private pumping = false;

  constructor(
    private readonly docker: Docker,
    private readonly config: Pick<LabfleetConfig, 'instance' | 'registry'>,
  ) {}

  get enabled(): boolean {
    return this.config.registry.mode !== 'off';
  }

  /** `http://host:port` for the lab daemon's `--registry-mirror`, or null when there is none. */
  get mirrorUrl(): string | null {
    return this.enabled ? `http://${MIRROR_ALIAS}:${MIRROR_PORT}` : null;
  }

  private get names() {
    const prefix = this.config.registry.name;
    return { mirror: prefix, writer: `${prefix}-writer`, volume: `${prefix}-data`, network: `${prefix}-net` };
  }

  /** Makes sure the registry containers run. Cheap after the first call in a process. */
  ensureRunning(): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    this.ready ??= this.start().catch((e) => {
      this.ready = null;
      // Often a race (workers starting it at once see the name reserved before the container
      // exists: 404 on start), never a lab's fault: the job tries again.
      const error = toProviderError(e, 'starting the image registry');
      throw error instanceof ProviderError ? new ProviderError(error.message, true) : error;
    });
    return this.ready;
  }

  /**
   * Pushes images from the host engine into the mirror (push mode); resolves with a problem per
   * image that could not be. One push at a time per process, each image once (a failed one is
   * tried again on the next call); `urgent` images (a lab being made now) go ahead of the others.
   */
  async ensureImages(images: readonly string[], { urgent = false } = {}): Promise<string[]> {
    if (this.config.registry.mode !== 'push') return [];
    await this.ensureRunning();
    const problems = (await Promise.all(images.map((image) => this.enqueue(image, urgent)))).filter((p): p is string => p !== null);
    for (const p of problems) this.logger.warn({ msg: 'image not served to labs', problem: p });
    return problems;
  }

  /**
   * Why labs could not be served each image, changing nothing: in `push` mode it must be a Docker
   * Hub reference present on the host engine; in `proxy` mode a Docker Hub reference (the mirror
   * fetches it when a lab first pulls; the remote is not asked here). `off`: labs get no images.
   */
  async imageProblems(images: readonly string[]): Promise<string[]> {
    if (!this.enabled) return [];
    const problems: string[] = [];
    for (const image of images) {
      if (!parseHubReference(image)) problems.push(`image '${image}' is not a Docker Hub image: the mirror serves only those`);
      else if (this.config.registry.mode === 'push' && !(await tolerate(this.docker.getImage(image).inspect(), [404]))) {
        problems.push(`image '${image}' is not on the host engine (pull or build it there first)`);
      }
    }
    return problems;
  }

  async connect(network: string): Promise<void> {
    if (!this.enabled) return;
    await this.ensureRunning();
    await tolerate(
      this.docker.getNetwork(network).connect({ Container: this.names.mirror, EndpointConfig: { Aliases: [MIRROR_ALIAS] } }),
      [403, 409],
    ).catch((e) => {
      if (!/already exists/.test(String(e))) throw e;
    });
  }

  async disconnect(network: string): Promise<void> {
    if (!this.enabled) return;
    await tolerate(this.docker.getNetwork(network).disconnect({ Container: this.names.mirror, Force: true }), [404, 403, 409, 500]);
  }

  private async start(): Promise<void> {
    const { mirror, writer, volume, network } = this.names;
    const labels = { [LABEL_MANAGED]: 'true', [LABEL_INSTANCE]: this.config.instance, [LABEL_ROLE]: 'registry' };
    await tolerate(this.docker.createVolume({ Name: volume, Labels: labels }), [409]);
    const networkId = await this.ensureNetwork(network, labels);
    const proxy = this.config.registry.mode === 'proxy';
    const env = proxy
      ? [`REGISTRY_PROXY_REMOTEURL=${this.config.registry.proxyUrl}`]
      : ['REGISTRY_STORAGE_MAINTENANCE_READONLY={"enabled":true}'];
    await this.ensureContainer(mirror, {
      Image: this.config.registry.image,
      Labels: labels,
      Env: env,
      HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/var/lib/registry' }], NetworkMode: networkId, RestartPolicy: { Name: 'unless-stopped' } },
    });
    await this.removeStrayNetworks(network, mirror);
    if (!proxy) {
      await this.ensureContainer(writer, {
        Image: this.config.registry.image,
        Labels: labels,
        HostConfig: {
          Mounts: [{ Type: 'volume', Source: volume, Target: '/var/lib/registry' }],
          PortBindings: { [`${MIRROR_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(this.config.registry.hostPort) }] },
          RestartPolicy: { Name: 'unless-stopped' },
        },
        ExposedPorts: { [`${MIRROR_PORT}/tcp`]: {} },
      });
    }
  }

  /**
   * The mirror's own network, internal: the mirror lives on lab networks, nowhere else. The
   * engine's duplicate-name check is not atomic, so workers starting at once can make one each, and
   * then no container can join it by name; every caller keeps the same one and removes the others.
   */
  private async ensureNetwork(name: string, labels: Record<string, string>): Promise<string> {
    await tolerate(this.docker.createNetwork({ Name: name, Internal: true, CheckDuplicate: true, Labels: labels }), [409]);
    const [kept, ...others] = (await this.docker.listNetworks({ filters: { name: [name] } }))
      .filter((n) => n.Name === name)
      .sort((a, b) => Date.parse(a.Created) - Date.parse(b.Created) || a.Id.localeCompare(b.Id));
    await Promise.all(others.map((n) => tolerate(this.docker.getNetwork(n.Id).remove(), [403, 404])));
    return kept.Id;
  }

  /**
   * A caller whose network was not yet listed when another chose may have put the mirror on its
   * own: the one the mirror is on is the one kept, once the mirror exists (its name is atomic).
   */
  private async removeStrayNetworks(name: string, mirror: string): Promise<void> {
    const on = Object.values((await this.docker.getContainer(mirror).inspect()).NetworkSettings.Networks ?? {}).map((n) => n.NetworkID);
    const strays = (await this.docker.listNetworks({ filters: { name: [name] } })).filter((n) => n.Name === name && !on.includes(n.Id));
    await Promise.all(strays.map((n) => tolerate(this.docker.getNetwork(n.Id).remove(), [403, 404])));
  }

  private async ensureContainer(name: string, options: Docker.ContainerCreateOptions): Promise<void> {
    const existing = await tolerate(this.docker.getContainer(name).inspect(), [404]);
    if (!existing) await tolerate(this.docker.createContainer({ ...options, name }), [409]);
    if (!existing?.State.Running) await tolerate(this.docker.getContainer(name).start(), [304]);
  }

  private enqueue(image: string, urgent: boolean): Promise<string | null> {
    const queued = this.lane.find((entry) => entry.image === image);
    if (queued) queued.urgent ||= urgent;
    const known = this.pushes.get(image);
    if (known) return known;
    const outcome = new Promise<string | null>((settle) => this.lane.push({ image, urgent, settle }));
    this.pushes.set(image, outcome);
    void outcome.then((problem) => {
      if (problem) this.pushes.delete(image);
    });
    void this.pump();
    return outcome;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    while (this.lane.length) {
      const i = Math.max(0, this.lane.findIndex((entry) => entry.urgent));
      const [next] = this.lane.splice(i, 1);
      next.settle(await this.push(next.image).catch((e: Error) => `${next.image}: ${toProviderError(e, 'pushing to the mirror').message}`));
    }
    this.pumping = false;
  }

  /** Returns a problem in words, or null when the image is in the mirror. */
  private async push(image: string): Promise<string | null> {
    const ref = parseHubReference(image);
    if (!ref) return `${image}: only Docker Hub images can be mirrored`;
    const local = await tolerate(this.docker.getImage(image).inspect(), [404]);
    if (!local) return `${image}: not on the host engine (pull or build it there first)`;
    const target = `127.0.0.1:${this.config.registry.hostPort}/${ref.repository}`;
    await this.docker.getImage(image).tag({ repo: target, tag: ref.tag });
    let error: string | null = null;
    // The writer may still be starting: a refused connection is worth a few quick retries.
    for (let attempt = 0; attempt < 20; attempt++) {
      error = await this.pushOnce(`${target}:${ref.tag}`);
      if (!error || !/connection refused|EOF|connection reset/i.test(error)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await tolerate(this.docker.getImage(`${target}:${ref.tag}`).remove({ noprune: true }), [404, 409]);
    return error ? `${image}: push to the mirror failed: ${error}` : null;
  }

  private async pushOnce(reference: string): Promise<string | null> {
    // The engine wants an auth header even for a registry that needs none.
    const stream = await this.docker.getImage(reference).push({ authconfig: { serveraddress: reference.split('/')[0] } });
    return new Promise<string | null>((resolve) =>
      this.docker.modem.followProgress(stream, (err: Error | null, output: { error?: string }[]) =>
        resolve(err?.message ?? output.find((o) => o.error)?.error ?? null),
      ),
    );
  }
}
