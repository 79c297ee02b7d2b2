/**
 * Lab readiness benchmark: how long a student waits from "create lab" to a lab whose Docker
 * daemon answers, through the real API + worker, for the confined default profile next to the
 * privileged one and the bare minimum the engine needs; and how much memory an idle lab of each
 * profile holds.
 *
 *   npm run bench:ready          (build, then node dist/tools/bench/bench-ready.js)
 *
 * 1. two Labfleet stacks (real compiled API + worker each, WORKER_CONCURRENCY=10, own DB, Redis
 *    prefix, instance label; the API on a free port): the default (LAB_SECURITY_PROFILE unset:
 *    `confined`, image labfleet/lab) and LAB_SECURITY_PROFILE=privileged (image labfleet/lab-dind);
 *    the first lab of each is checked to run as its profile should (privileged or not, image);
 * 2. cold, one lab at a time, alternating the profiles lab by lab (confined, privileged, then
 *    privileged, confined, ...: both see the same background load): POST a `docker` lab, poll GET
 *    every 25 ms until ready, DELETE, wait stopped, next (BENCH_SEQUENTIAL labs per profile, default 10);
 * 3. concurrent: BENCH_CONCURRENT (default 10) confined labs POSTed at once, all waited for, then
 *    deleted; then the same for privileged labs, for comparison only (no target;
 *    BENCH_CONCURRENT_PRIVILEGED=0 skips it);
 * 4. bare: dockerode alone creates the network and container the provider creates (same builder,
 *    a plain privileged DinD on labfleet/lab-dind, no disk image, no registry mirror), starts it and
 *    runs the one `until docker info` exec (BENCH_BARE, default = BENCH_SEQUENTIAL); bare time =
 *    network + create + start + docker info;
 * 5. idle memory: BENCH_IDLE (default 5) labs of each profile POSTed at once through the API;
 *    BENCH_IDLE_SETTLE_SECONDS (default 15) after the last is ready, each lab container's working
 *    set from the engine's stats (usage − total_inactive_file on cgroup v1, usage − inactive_file
 *    on v2: what `docker stats` shows); p50 and max per profile; then they are deleted;
 * 6. a table (metric, p50, p95, max, target, met) with the targets: cold p50 of the default
 *    ≤ 1.5 s, confined/privileged cold p50 ≤ 1.30×, confined/bare ≤ 1.50×, all concurrent
 *    (default) ready ≤ 10 s, idle memory per lab ≤ 45 MiB (p50, each profile); where the time goes,
 *    per phase and profile, from the engine's own event timestamps (the host helper's disk exec
 *    included); FINDING lines for what the workers logged that the timings hide (provision
 *    attempts that failed and were retried, jobs that ran before their lab's row existed); and one
 *    JSON line `BENCH_READY_SUMMARY {...}` with the key numbers.
 *
 * Options: BENCH_INTERLEAVE=1 runs one bare lab after each cold pair (confined + privileged)
 * instead of all bare labs after the concurrent round (all then see the same background load);
 * BENCH_BARE_MIRROR=1 gives the bare labs the registry mirror too (connect + env), as the
 * provider does; BENCH_LAB_TIMEOUT_MS (default 120000) bounds each wait. A count of 0 skips its part.
 *
 * Exits non-zero only when something failed (a lab failed or timed out, an engine error), never
 * for a missed target. Everything it made (both stacks with their labs, the bare labs) is removed
 * in `finally`, also on Ctrl-C.
 */
import { count, describe, flag, loadavg, percentile, sleep } from './bench-kit';
import { bareContainer, bareContext, innerDockerInfo, labMemory, machineInfo, MemSample, MIB, requireImages, TEMPLATE, workingSetMeasure } from './bench-labs';
import { BenchRun } from './bench-run';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ApiClient, docker, LabfleetStack, removeLabResources, TEST_DIND_IMAGE, TEST_LAB_IMAGE, TEST_REGISTRY } from '@labfleet/testing';
import { buildLabNetwork, LabContainerContext, MIRROR_ALIAS } from '@labfleet/provider-docker';

const POLL_MS = 25;
const LAB_TIMEOUT_MS = count('BENCH_LAB_TIMEOUT_MS', 120_000, 1);

const TARGET_COLD_P50_MS = 1500;
const TARGET_BARE_RATIO = 1.5;
const TARGET_PROFILE_RATIO = 1.3;
const TARGET_CONCURRENT_MS = 10_000;
const TARGET_IDLE_MIB = 45;

const N_SEQUENTIAL = count('BENCH_SEQUENTIAL', 10);
const N_CONCURRENT = count('BENCH_CONCURRENT', 10);
/** BENCH_CONCURRENT_PRIVILEGED=0: no concurrent round for the privileged profile (it has no target). */
const CONCURRENT_PRIVILEGED = flag('BENCH_CONCURRENT_PRIVILEGED', true);
const N_BARE = count('BENCH_BARE', N_SEQUENTIAL);
const N_IDLE = count('BENCH_IDLE', 5);
const IDLE_SETTLE_MS = count('BENCH_IDLE_SETTLE_SECONDS', 15) * 1000;
/** BENCH_INTERLEAVE=1: one bare run right after each cold pair, so all see the same background load. */
const INTERLEAVE = flag('BENCH_INTERLEAVE');
/**
 * BENCH_BARE_MIRROR=1: the bare runs also do what the provider does for the image mirror: connect
 * the (test) registry container to the lab network and pass LABFLEET_REGISTRY_MIRROR to the lab.
 */
const BARE_MIRROR = flag('BENCH_BARE_MIRROR');

const since = (t0: number) => performance.now() - t0;

// ---------------------------------------------------------------------------------------------
// Statistics and formatting

const s = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? 'n/a' : `${(ms / 1000).toFixed(3)} s`);
const msf = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? 'n/a' : `${Math.round(ms)}`);
const mib = (bytes: number | undefined) => (bytes === undefined || Number.isNaN(bytes) ? 'n/a' : `${(bytes / MIB).toFixed(1)} MiB`);
const times = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a');
const maxOf = (xs: readonly number[]) => (xs.length ? Math.max(...xs) : NaN);
const minOf = (xs: readonly number[]) => (xs.length ? Math.min(...xs) : NaN);
const round = (v: number, digits = 0) => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : null);
const pick = <T, V>(xs: readonly T[], f: (x: T) => V | undefined) => xs.map(f).filter((v): v is V => v !== undefined);
const ok = <T extends { error?: string }>(xs: readonly T[]) => xs.filter((x) => !x.error);
/** A target's verdict; undefined (nothing measured) is null. */
const within = (value: number, limit: number): boolean | null => (Number.isFinite(value) ? value <= limit : null);

// ---------------------------------------------------------------------------------------------
// Engine timeline: when the engine itself saw each step of a lab, from its event stream

type Step = 'network' | 'mirror' | 'diskStart' | 'diskEnd' | 'create' | 'start' | 'execStart' | 'execEnd';
/** Steps every lab has; `mirror` only with a mirror, the disk steps only with a disk image (host helper). */
const STEPS: readonly Step[] = ['network', 'create', 'start', 'execStart', 'execEnd'];
const LAB_ID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/;
/** A lab's network and containers: `labfleet-<instance>-lab-<lab id>[-<node>]`. */
const LAB_NAME = new RegExp(`-lab-${LAB_ID.source}`);

/** Where the time of one lab went, in ms, from t0 (the lab's createdAt, or the bare run's start) to ready. */
interface Phases {
  /** t0 → network created (API labs: queue pickup, provisioning transition, the create call). */
  beforeNetwork: number;
  /** network created → registry mirror connected to it (only when that comes before the container: bare runs). */
  mirror?: number;
  /** network created → the host helper starts making the node's disk (API labs: the helper's start and probe). */
  toDisk?: number;
  /** the host helper making the node's disk image (one exec). */
  disk?: number;
  /** network (or mirror, or disk) → container created (API labs: + an inspect). */
  toCreate: number;
  /** container created → started. */
  start: number;
  /** started → readiness exec started. */
  toExec: number;
  /** the readiness exec: the inner dockerd starting until `docker info` answers. */
  innerDaemon: number;
  /** exec finished → ready (API labs: inspect, saveNodes, the ready transition). */
  afterExec: number;
  /** Readiness execs the lab took: more than one when a provision attempt failed and was retried. */
  attempts: number;
}

class EngineTimeline {
  private readonly seen = new Map<string, Partial<Record<Step, number>>>();
  /** Exec id → the lab and what its end marks (the disk's, or the readiness check's). */
  private readonly execs = new Map<string, { labId: string; end: Step }>();
  /** Lab → its readiness execs so far (the last one counts: a retried attempt's comes after a failed one). */
  private readonly readiness = new Map<string, string[]>();
  private stream?: NodeJS.ReadableStream & { destroy?: () => void };
  private mirrorId?: string;

  /** `mirrorContainer`: name of the registry container the provider connects to lab networks. */
  async start(mirrorContainer?: string): Promise<void> {
    if (mirrorContainer) this.mirrorId = (await docker.getContainer(mirrorContainer).inspect().catch(() => undefined))?.Id;
    this.stream = await docker.getEvents({ filters: { type: ['container', 'network'] } });
    let buffered = '';
    this.stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) this.note(line);
      }
    });
    this.stream.on('error', () => undefined);
  }

  stop(): void {
    this.stream?.destroy?.();
  }

  private record(labId: string, step: Step, at: number): void {
    const steps = this.seen.get(labId) ?? {};
    steps[step] ??= at;
    this.seen.set(labId, steps);
  }

  private note(line: string): void {
    let e: { Type?: string; Action?: string; Actor?: { Attributes?: Record<string, string> }; timeNano?: number };
    try {
      e = JSON.parse(line);
    } catch {
      return;
    }
    if (!e.timeNano) return;
    const at = e.timeNano / 1e6;
    const attributes = e.Actor?.Attributes ?? {};
    // An exec's Action is `exec_start: <its command>`; exec_die names only the exec's id.
    const [action, command = ''] = (e.Action ?? '').split(/: (.*)/s);
    const execId = attributes.execID;
    if (e.Type === 'container' && action === 'exec_die' && execId) {
      const exec = this.execs.get(execId);
      if (exec?.end === 'execEnd' && this.readiness.get(exec.labId)?.at(-1) === execId) this.seen.get(exec.labId)!.execEnd = at;
      else if (exec?.end === 'diskEnd') this.record(exec.labId, exec.end, at);
      return;
    }
    // The host helper (a container of its own) makes a node's disk: `labfleet-host disk <dir> <lab>-<node> ...`.
    const diskOf = e.Type === 'container' && action === 'exec_start' && / disk /.test(command) && command.includes('labfleet-host') ? LAB_ID.exec(command)?.[1] : undefined;
    if (diskOf && execId) {
      this.execs.set(execId, { labId: diskOf, end: 'diskEnd' });
      this.record(diskOf, 'diskStart', at);
      return;
    }
    const labId = LAB_NAME.exec(attributes.name ?? '')?.[1];
    if (!labId) return;
    if (e.Type === 'network' && action === 'create') this.record(labId, 'network', at);
    else if (e.Type === 'network' && action === 'connect' && this.mirrorId && attributes.container === this.mirrorId) this.record(labId, 'mirror', at);
    else if (e.Type === 'container' && (action === 'create' || action === 'start')) this.record(labId, action, at);
    else if (e.Type === 'container' && action === 'exec_start' && command.includes('docker info') && execId) {
      this.execs.set(execId, { labId, end: 'execEnd' });
      this.readiness.set(labId, [...(this.readiness.get(labId) ?? []), execId]);
      this.record(labId, 'execStart', at);
      const steps = this.seen.get(labId)!;
      steps.execStart = at;
      delete steps.execEnd;
    }
  }

  /** The lab's phases, or undefined when an event is missing. `t0` and `ready` are epoch ms. */
  async phases(labId: string, t0: number, ready: number): Promise<Phases | undefined> {
    for (let i = 0; i < 20 && !this.seen.get(labId)?.execEnd; i++) await sleep(25); // events trail a little
    const e = this.seen.get(labId);
    if (!e || STEPS.some((k) => e[k] === undefined)) return undefined;
    const p: Phases = {
      beforeNetwork: e.network! - t0,
      toCreate: 0,
      start: e.start! - e.create!,
      toExec: e.execStart! - e.start!,
      innerDaemon: e.execEnd! - e.execStart!,
      afterExec: ready - e.execEnd!,
      attempts: this.readiness.get(labId)?.length ?? 1,
    };
    let before = e.network!;
    if (e.diskStart !== undefined && e.diskEnd !== undefined && e.diskEnd <= e.create!) {
      p.toDisk = e.diskStart - before;
      p.disk = e.diskEnd - e.diskStart;
      before = e.diskEnd;
    } else if (e.mirror !== undefined && e.mirror <= e.create!) {
      p.mirror = e.mirror - before;
      before = e.mirror;
    }
    p.toCreate = e.create! - before;
    return p;
  }
}

const timeline = new EngineTimeline();

/** p50 of each phase, from the engine's own event times: where the time goes. Columns nobody has are left out. */
function printPhases(groups: [string, Phases[]][]): void {
  const all: [Exclude<keyof Phases, 'attempts'>, string][] = [
    ['beforeNetwork', 't0→network'],
    ['mirror', '→mirror conn.'],
    ['toDisk', '→disk'],
    ['disk', 'disk (helper)'],
    ['toCreate', '→create'],
    ['start', 'create→start'],
    ['toExec', 'start→exec'],
    ['innerDaemon', 'inner dockerd'],
    ['afterExec', 'exec→ready'],
  ];
  const columns = all.filter(([key]) => groups.some(([, phases]) => phases.some((p) => p[key] !== undefined)));
  const width = 15;
  console.log('where the time goes (engine events; p50 ms per phase, n = labs with every event; t0 = the lab\'s createdAt, for bare the moment before its network create;');
  console.log("  a retried lab's last readiness exec counts: its failed attempts fall in start→exec)");
  console.log(`${''.padEnd(42)}${columns.map(([, title]) => title.padStart(width)).join('')}${'sum'.padStart(8)}`);
  for (const [label, phases] of groups) {
    if (phases.length === 0) continue;
    const p50s = columns.map(([key]) => percentile(pick(phases, (p) => p[key]), 50));
    const cell = (v: number) => (Number.isNaN(v) ? '-' : String(Math.round(v))).padStart(width);
    const sum = p50s.filter((v) => !Number.isNaN(v)).reduce((a, b) => a + b, 0);
    const retried = phases.filter((p) => p.attempts > 1).length;
    console.log(`${`${label} n=${phases.length}${retried ? ` (${retried} retried)` : ''}`.padEnd(42)}${p50s.map(cell).join('')}${String(Math.round(sum)).padStart(8)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Through the API

type ProfileName = 'confined' | 'privileged';

/** One profile's stack and what was measured on it. */
interface Profile {
  readonly name: ProfileName;
  readonly stack: LabfleetStack;
  /** What its lab containers must be: privileged or not, and the image. */
  readonly expect: { privileged: boolean; image: string };
  /** Whether a lab of it was inspected yet (the first ready one is). */
  checked: boolean;
  readonly sequential: LabSample[];
  concurrent: LabSample[];
  /** First POST → last ready of the concurrent round. */
  concurrentWallMs?: number;
  idle: MemSample[];
}

interface LabSample {
  readonly id?: string;
  /** POST sent → `ready` first seen by a 25 ms poll (client clock). */
  clientMs?: number;
  /** performance.now() when `ready` was first seen. */
  readyAt?: number;
  /** readyAt − createdAt from the lab itself (server clocks). */
  serverMs?: number;
  /** POST round trip. */
  postMs?: number;
  /** createdAt → `provisioning` event: queue pickup + the worker's first reads/transaction. */
  pickupMs?: number;
  /** provider.provision + saveNodes as the worker measured it (the ready event's detail). */
  provisionMs?: number;
  /** DELETE sent → `stopped` seen. */
  stopMs?: number;
  phases?: Phases;
  error?: string;
}

async function waitForStatus(client: ApiClient, id: string, wanted: string, t0: number): Promise<{ body: any; at: number }> {
  for (;;) {
    const { status, body } = await client.get(`/api/v1/labs/${id}`);
    const at = performance.now();
    if (status === 200 && body.status === wanted) return { body, at };
    if (status !== 200) throw new Error(`GET lab ${id}: HTTP ${status} ${JSON.stringify(body)}`);
    if (body.status === 'failed') throw new Error(`lab ${id} failed: ${body.failureReason}`);
    if (wanted === 'ready' && (body.status === 'stopping' || body.status === 'stopped')) throw new Error(`lab ${id} is ${body.status}`);
    if (at - t0 > LAB_TIMEOUT_MS) throw new Error(`lab ${id} still ${body.status} after ${LAB_TIMEOUT_MS} ms (wanted ${wanted})`);
    await sleep(POLL_MS);
  }
}

/** The first ready lab of a profile: its container must run as the profile says, or the comparison means nothing. */
async function checkProfile(p: Profile, labId: string): Promise<void> {
  const [c] = await docker.listContainers({ filters: { label: [`labfleet.instance=${p.stack.instance.instance}`, `labfleet.lab-id=${labId}`, 'labfleet.role=lab'] } });
  if (!c) throw new Error(`no running container for ready lab ${labId}`);
  const info = await docker.getContainer(c.Id).inspect();
  const privileged = info.HostConfig.Privileged === true;
  const seen = `${privileged ? 'privileged' : 'unprivileged'}, image ${info.Config.Image}`;
  console.log(`  (${p.name} profile check: lab container ${seen})`);
  if (privileged !== p.expect.privileged || info.Config.Image !== p.expect.image) {
    throw new Error(`profile ${p.name}: lab container is ${seen}, expected ${p.expect.privileged ? 'privileged' : 'unprivileged'}, image ${p.expect.image}`);
  }
}

/** POSTs one lab and polls it to `ready`; the lab is left running. Never throws. */
async function createAndWait(p: Profile, created: Set<string>): Promise<LabSample> {
  const client = p.stack.client;
  const t0 = performance.now();
  let id: string | undefined;
  try {
    const res = await client.post('/api/v1/labs', { template: TEMPLATE });
    const postMs = since(t0);
    if (res.status !== 202) return { error: `POST /api/v1/labs: HTTP ${res.status} ${JSON.stringify(res.body)}` };
    id = res.body.id as string;
    created.add(id);
    const { body, at } = await waitForStatus(client, id, 'ready', t0);
    const sample: LabSample = { id, postMs, clientMs: at - t0, readyAt: at, serverMs: Date.parse(body.readyAt) - Date.parse(body.createdAt) };
    if (!p.checked) {
      p.checked = true;
      await checkProfile(p, id);
    }
    const events = await client.get(`/api/v1/labs/${id}/events`);
    if (events.status === 200 && Array.isArray(events.body)) {
      const provisioning = events.body.find((e: any) => e.to === 'provisioning');
      const ready = events.body.find((e: any) => e.to === 'ready');
      if (provisioning) sample.pickupMs = Date.parse(provisioning.at) - Date.parse(body.createdAt);
      if (typeof ready?.detail?.provisionMs === 'number') sample.provisionMs = ready.detail.provisionMs;
    }
    sample.phases = await timeline.phases(id, Date.parse(body.createdAt), Date.parse(body.readyAt));
    return sample;
  } catch (e) {
    return { id, error: describe(e) };
  }
}

/** DELETEs a lab and polls it to `stopped`; returns the time taken or throws. */
async function stopAndWait(client: ApiClient, id: string): Promise<number> {
  const t0 = performance.now();
  const res = await client.delete(`/api/v1/labs/${id}`);
  if (res.status !== 202) throw new Error(`DELETE lab ${id}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  const { at } = await waitForStatus(client, id, 'stopped', t0);
  return at - t0;
}

/** Ends every lab of a batch at once and waits until all are stopped; failures go to `errors`. */
async function stopBatch(client: ApiClient, xs: readonly LabSample[], errors: string[], what: string): Promise<number> {
  const t = performance.now();
  const stops = await Promise.allSettled(xs.filter((x) => x.id).map((x) => stopAndWait(client, x.id!)));
  stops.forEach((r) => r.status === 'rejected' && errors.push(`${what} stop: ${describe(r.reason)}`));
  return since(t);
}

function printLabLine(label: string, x: LabSample): void {
  if (x.error) {
    console.log(`  ${label} ERROR ${x.error}`);
    return;
  }
  const other = x.serverMs !== undefined && x.pickupMs !== undefined && x.provisionMs !== undefined ? x.serverMs - x.pickupMs - x.provisionMs : undefined;
  console.log(
    `  ${label} client ${s(x.clientMs)}  server ${s(x.serverMs)}  | POST ${msf(x.postMs)} ms, pickup ${msf(x.pickupMs)} ms, provision ${msf(x.provisionMs)} ms, ` +
      `rest ${msf(other)} ms, client−server ${msf(x.clientMs !== undefined && x.serverMs !== undefined ? x.clientMs - x.serverMs : undefined)} ms` +
      (x.stopMs !== undefined ? `  | stop ${msf(x.stopMs)} ms` : '') +
      `  ${x.id}`,
  );
}

const labLabel = (p: Profile, i: number) => `${p.name.padEnd(10)} #${String(i).padStart(2)}`;

// ---------------------------------------------------------------------------------------------
// Bare: the engine calls alone

interface BareSample {
  totalMs?: number;
  networkMs?: number;
  createMs?: number;
  startMs?: number;
  daemonMs?: number;
  phases?: Phases;
  error?: string;
}

/** Network + container create + start + one exec waiting for the inner `docker info`. Never throws. */
async function bareOnce(ctx: LabContainerContext): Promise<BareSample> {
  const labId = randomUUID();
  const x: BareSample = {};
  try {
    const options = bareContainer(labId, ctx);
    const wall0 = Date.now();
    const t0 = performance.now();
    const network = await docker.createNetwork(buildLabNetwork(ctx.instance, labId));
    if (BARE_MIRROR) await network.connect({ Container: TEST_REGISTRY.name, EndpointConfig: { Aliases: [MIRROR_ALIAS] } });
    x.networkMs = since(t0);
    let t = performance.now();
    const container = await docker.createContainer(options);
    x.createMs = since(t);
    t = performance.now();
    await container.start();
    x.startMs = since(t);
    t = performance.now();
    const result = await innerDockerInfo(container);
    x.daemonMs = since(t);
    x.totalMs = since(t0);
    x.phases = await timeline.phases(labId, wall0, wall0 + x.totalMs);
    if (result.exitCode !== 0) x.error = `inner docker info did not answer (exit ${result.exitCode}${result.timedOut ? ', timed out' : ''})`;
  } catch (e) {
    x.error = describe(e);
  } finally {
    await removeLabResources(ctx.instance, labId).catch((e) => console.warn(`  bare clean-up of ${labId} failed: ${describe(e)}`));
  }
  return x;
}

// ---------------------------------------------------------------------------------------------

/** The numbers of one profile's cold sequential labs. */
function coldOf(p: Profile) {
  const done = ok(p.sequential);
  const client = done.map((x) => x.clientMs!);
  const server = done.map((x) => x.serverMs!);
  return { done, client, server, p50: percentile(client, 50) };
}

/** The numbers of one profile's concurrent round (undefined when it did not run). */
function concurrentOf(p: Profile, n: number) {
  if (p.concurrent.length === 0) return undefined;
  const client = ok(p.concurrent).map((x) => x.clientMs!);
  const allWithin = client.length === n && maxOf(client) <= TARGET_CONCURRENT_MS;
  return { client, n, allWithin, wallMs: p.concurrentWallMs };
}

function idleOf(p: Profile) {
  const ws = p.idle.map((m) => m.workingSet);
  return { ws, p50: percentile(ws, 50), max: maxOf(ws), noCacheP50: percentile(p.idle.map((m) => m.noCache), 50) };
}

/** What a profile's worker logged that the timings hide: jobs skipped for a missing row, provision attempts retried (their errors). */
function workerFindings(p: Profile): { skipped: number; retried: string[] } {
  const lines = p.stack.workers.flatMap((w) => w.logs.split('\n'));
  const skipped = lines.filter((l) => l.includes('"provision skipped"') && l.includes('"missing"')).length;
  const retried = lines
    .filter((l) => l.includes('"provision attempt failed"'))
    .map((l) => {
      try {
        return String(JSON.parse(l).message?.error ?? '?');
      } catch {
        return l.slice(0, 200);
      }
    });
  return { skipped, retried };
}

async function main(): Promise<number> {
  const run = new BenchRun(() => timeline.stop());
  const { errors, bareInstance } = run;
  const createdLabs = new Set<string>();
  const loadAtStart = loadavg();
  return run.main(async () => {
    await requireImages([TEST_LAB_IMAGE, TEST_DIND_IMAGE]);
    const machine = await machineInfo([TEST_LAB_IMAGE, TEST_DIND_IMAGE]);
    for (const line of machine.lines) console.log(line);

    // 1. the stacks
    const t = performance.now();
    const [confinedStack, privilegedStack] = await Promise.all([
      run.startStack({ WORKER_CONCURRENCY: '10' }),
      run.startStack({ WORKER_CONCURRENCY: '10', LAB_SECURITY_PROFILE: 'privileged' }),
    ]);
    const profile = (name: ProfileName, stack: LabfleetStack, privileged: boolean, image: string): Profile => ({ name, stack, expect: { privileged, image }, checked: false, sequential: [], concurrent: [], idle: [] });
    const confined = profile('confined', confinedStack, false, TEST_LAB_IMAGE);
    const privileged = profile('privileged', privilegedStack, true, TEST_DIND_IMAGE);
    const profiles = [confined, privileged];
    for (const p of profiles) {
      console.log(`stack ${p.name.padEnd(10)}: instance ${p.stack.instance.instance}, API ${p.stack.client.baseUrl} (logs: test-artifacts/${p.stack.instance.instance}-*.log)`);
    }
    console.log(`both stacks started in ${s(since(t))}; registry mirror: push mode (${TEST_REGISTRY.name}, connected to every lab network)`);

    await timeline.start(TEST_REGISTRY.name);
    const ctx = bareContext(bareInstance, BARE_MIRROR ? `http://${MIRROR_ALIAS}:5000` : null);
    const bare: BareSample[] = [];
    const runBare = async () => {
      run.throwIfStopping();
      await run.noteForeign();
      const x = await bareOnce(ctx);
      bare.push(x);
      const label = `${'bare'.padEnd(10)} #${String(bare.length).padStart(2)}`;
      console.log(
        x.error
          ? `  ${label} ERROR ${x.error}`
          : `  ${label} total ${s(x.totalMs)}  | network ${msf(x.networkMs)} ms, create ${msf(x.createMs)} ms, start ${msf(x.startMs)} ms, inner docker info ${msf(x.daemonMs)} ms`,
      );
      if (x.error) errors.push(`bare #${bare.length}: ${x.error}`);
    };
    const bareTitle =
      `bare (${N_BARE} × dockerode: create network + create + start container + one exec until inner docker info; ` +
      `same builder, plain privileged DinD ${TEST_DIND_IMAGE}, registry mirror: ${BARE_MIRROR ? `${TEST_REGISTRY.name} connected as ${ctx.registryMirror}` : 'none'}, no disk image)`;

    // 2. cold, one at a time, the profiles alternating (ABBA...: neither is always first)
    console.log(
      `\ncold sequential (${N_SEQUENTIAL} labs per profile, one at a time, alternating confined/privileged lab by lab, poll ${POLL_MS} ms)` +
        `${INTERLEAVE ? `, interleaved with ${bareTitle}` : ''}:`,
    );
    for (let i = 0; i < N_SEQUENTIAL; i++) {
      for (const p of i % 2 === 0 ? profiles : [...profiles].reverse()) {
        run.throwIfStopping();
        await run.noteForeign();
        const x = await createAndWait(p, createdLabs);
        if (x.id && !x.error) {
          try {
            x.stopMs = await stopAndWait(p.stack.client, x.id);
          } catch (e) {
            x.error = `stopping: ${describe(e)}`;
          }
        } else if (x.id) {
          await stopAndWait(p.stack.client, x.id).catch(() => undefined);
        }
        p.sequential.push(x);
        printLabLine(labLabel(p, i + 1), x);
        if (x.error) errors.push(`${p.name} sequential #${i + 1}: ${x.error}`);
      }
      if (INTERLEAVE && bare.length < N_BARE) await runBare();
    }

    // 3. all at once: the default (the target), then privileged for comparison
    for (const p of CONCURRENT_PRIVILEGED ? profiles : [confined]) {
      if (N_CONCURRENT === 0) break;
      console.log(`\nconcurrent ${p.name} (${N_CONCURRENT} labs POSTed at once${p === confined ? '' : '; for comparison, no target'}):`);
      run.throwIfStopping();
      await run.noteForeign();
      const t0 = performance.now();
      p.concurrent = await Promise.all(Array.from({ length: N_CONCURRENT }, () => createAndWait(p, createdLabs)));
      p.concurrentWallMs = maxOf(pick(p.concurrent, (x) => x.readyAt)) - t0;
      p.concurrent.forEach((x, i) => {
        printLabLine(labLabel(p, i + 1), x);
        if (x.error) errors.push(`${p.name} concurrent #${i + 1}: ${x.error}`);
      });
      const stopMs = await stopBatch(p.stack.client, p.concurrent, errors, `${p.name} concurrent`);
      console.log(`  wall time first POST → last ready ${s(p.concurrentWallMs)}; all stopped after ${s(stopMs)}`);
    }
    if (!CONCURRENT_PRIVILEGED && N_CONCURRENT) console.log('  (no concurrent round for privileged: BENCH_CONCURRENT_PRIVILEGED=0)');

    // 4. bare engine calls (those not interleaved above)
    if (bare.length < N_BARE) console.log(`\n${bareTitle}:`);
    while (bare.length < N_BARE) await runBare();

    // 5. idle memory: both profiles' labs at once, read after they settle
    if (N_IDLE > 0) {
      console.log(`\nidle memory (${N_IDLE} labs of each profile POSTed at once; working set read ${IDLE_SETTLE_MS / 1000} s after the last is ready):`);
      run.throwIfStopping();
      await run.noteForeign();
      const t0 = performance.now();
      const batches = await Promise.all(profiles.map((p) => Promise.all(Array.from({ length: N_IDLE }, () => createAndWait(p, createdLabs)))));
      const lastReady = maxOf(batches.flat().flatMap((x) => (x.readyAt === undefined ? [] : [x.readyAt])));
      profiles.forEach((p, j) => batches[j].forEach((x, i) => x.error && errors.push(`${p.name} idle #${i + 1}: ${x.error}`)));
      console.log(`  ${batches.flat().filter((x) => !x.error).length}/${2 * N_IDLE} ready after ${s(lastReady - t0)}; settling ${IDLE_SETTLE_MS / 1000} s`);
      await sleep(IDLE_SETTLE_MS);
      run.throwIfStopping();
      await run.noteForeign();
      for (const [j, p] of profiles.entries()) {
        const ids = new Set(pick(ok(batches[j]), (x) => x.id));
        p.idle = (await labMemory(p.stack.instance.instance)).filter((m) => m.labId !== undefined && ids.has(m.labId));
        if (p.idle.length !== ids.size) errors.push(`${p.name} idle: ${p.idle.length} running lab containers for ${ids.size} ready labs`);
        const idle = idleOf(p);
        console.log(
          `  ${p.name.padEnd(10)} (n=${p.idle.length}): working set p50 ${mib(idle.p50)}, max ${mib(idle.max)}, min ${mib(minOf(idle.ws))}; ` +
            `usage − cache p50 ${mib(idle.noCacheP50)}; raw usage p50 ${mib(percentile(p.idle.map((m) => m.usage), 50))}`,
        );
      }
      const stopMs = Math.max(...(await Promise.all(profiles.map((p, j) => stopBatch(p.stack.client, batches[j], errors, `${p.name} idle`)))));
      console.log(`  all stopped after ${s(stopMs)}`);
    }

    // 6. the table
    run.throwIfStopping();
    const bareOk = ok(bare);
    const bareTotal = bareOk.map((x) => x.totalMs!);
    const bareP50 = percentile(bareTotal, 50);
    const cold = { confined: coldOf(confined), privileged: coldOf(privileged) };
    const con = { confined: concurrentOf(confined, N_CONCURRENT), privileged: concurrentOf(privileged, N_CONCURRENT) };
    const idle = { confined: idleOf(confined), privileged: idleOf(privileged) };
    const ratioProfiles = cold.confined.p50 / cold.privileged.p50;
    const ratioBare = cold.confined.p50 / bareP50;
    const met = {
      coldP50: within(cold.confined.p50, TARGET_COLD_P50_MS),
      confinedPrivileged: within(ratioProfiles, TARGET_PROFILE_RATIO),
      confinedBare: within(ratioBare, TARGET_BARE_RATIO),
      concurrentAllWithin10s: con.confined ? con.confined.allWithin : null,
      idleConfined: within(idle.confined.p50, TARGET_IDLE_MIB * MIB),
      idlePrivileged: within(idle.privileged.p50, TARGET_IDLE_MIB * MIB),
    };
    const verdict = (v: boolean | null | undefined) => (v === undefined ? '' : v === null ? 'n/a' : v ? 'yes' : 'NO');

    type Row = [label: string, p50: string, p95: string, max: string, target: string, met: boolean | null | undefined];
    const spreadRow = (label: string, xs: number[], target = '', verdictOf?: boolean | null, n = `n=${xs.length}`): Row => [`${label} (${n})`, s(percentile(xs, 50)), s(percentile(xs, 95)), xs.length ? s(maxOf(xs)) : 'n/a', target, verdictOf];
    const partRow = (label: string, xs: number[]): Row => [label, s(percentile(xs, 50)), s(percentile(xs, 95)), '', '', undefined];
    const rows: Row[] = [];
    for (const p of profiles) {
      const c = cold[p.name];
      rows.push(
        spreadRow(`cold ${p.name}${p === confined ? ' (default)' : ''} request→ready, client`, c.client, p === confined ? '≤ 1.500 s' : '', p === confined ? met.coldP50 : undefined),
        spreadRow(`cold ${p.name} readyAt−createdAt, server`, c.server),
        partRow(`  of which: queue pickup → provisioning`, pick(c.done, (x) => x.pickupMs)),
        partRow(`  of which: provider.provision + saveNodes`, pick(c.done, (x) => x.provisionMs)),
      );
    }
    rows.push(
      spreadRow(`bare network+create+start+docker info`, bareTotal, '', undefined),
      partRow(`  of which: inner docker info (exec)`, pick(bareOk, (x) => x.daemonMs)),
      ['ratio cold p50 confined / privileged', times(ratioProfiles), '', '', '≤ 1.30×', met.confinedPrivileged],
      ['ratio cold p50 confined / bare', times(ratioBare), '', '', '≤ 1.50×', met.confinedBare],
      ['ratio cold p50 privileged / bare', times(cold.privileged.p50 / bareP50), '', '', '', undefined],
    );
    for (const p of profiles) {
      const c = con[p.name];
      if (!c) continue;
      const target = p === confined ? 'ready' : 'ready; no target';
      rows.push(spreadRow(`concurrent ${p.name} request→ready`, c.client, p === confined ? '≤ 10.000 s all' : '', p === confined ? met.concurrentAllWithin10s : undefined, `${c.client.length}/${c.n} ${target}`));
    }
    for (const p of profiles) {
      const m = idle[p.name];
      rows.push([`idle memory per lab, ${p.name} (n=${m.ws.length}; p50, max)`, mib(m.p50), '', mib(m.max), '≤ 45 MiB', p === confined ? met.idleConfined : met.idlePrivileged]);
    }

    const w = [60, 11, 11, 11, 16];
    const line = (cells: string[]) => console.log(cells.map((c, i) => (i < w.length ? c.padEnd(w[i]) : c)).join(''));
    console.log(`\n${'='.repeat(116)}`);
    console.log(`Labfleet lab readiness (template ${TEMPLATE})   percentiles: nearest rank; client = POST sent → ready seen by ${POLL_MS} ms poll`);
    console.log(
      `order: cold confined/privileged alternating lab by lab${INTERLEAVE ? ', a bare lab after each pair' : ''}, then concurrent (confined${CONCURRENT_PRIVILEGED ? ', then privileged' : ''})` +
        `${INTERLEAVE ? '' : ', then bare'}, then idle; bare registry mirror: ${BARE_MIRROR ? 'yes' : 'none'}`,
    );
    console.log(`idle memory: working set = ${workingSetMeasure(machine.cgroup)} (engine stats, one-shot), ${IDLE_SETTLE_MS / 1000} s after the last idle lab was ready`);
    for (const l of machine.lines) console.log(l);
    console.log('-'.repeat(116));
    line(['metric', 'p50', 'p95', 'max', 'target', 'met']);
    for (const [label, p50, p95, max, target, v] of rows) line([label, p50, p95, max, target, verdict(v)]);
    console.log('-'.repeat(116));
    printPhases([
      ['cold confined', pick(cold.confined.done, (x) => x.phases)],
      ['cold privileged', pick(cold.privileged.done, (x) => x.phases)],
      ...profiles.map((p): [string, Phases[]] => [`concurrent ${p.name}`, pick(ok(p.concurrent), (x) => x.phases)]),
      ['bare', pick(bareOk, (x) => x.phases)],
    ]);
    const findings = new Map(profiles.map((p) => [p.name, workerFindings(p)]));
    for (const [name, f] of findings) {
      if (f.skipped) {
        console.log(
          `FINDING (${name}): ${f.skipped} provision job(s) ran before the lab's row was committed (worker log "provision skipped", status "missing"); ` +
            'such a lab stays pending until reconcile re-queues it (30-60 s)',
        );
      }
      if (f.retried.length) {
        const reasons = new Map<string, number>();
        for (const r of f.retried) reasons.set(r, (reasons.get(r) ?? 0) + 1);
        console.log(
          `FINDING (${name}): ${f.retried.length} provision attempt(s) failed and were retried (worker log "provision attempt failed"; ` +
            `the lab is ready later, its "rest" above): ${[...reasons].map(([r, n]) => `${n}× ${r}`).join(' | ')}`,
        );
      }
    }
    console.log('-'.repeat(116));
    await run.printOutcome();

    const coldJson = (c: ReturnType<typeof coldOf>) => ({ n: c.client.length, p50Ms: round(c.p50), p95Ms: round(percentile(c.client, 95)), maxMs: round(maxOf(c.client)), serverP50Ms: round(percentile(c.server, 50)) });
    const conJson = (c: ReturnType<typeof concurrentOf>) => (c ? { n: c.client.length, of: c.n, p50Ms: round(percentile(c.client, 50)), maxMs: round(maxOf(c.client)), wallMs: round(c.wallMs ?? NaN), allWithin10s: c.allWithin } : null);
    const idleJson = (m: ReturnType<typeof idleOf>) => ({ n: m.ws.length, p50MiB: round(m.p50 / MIB, 1), maxMiB: round(m.max / MIB, 1) });
    const summary = {
      bench: 'ready',
      template: TEMPLATE,
      counts: { sequentialPerProfile: N_SEQUENTIAL, concurrent: N_CONCURRENT, bare: N_BARE, idlePerProfile: N_IDLE },
      interleave: INTERLEAVE,
      bareMirror: BARE_MIRROR,
      cold: { confined: coldJson(cold.confined), privileged: coldJson(cold.privileged) },
      bare: { n: bareTotal.length, p50Ms: round(bareP50), p95Ms: round(percentile(bareTotal, 95)), maxMs: round(maxOf(bareTotal)) },
      ratios: { confinedPrivileged: round(ratioProfiles, 2), confinedBare: round(ratioBare, 2), privilegedBare: round(cold.privileged.p50 / bareP50, 2) },
      concurrent: { confined: conJson(con.confined), privileged: conJson(con.privileged) },
      idleMiB: { confined: idleJson(idle.confined), privileged: idleJson(idle.privileged), settleS: IDLE_SETTLE_MS / 1000, measure: workingSetMeasure(machine.cgroup) },
      targets: { coldP50Ms: TARGET_COLD_P50_MS, confinedPrivileged: TARGET_PROFILE_RATIO, confinedBare: TARGET_BARE_RATIO, concurrentAllMs: TARGET_CONCURRENT_MS, idleMiB: TARGET_IDLE_MIB },
      met,
      load: { start: loadAtStart, end: loadavg() },
      retriedProvisions: Object.fromEntries([...findings].map(([name, f]) => [name, f.retried.length])),
      foreignLabs: run.foreignMax,
      errors: errors.length,
    };
    console.log(`BENCH_READY_SUMMARY ${JSON.stringify(summary)}`);
    return errors.length ? 1 : 0;
  }, () => `${run.describeStacks()} (${createdLabs.size} labs made), bare instance ${bareInstance}`);
}

void main().then((code) => process.exit(code));
