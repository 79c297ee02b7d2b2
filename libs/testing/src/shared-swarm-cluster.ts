import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from './eventually';
import { SwarmClusterState, SwarmTestCluster } from './swarm-cluster';
import { testRunDir } from './test-run-dir';

const WORKERS = 2;
const STATE_FILE = 'swarm-cluster.json';
const LOCK_DIR = 'swarm-cluster.lock';
/** A file waits this long for another (run in parallel) to hand the cluster back. */
export const SHARED_SWARM_WAIT_MS = 30 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The lock is a directory (mkdir is atomic) naming its holder's pid. A holder that is gone, or is
 * this very process (a Jest process runs its files one after another, so the file that held it
 * has ended), holds nothing.
 */
async function lock(dir: string): Promise<void> {
  const path = join(dir, LOCK_DIR);
  await eventually(() => {
    try {
      mkdirSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(join(path, 'pid'), { encoding: 'utf8', flag: 'a+' }));
      if (holder && holder !== process.pid && alive(holder)) throw new Error(`the test swarm is held by process ${holder}`);
      if (!holder) throw new Error('the test swarm is being taken');
      rmSync(path, { recursive: true, force: true });
      mkdirSync(path);
    }
    writeFileSync(join(path, 'pid'), String(process.pid));
  }, { timeoutMs: SHARED_SWARM_WAIT_MS, intervalMs: 500, what: 'the shared test swarm to be free' });
}

/** Nodes all answer, are all ready and active in the swarm: what every file expects to find. */
async function healthy(cluster: SwarmTestCluster): Promise<boolean> {
  const check = async () => {
    await Promise.all(cluster.nodes.map((n) => n.engine.ping()));
    const nodes = await cluster.manager.engine.listNodes();
    return nodes.length === WORKERS + 1 && nodes.every((n) => n.Status?.State === 'ready' && n.Spec?.Availability === 'active');
  };
  const timeout = new Promise<boolean>((resolve) => setTimeout(resolve, 15_000, false).unref());
  return Promise.race([check().catch(() => false), timeout]);
}

/**
 * One Swarm test cluster (a manager and two workers with the lab image, see `SwarmTestCluster`)
 * for a whole Jest run: starting one takes minutes (every worker loads the 1 GB lab image), so the
 * first test file that asks starts it and the next ones reuse it; the e2e project's global
 * teardown removes it (`stopSharedSwarm`). A file holds it from its `beforeAll` to its `afterAll`
 * (files run in parallel take turns) and hands it back as it found it: nodes up and active, and
 * nothing left of the file's installations. One found otherwise is replaced by a new one.
 */
export async function acquireSharedSwarm(): Promise<SwarmTestCluster> {
  const dir = testRunDir();
  await lock(dir);
  try {
    const stateFile = join(dir, STATE_FILE);
    if (existsSync(stateFile)) {
      const cached = SwarmTestCluster.attach(JSON.parse(readFileSync(stateFile, 'utf8')) as SwarmClusterState);
      if (await healthy(cached)) return cached;
      rmSync(stateFile);
      await cached.stop();
    }
    const cluster = await SwarmTestCluster.start(WORKERS);
    writeFileSync(stateFile, JSON.stringify(cluster.state()));
    return cluster;
  } catch (e) {
    releaseSharedSwarm();
    throw e;
  }
}

/** Hands the cluster back (the caller has removed what it made on it); a lock held by another process stays. */
export function releaseSharedSwarm(): void {
  const path = join(testRunDir(), LOCK_DIR);
  const pidFile = join(path, 'pid');
  if (existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')) === process.pid) rmSync(path, { recursive: true, force: true });
}

/**
 * Removes the run's cluster, if a file started one, and returns what of it is left on this
 * machine (nothing, when all went well). For the global teardown, once every file has ended.
 */
export async function stopSharedSwarm(dir: string): Promise<string[]> {
  const stateFile = join(dir, STATE_FILE);
  if (!existsSync(stateFile)) return [];
  const cluster = SwarmTestCluster.attach(JSON.parse(readFileSync(stateFile, 'utf8')) as SwarmClusterState);
  const left = await cluster.stopAndCheck();
  rmSync(stateFile);
  return left;
}
