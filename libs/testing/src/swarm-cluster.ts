import Docker from 'dockerode';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createDockerClient } from '@labfleet/provider-docker';
import { eventually } from './eventually';
import { docker, TEST_DIND_IMAGE, TEST_LAB_IMAGE } from './test-instance';

/** The engine's `--privileged` shim on this VM (see lab-runtime-notes); node engines need it too. */
export const SHIM = '/usr/local/bin/runc-no-sysresource';
export const ENGINE_PORT = 2376;

/** dockerd's arguments in a DinD container: TLS on ENGINE_PORT (certificates in /tls), the shim if there is one. */
export function tlsEngineCommand(shim: boolean): string[] {
  return [
    `--host=tcp://0.0.0.0:${ENGINE_PORT}`,
    '--tlsverify',
    '--tlscacert=/tls/ca.pem',
    '--tlscert=/tls/server-cert.pem',
    '--tlskey=/tls/server-key.pem',
    ...(shim ? [`--add-runtime=shim=${SHIM}`, '--default-runtime=shim'] : []),
  ];
}
const LABEL = 'labfleet.test-swarm';

export interface ClusterNode {
  readonly hostname: string;
  readonly container: string;
  readonly address: string;
  readonly engine: Docker;
}

/** What another test file (another module registry, another process) needs to use a running cluster. */
export interface SwarmClusterState {
  readonly id: string;
  readonly network: string;
  readonly tlsDir: string;
  readonly nodes: readonly Omit<ClusterNode, 'engine'>[];
}

/**
 * A real Docker Swarm cluster on this machine, for tests: one manager and `workers` workers, each
 * a Docker Engine in a privileged DinD container (the plain lab-dind image) on a network of its
 * own, with the (confined) lab image loaded. Engines listen on TCP with mutual TLS (certificates made here), as a real cluster
 * Labfleet reaches over the network must. Workers carry `labfleet.labs=true`; the manager takes
 * no labs, so only workers need the lab image.
 */
export class SwarmTestCluster {
  private constructor(
    readonly id: string,
    readonly network: string,
    readonly tlsDir: string,
    readonly nodes: ClusterNode[],
  ) {}

  get manager(): ClusterNode {
    return this.nodes[0];
  }

  get workers(): ClusterNode[] {
    return this.nodes.slice(1);
  }

  /** What a Labfleet stack needs to run on this cluster. */
  env(): Record<string, string> {
    return { LAB_PROVIDER: 'swarm', DOCKER_HOST: `tcp://${this.manager.address}:${ENGINE_PORT}`, DOCKER_CERT_PATH: this.tlsDir };
  }

  static async start(workers = 2): Promise<SwarmTestCluster> {
    const id = randomBytes(3).toString('hex');
    const subnet = await createNetwork(`labfleet-test-swarm-${id}`);
    const hostnames = ['manager', ...Array.from({ length: workers }, (_, i) => `worker${i + 1}`)];
    const addresses = hostnames.map((_, i) => `${subnet}.${10 + i}`);
    const tlsDir = makeCertificates(addresses);
    const cluster = new SwarmTestCluster(id, `labfleet-test-swarm-${id}`, tlsDir, []);
    try {
      for (const [i, hostname] of hostnames.entries()) cluster.nodes.push(await startNode(cluster, hostname, addresses[i]));
      await Promise.all(cluster.nodes.map((n) => waitForEngine(n.engine)));
      await cluster.loadImages([TEST_LAB_IMAGE], cluster.workers);
      await cluster.formSwarm();
    } catch (e) {
      await cluster.stop();
      throw e;
    }
    return cluster;
  }

  /** A running cluster, from its `state()`. */
  static attach(state: SwarmClusterState): SwarmTestCluster {
    const nodes = state.nodes.map((n) => ({ ...n, engine: createDockerClient(`tcp://${n.address}:${ENGINE_PORT}`, state.tlsDir) }));
    return new SwarmTestCluster(state.id, state.network, state.tlsDir, nodes);
  }

  state(): SwarmClusterState {
    return { id: this.id, network: this.network, tlsDir: this.tlsDir, nodes: this.nodes.map(({ hostname, container, address }) => ({ hostname, container, address })) };
  }

  /** Copies images of this machine's engine into `nodes`' engines (`docker save | docker load`: no registry here). */
  async loadImages(images: readonly string[], nodes: readonly ClusterNode[]): Promise<void> {
    const files = await Promise.all(images.map(savedImage));
    await Promise.all(nodes.map(async (n) => {
      for (const file of files) await loadImage(n.engine, file);
    }));
  }

  /** The node's Swarm id, from the manager. */
  async nodeId(hostname: string): Promise<string> {
    const nodes = await this.manager.engine.listNodes();
    return nodes.find((n) => n.Description?.Hostname === hostname)!.ID;
  }

  async setAvailability(hostname: string, availability: 'active' | 'drain'): Promise<void> {
    const node = this.manager.engine.getNode(await this.nodeId(hostname));
    const { Version, Spec } = await node.inspect();
    await node.update({ version: Version.Index, ...Spec, Availability: availability });
  }

  /** Stops a node's engine for good, as when a machine dies. */
  async loseNode(hostname: string): Promise<void> {
    await docker.getContainer(this.nodeOf(hostname).container).stop({ t: 1 });
  }

  /** Starts a lost node's engine again; it rejoins the swarm with what it had (its disk stayed). */
  async reviveNode(hostname: string): Promise<void> {
    const node = this.nodeOf(hostname);
    await docker.getContainer(node.container).start().catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 304) throw e;
    });
    await waitForEngine(node.engine);
    await eventually(async () => {
      const seen = (await this.manager.engine.listNodes()).find((n) => n.Description?.Hostname === hostname);
      if (seen?.Status?.State !== 'ready') throw new Error(`node ${hostname} is ${seen?.Status?.State ?? 'unknown'}`);
    }, { timeoutMs: 60_000, intervalMs: 250, what: `node ${hostname} to be ready in the swarm again` });
  }

  /**
   * Every service, container, network and volume of a Labfleet installation on the cluster's nodes.
   * A node that does not answer is skipped: a cluster with a node down is replaced before its next use.
   */
  async removeInstance(instance: string): Promise<void> {
    const filters = { label: [`labfleet.instance=${instance}`] };
    for (const s of await this.manager.engine.listServices({ filters })) await this.manager.engine.getService(s.ID).remove().catch(() => undefined);
    await Promise.all(this.nodes.map(async ({ engine }) => {
      for (const c of await engine.listContainers({ all: true, filters })) await engine.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
      for (const n of await engine.listNetworks({ filters })) await engine.getNetwork(n.Id).remove().catch(() => undefined);
      for (const v of (await engine.listVolumes({ filters })).Volumes ?? []) await engine.getVolume(v.Name).remove({ force: true }).catch(() => undefined);
    }).map((p) => p.catch(() => undefined)));
  }

  nodeOf(hostname: string): ClusterNode {
    return this.nodes.find((n) => n.hostname === hostname)!;
  }

  /**
   * Removes the cluster and says what of it is left on this machine (nothing, when all went well):
   * its nodes' containers, their volumes (the engines' disks), its network, its certificates.
   */
  async stopAndCheck(): Promise<string[]> {
    const volumes = (await Promise.all(this.nodes.map((n) => docker.getContainer(n.container).inspect().then((i) => i.Mounts.filter((m) => m.Type === 'volume').map((m) => m.Name!), () => [])))).flat();
    await this.stop();
    const [containers, networks, { Volumes }] = await Promise.all([
      docker.listContainers({ all: true, filters: { label: [`${LABEL}=${this.id}`] } }),
      docker.listNetworks({ filters: { name: [this.network] } }),
      docker.listVolumes(),
    ]);
    return [
      ...containers.map((c) => `container ${c.Names[0]}`),
      ...networks.filter((n) => n.Name === this.network).map((n) => `network ${n.Name}`),
      ...(Volumes ?? []).filter((v) => volumes.includes(v.Name)).map((v) => `volume ${v.Name}`),
      ...(existsSync(this.tlsDir) ? [`directory ${this.tlsDir}`] : []),
    ];
  }

  async stop(): Promise<void> {
    const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL}=${this.id}`] } });
    await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
    await docker.getNetwork(this.network).remove().catch(() => undefined);
    rmSync(this.tlsDir, { recursive: true, force: true });
  }

  private async formSwarm(): Promise<void> {
    const manager = this.manager;
    await manager.engine.swarmInit({ ListenAddr: `0.0.0.0:2377`, AdvertiseAddr: manager.address });
    const { JoinTokens } = await manager.engine.swarmInspect();
    for (const worker of this.workers) {
      await worker.engine.swarmJoin({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: worker.address, RemoteAddrs: [`${manager.address}:2377`], JoinToken: JoinTokens.Worker });
    }
    for (const worker of this.workers) {
      const node = manager.engine.getNode(await this.nodeId(worker.hostname));
      const { Version, Spec } = await node.inspect();
      await node.update({ version: Version.Index, ...Spec, Labels: { ...Spec.Labels, 'labfleet.labs': 'true' } });
    }
  }
}

/** A /24 of our own for the cluster: the first candidate the engine accepts (no overlap). */
async function createNetwork(name: string): Promise<string> {
  for (let third = 10; third < 250; third += 7) {
    const prefix = `10.252.${third}`;
    try {
      await docker.createNetwork({ Name: name, Driver: 'bridge', Labels: { [LABEL]: name }, IPAM: { Driver: 'default', Config: [{ Subnet: `${prefix}.0/24`, Gateway: `${prefix}.1` }] } });
      return prefix;
    } catch (e) {
      if (!/overlap/i.test(String((e as Error).message))) throw e;
    }
  }
  throw new Error('no free /24 in 10.252.0.0/16 for the test swarm');
}

/** A CA, one server certificate for every node address, and a client certificate (Docker's file names). */
export function makeCertificates(addresses: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'labfleet-swarm-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=labfleet-test-ca', '-keyout', 'ca-key.pem', '-out', 'ca.pem');
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=${[...addresses, '127.0.0.1'].map((a) => `IP:${a}`).join(',')}\nextendedKeyUsage=serverAuth\n`);
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [['server', 'labfleet-test-node'], ['client', 'labfleet']] as const) {
    const key = name === 'client' ? 'key.pem' : 'server-key.pem';
    const cert = name === 'client' ? 'cert.pem' : 'server-cert.pem';
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', key, '-out', `${name}.csr`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', cert);
  }
  return dir;
}

async function startNode(cluster: SwarmTestCluster, hostname: string, address: string): Promise<ClusterNode> {
  const name = `${cluster.network}-${hostname}`;
  const shim = existsSync(SHIM);
  const container = await docker.createContainer({
    name,
    Image: TEST_DIND_IMAGE,
    Hostname: hostname,
    Labels: { [LABEL]: cluster.id },
    Cmd: tlsEngineCommand(shim),
    HostConfig: {
      Privileged: true,
      Binds: [`${cluster.tlsDir}:/tls:ro`, ...(shim ? [`${SHIM}:${SHIM}:ro`] : [])],
      NetworkMode: cluster.network,
      // /run is a tmpfs on a real host: a lost node's stale pid files must not stop its engine from starting again.
      Tmpfs: { '/run': 'exec' },
    },
    NetworkingConfig: { EndpointsConfig: { [cluster.network]: { IPAMConfig: { IPv4Address: address } } } },
  });
  await container.start();
  return { hostname, container: name, address, engine: createDockerClient(`tcp://${address}:${ENGINE_PORT}`, cluster.tlsDir) };
}

async function waitForEngine(engine: Docker): Promise<void> {
  await eventually(() => engine.ping(), { timeoutMs: 60_000, intervalMs: 200, what: 'a test swarm node to answer' });
}

/** `docker save` of the image once per image id and machine, shared by every test that loads it. */
export async function savedImage(image: string): Promise<string> {
  const { Id } = await docker.getImage(image).inspect();
  const dir = join(tmpdir(), 'labfleet-test-images');
  const file = join(dir, `${Id.replace('sha256:', '')}.tar`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  await pipeline(await docker.getImage(image).get(), createWriteStream(partial));
  renameSync(partial, file);
  return file;
}

export async function loadImage(engine: Docker, file: string): Promise<void> {
  const stream = await engine.loadImage(createReadStream(file), { quiet: true });
  await new Promise<void>((resolve, reject) => engine.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
}
