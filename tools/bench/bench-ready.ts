/**
 * Lab readiness benchmark: how long a student waits from "create lab" to a lab whose Docker
 * daemon answers, through the real API + worker, against the bare minimum the engine needs.
 *
 *   npm run bench:ready          (build, then node dist/tools/bench/bench-ready.js)
 *
 * 1. one Labfleet stack (real compiled API + worker, WORKER_CONCURRENCY=10, own DB, Redis prefix,
 *    instance label; the API on a free port);
 * 2. cold, one at a time: POST a `docker` lab, poll GET every 25 ms until ready, DELETE, wait
 *    stopped, next (BENCH_SEQUENTIAL, default 10);
 * 3. BENCH_CONCURRENT (default 10) labs POSTed at once, all waited for, then deleted;
 * 4. bare: dockerode alone creates the network and container the provider creates (same builder,
 *    same context but no registry mirror), starts it and runs the one `until docker info` exec
 *    (BENCH_BARE, default = BENCH_SEQUENTIAL); bare time = network + create + start + docker info;
 * 5. a table with targets (cold p50 <= 1.5 s, cold/bare <= 1.5x, all concurrent ready <= 10 s),
 *    and where the time goes, per phase, from the engine's own event timestamps.
 *
 * Options: BENCH_INTERLEAVE=1 runs one bare lab after each cold lab instead of all bare labs at
 * the end (both then see the same background load: a fairer ratio on a busy machine);
 * BENCH_BARE_MIRROR=1 gives the bare labs the registry mirror too (connect + env), as the
 * provider does; BENCH_LAB_TIMEOUT_MS (default 120000) bounds each wait.
 *
 * Exits non-zero only when something failed (a lab failed or timed out, an engine error), never
 * for a missed target. Everything it made is removed in `finally`, also on Ctrl-C.
 */
import './register-paths';
import { count, describe, flag, percentile, sleep } from './bench-kit';
import { BenchRun } from './bench-run';
import Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildLabSpec, LabTemplate } from '@labfleet/domain';
import { ApiClient, LabfleetStack, removeLabResources, TEST_DIND_IMAGE, TEST_LAB_IMAGE, TEST_REGISTRY } from '@labfleet/testing';
import { parseTemplateFile } from '@labfleet/lab-lifecycle';
import { buildLabContainer, buildLabNetwork, LabContainerContext, MIRROR_ALIAS, runExec } from '@labfleet/provider-docker';
import { repoRoot } from './register-paths';


const ROOT = repoRoot();
const TEMPLATE = 'docker';
const POLL_MS = 25;
const LAB_TIMEOUT_MS = count('BENCH_LAB_TIMEOUT_MS', 120_000, 1);
const READY_COMMAND = ['sh', '-c', 'until docker info >/dev/null 2>&1; do sleep 0.05; done'];

const TARGET_COLD_P50_MS = 1500;
const TARGET_RATIO = 1.5;
const TARGET_CONCURRENT_MS = 10_000;


const N_SEQUENTIAL = count('BENCH_SEQUENTIAL', 10);
const N_CONCURRENT = count('BENCH_CONCURRENT', 10);
const N_BARE = count('BENCH_BARE', N_SEQUENTIAL);
/** BENCH_INTERLEAVE=1: one bare run right after each cold lab, so both see the same background load. */
const INTERLEAVE = flag('BENCH_INTERLEAVE');
/**
 * BENCH_BARE_MIRROR=1: the bare runs also do what the provider does for the image mirror: connect
 * the (test) registry container to the lab network and pass LABFLEET_REGISTRY_MIRROR to the lab.
 */
const BARE_MIRROR = flag('BENCH_BARE_MIRROR');

const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const since = (t0: number) => performance.now() - t0;

// ---------------------------------------------------------------------------------------------
// Statistics and formatting


const s = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? '   n/a' : `${(ms / 1000).toFixed(3)} s`);
const msf = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? 'n/a' : `${Math.round(ms)}`);
const verdict = (ok: boolean | undefined) => (ok === undefined ? 'n/a' : ok ? 'PASS' : 'MISS');

// ---------------------------------------------------------------------------------------------
// Engine timeline: when the engine itself saw each step of a lab, from its event stream

type Step = 'network' | 'mirror' | 'create' | 'start' | 'exec_start' | 'exec_die';
/** Steps every lab has; `mirror` (the registry joining the lab network) only when there is a mirror. */
const STEPS: readonly Step[] = ['network', 'create', 'start', 'exec_start', 'exec_die'];

/** Where the time of one lab went, in ms, from t0 (the lab's createdAt, or the bare run's start) to ready. */
interface Phases {
  /** t0 → network created (API labs: queue pickup, provisioning transition, mirror check, the create call). */
  beforeNetwork: number;
  /** network created → registry mirror connected to it (only with a mirror). */
  mirror?: number;
  /** network created (or mirror connected) → container created (API labs: + an inspect). */
  toCreate: number;
  /** container created → started. */
  start: number;
  /** started → readiness exec started. */
  toExec: number;
  /** the readiness exec: the inner dockerd starting until `docker info` answers. */
  innerDaemon: number;
  /** exec finished → ready (API labs: inspect, saveNodes, the ready transition). */
  afterExec: number;
}

class EngineTimeline {
  private readonly seen = new Map<string, Partial<Record<Step, number>>>();
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

  private note(line: string): void {
    let e: { Type?: string; Action?: string; Actor?: { Attributes?: Record<string, string> }; timeNano?: number };
    try {
      e = JSON.parse(line);
    } catch {
      return;
    }
    const labId = /-lab-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/.exec(e.Actor?.Attributes?.name ?? '')?.[1];
    if (!labId || !e.timeNano) return;
    const action = (e.Action ?? '').split(':')[0];
    let step: Step | undefined;
    if (e.Type === 'network' && action === 'create') step = 'network';
    else if (e.Type === 'network' && action === 'connect' && this.mirrorId && e.Actor?.Attributes?.container === this.mirrorId) step = 'mirror';
    else if (e.Type === 'container' && ['create', 'start', 'exec_start', 'exec_die'].includes(action)) step = action as Step;
    if (!step) return;
    const steps = this.seen.get(labId) ?? {};
    steps[step] ??= e.timeNano / 1e6;
    this.seen.set(labId, steps);
  }

  /** The lab's phases, or undefined when an event is missing. `t0` and `ready` are epoch ms. */
  async phases(labId: string, t0: number, ready: number): Promise<Phases | undefined> {
    for (let i = 0; i < 20 && !this.seen.get(labId)?.exec_die; i++) await sleep(25); // events trail a little
    const e = this.seen.get(labId);
    if (!e || STEPS.some((k) => e[k] === undefined)) return undefined;
    const mirrored = e.mirror !== undefined && e.mirror <= e.create!;
    return {
      beforeNetwork: e.network! - t0,
      mirror: mirrored ? e.mirror! - e.network! : undefined,
      toCreate: e.create! - (mirrored ? e.mirror! : e.network!),
      start: e.start! - e.create!,
      toExec: e.exec_start! - e.start!,
      innerDaemon: e.exec_die! - e.exec_start!,
      afterExec: ready - e.exec_die!,
    };
  }
}

const timeline = new EngineTimeline();

// ---------------------------------------------------------------------------------------------
// The stack


// ---------------------------------------------------------------------------------------------
// Through the API

interface LabSample {
  readonly id?: string;
  /** POST sent → `ready` first seen by a 25 ms poll (client clock). */
  clientMs?: number;
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

/** POSTs one lab and polls it to `ready`; the lab is left running. Never throws. */
async function createAndWait(client: ApiClient, created: Set<string>): Promise<LabSample> {
  const t0 = performance.now();
  let id: string | undefined;
  try {
    const res = await client.post('/api/v1/labs', { template: TEMPLATE });
    const postMs = since(t0);
    if (res.status !== 202) return { error: `POST /api/v1/labs: HTTP ${res.status} ${JSON.stringify(res.body)}` };
    id = res.body.id as string;
    created.add(id);
    const { body, at } = await waitForStatus(client, id, 'ready', t0);
    const sample: LabSample = { id, postMs, clientMs: at - t0, serverMs: Date.parse(body.readyAt) - Date.parse(body.createdAt) };
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

function dockerTemplate(): LabTemplate {
  const path = join(ROOT, 'deploy/templates.json');
  // The same parsing and defaults the template catalog applies when seeding.
  const t = parseTemplateFile(readFileSync(path, 'utf8'), path).find((x) => x.name === TEMPLATE);
  if (!t) throw new Error(`template '${TEMPLATE}' not in deploy/templates.json`);
  return { id: 'bench', ...t };
}

/** Network + container create + start + one exec waiting for the inner `docker info`. Never throws. */
async function bareOnce(template: LabTemplate, ctx: LabContainerContext): Promise<BareSample> {
  const labId = randomUUID();
  const spec = buildLabSpec(labId, template, TEST_DIND_IMAGE);
  const x: BareSample = {};
  try {
    const wall0 = Date.now();
    const t0 = performance.now();
    const network = await docker.createNetwork(buildLabNetwork(ctx.instance, labId));
    if (BARE_MIRROR) await network.connect({ Container: TEST_REGISTRY.name, EndpointConfig: { Aliases: [MIRROR_ALIAS] } });
    x.networkMs = since(t0);
    let t = performance.now();
    const container = await docker.createContainer(buildLabContainer(spec, spec.nodes[0], ctx));
    x.createMs = since(t);
    t = performance.now();
    await container.start();
    x.startMs = since(t);
    t = performance.now();
    const result = await runExec(container, docker.modem, { command: READY_COMMAND, timeoutMs: 60_000, outputLimitBytes: 4096 });
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

/** p50 of each phase, from the engine's own event times: where the time goes. */
function printPhases(groups: [string, Phases[]][]): void {
  const columns: [keyof Phases, string][] = [
    ['beforeNetwork', 't0→network'],
    ['mirror', '→mirror conn.'],
    ['toCreate', '→create'],
    ['start', 'create→start'],
    ['toExec', 'start→exec'],
    ['innerDaemon', 'inner dockerd'],
    ['afterExec', 'exec→ready'],
  ];
  console.log(`where the time goes (engine events; p50 ms per phase, n = labs with every event)`);
  console.log(`${''.padEnd(40)}${columns.map(([, title]) => title.padStart(15)).join('')}${'sum'.padStart(8)}`);
  for (const [label, phases] of groups) {
    if (phases.length === 0) continue;
    const p50s = columns.map(([key]) => percentile(phases.map((p) => p[key]).filter((v): v is number => v !== undefined), 50));
    const cell = (v: number) => (Number.isNaN(v) ? '-' : String(Math.round(v))).padStart(15);
    const sum = p50s.filter((v) => !Number.isNaN(v)).reduce((a, b) => a + b, 0);
    console.log(`${`${label} n=${phases.length}`.padEnd(40)}${p50s.map(cell).join('')}${String(Math.round(sum)).padStart(8)}`);
  }
}

// ---------------------------------------------------------------------------------------------

async function machineInfo(): Promise<string[]> {
  const [version, info] = await Promise.all([docker.version(), docker.info() as Promise<any>]);
  const image = await docker.getImage(TEST_LAB_IMAGE).inspect();
  const backing = (info.DriverStatus as [string, string][] | undefined)?.find(([k]) => k === 'Backing Filesystem')?.[1];
  return [
    `host: nproc ${os.availableParallelism?.() ?? os.cpus().length} (${os.cpus()[0]?.model ?? '?'}), RAM ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, node ${process.version}`,
    `engine: Docker ${version.Version} (API ${version.ApiVersion}), kernel ${version.KernelVersion}, ${info.Driver}${backing ? ` on ${backing}` : ''}, cgroup v${info.CgroupVersion ?? '?'}, engine NCPU ${info.NCPU}`,
    `lab image: ${TEST_LAB_IMAGE} ${image.Id.slice(7, 19)}`,
  ];
}

async function main(): Promise<number> {
  const run = new BenchRun(() => timeline.stop());
  const { errors, bareInstance } = run;
  const createdLabs = new Set<string>();
  return run.main(async () => {
    await docker.getImage(TEST_LAB_IMAGE).inspect().catch(() => {
      throw new Error(`${TEST_LAB_IMAGE} is not on the engine: run bash deploy/build-images.sh first`);
    });
    const machine = await machineInfo();
    for (const line of machine) console.log(line);

    // 1. the stack
    let t = performance.now();
    const stack = (run.stack = await LabfleetStack.start({ WORKER_CONCURRENCY: '10' }));
    const client = stack.client;
    console.log(`stack: instance ${stack.instance.instance}, API ${client.baseUrl}, started in ${s(since(t))} (logs: test-artifacts/${stack.instance.instance}-*.log)`);
    console.log(`stack registry mirror: push mode (${TEST_REGISTRY.name}, connected to every lab network)`);

    await timeline.start(TEST_REGISTRY.name);
    const template = dockerTemplate();
    const ctx: LabContainerContext = {
      instance: bareInstance,
      securityProfile: 'privileged',
      runtime: null,
      registryMirror: BARE_MIRROR ? `http://${MIRROR_ALIAS}:5000` : null,
      disk: null,
      cgroupHierarchies: [],
    };
    const bare: BareSample[] = [];
    const runBare = async () => {
      await run.noteForeign();
      const x = await bareOnce(template, ctx);
      bare.push(x);
      const label = `bare #${String(bare.length).padStart(2)}`;
      console.log(
        x.error
          ? `  ${label} ERROR ${x.error}`
          : `  ${label} total ${s(x.totalMs)}  | network ${msf(x.networkMs)} ms, create ${msf(x.createMs)} ms, start ${msf(x.startMs)} ms, inner docker info ${msf(x.daemonMs)} ms`,
      );
      if (x.error) errors.push(`bare #${bare.length}: ${x.error}`);
    };
    const bareTitle =
      `bare (${N_BARE} × dockerode: create network + create + start container + one exec until inner docker info; ` +
      `same builder, plain privileged DinD, registry mirror: ${BARE_MIRROR ? `${TEST_REGISTRY.name} connected as ${ctx.registryMirror}` : 'none'}, no disk image)`;

    // 2. cold, one at a time
    const sequential: LabSample[] = [];
    console.log(`\ncold sequential (${N_SEQUENTIAL} labs, one at a time, poll ${POLL_MS} ms)${INTERLEAVE ? `, interleaved with ${bareTitle}` : ''}:`);
    for (let i = 0; i < N_SEQUENTIAL; i++) {
      await run.noteForeign();
      const x = await createAndWait(client, createdLabs);
      if (x.id && !x.error) {
        try {
          x.stopMs = await stopAndWait(client, x.id);
        } catch (e) {
          x.error = `stopping: ${describe(e)}`;
        }
      } else if (x.id) {
        await stopAndWait(client, x.id).catch(() => undefined);
      }
      sequential.push(x);
      printLabLine(`lab  #${String(i + 1).padStart(2)}`, x);
      if (x.error) errors.push(`sequential #${i + 1}: ${x.error}`);
      if (INTERLEAVE && bare.length < N_BARE) await runBare();
    }

    // 3. all at once
    console.log(`\nconcurrent (${N_CONCURRENT} labs POSTed at once):`);
    await run.noteForeign();
    t = performance.now();
    const concurrent = await Promise.all(Array.from({ length: N_CONCURRENT }, () => createAndWait(client, createdLabs)));
    const concurrentWallMs = since(t);
    concurrent.forEach((x, i) => {
      printLabLine(`lab  #${String(i + 1).padStart(2)}`, x);
      if (x.error) errors.push(`concurrent #${i + 1}: ${x.error}`);
    });
    t = performance.now();
    const stops = await Promise.allSettled(concurrent.filter((x) => x.id).map((x) => stopAndWait(client, x.id!)));
    stops.forEach((r) => r.status === 'rejected' && errors.push(`concurrent stop: ${describe(r.reason)}`));
    if (N_CONCURRENT) console.log(`  wall time first POST → last ready ${s(concurrentWallMs)}; all stopped after ${s(since(t))}`);

    // 4. bare engine calls (those not interleaved above)
    if (bare.length < N_BARE) console.log(`\n${bareTitle}:`);
    while (bare.length < N_BARE) await runBare();

    // 5. the table
    const ok = <T extends { error?: string }>(xs: T[]) => xs.filter((x) => !x.error);
    const seqOk = ok(sequential);
    const conOk = ok(concurrent);
    const bareOk = ok(bare);
    const cold = seqOk.map((x) => x.clientMs!);
    const coldServer = seqOk.map((x) => x.serverMs!);
    const con = conOk.map((x) => x.clientMs!);
    const bareTotal = bareOk.map((x) => x.totalMs!);
    const coldP50 = percentile(cold, 50);
    const bareP50 = percentile(bareTotal, 50);
    const ratio = coldP50 / bareP50;
    const conMax = con.length ? Math.max(...con) : NaN;
    const allWithin = N_CONCURRENT === 0 ? undefined : conOk.length === concurrent.length && conMax <= TARGET_CONCURRENT_MS;
    const has = (xs: number[]) => xs.length > 0;
    const pad = (text: string, n: number) => text.padEnd(n);
    const row = (label: string, p50: number, p95: number, max: number | undefined, target: string, result: string) =>
      console.log(`${pad(label, 52)}${pad(s(p50), 10)}${pad(s(p95), 10)}${pad(max === undefined ? '' : s(max), 10)}${pad(target, 14)}${result}`);
    const pick = <T, V>(xs: T[], f: (x: T) => V | undefined) => xs.map(f).filter((v): v is V => v !== undefined);

    console.log(`\n${'='.repeat(110)}`);
    console.log('Labfleet lab readiness (template docker)   percentiles: nearest rank; client = POST sent → ready seen by 25 ms poll');
    console.log(`order: ${INTERLEAVE ? 'cold and bare interleaved' : 'cold sequential, then concurrent, then bare'}; bare registry mirror: ${BARE_MIRROR ? 'yes' : 'none'}`);
    for (const line of machine) console.log(line);
    console.log('-'.repeat(110));
    console.log(`${pad('', 52)}${pad('p50', 10)}${pad('p95', 10)}${pad('max', 10)}${pad('target', 14)}result`);
    row(`cold sequential request→ready, client (n=${cold.length})`, coldP50, percentile(cold, 95), has(cold) ? Math.max(...cold) : undefined, '≤ 1.500 s', has(cold) ? verdict(coldP50 <= TARGET_COLD_P50_MS) : 'n/a');
    row(`cold sequential readyAt−createdAt, server (n=${coldServer.length})`, percentile(coldServer, 50), percentile(coldServer, 95), has(coldServer) ? Math.max(...coldServer) : undefined, '', '');
    row(`  of which: queue pickup → provisioning`, percentile(pick(seqOk, (x) => x.pickupMs), 50), percentile(pick(seqOk, (x) => x.pickupMs), 95), undefined, '', '');
    row(`  of which: provider.provision + saveNodes`, percentile(pick(seqOk, (x) => x.provisionMs), 50), percentile(pick(seqOk, (x) => x.provisionMs), 95), undefined, '', '');
    row(`concurrent request→ready, client (n=${con.length}/${N_CONCURRENT})`, percentile(con, 50), percentile(con, 95), has(con) ? conMax : undefined, '≤ 10.000 s', `all ready within 10 s: ${allWithin === undefined ? 'n/a' : allWithin ? 'yes' : 'no'}  ${verdict(allWithin)}`);
    row(`bare network+create+start+docker info (n=${bareTotal.length})`, bareP50, percentile(bareTotal, 95), has(bareTotal) ? Math.max(...bareTotal) : undefined, '', BARE_MIRROR ? 'with registry mirror' : 'no registry mirror');
    row(`  of which: inner docker info (exec)`, percentile(pick(bareOk, (x) => x.daemonMs), 50), percentile(pick(bareOk, (x) => x.daemonMs), 95), undefined, '', '');
    const ratioText = Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a';
    console.log(`${pad('ratio cold p50 / bare p50', 52)}${pad(ratioText, 30)}${pad('≤ 1.50×', 14)}${Number.isFinite(ratio) ? verdict(ratio <= TARGET_RATIO) : 'n/a'}`);
    console.log('-'.repeat(110));
    printPhases([
      ['cold sequential (t0 = createdAt)', pick(seqOk, (x) => x.phases)],
      ['concurrent (t0 = createdAt)', pick(conOk, (x) => x.phases)],
      ['bare (t0 = before network create)', pick(bareOk, (x) => x.phases)],
    ]);
    const skipped = stack.workers.flatMap((w) => w.logs.split('\n')).filter((l) => l.includes('"provision skipped"') && l.includes('"missing"')).length;
    if (skipped) {
      console.log(
        `FINDING: ${skipped} provision job(s) ran before the lab's row was committed (worker log "provision skipped", status "missing"); ` +
          'such a lab stays pending until reconcile re-queues it (30-60 s)',
      );
    }
    console.log('-'.repeat(110));
    await run.noteForeign();
    console.log(
      run.foreignMax
        ? `WARNING: up to ${run.foreignMax} lab container(s) of other installations were running on this engine during the run: timings are skewed`
        : 'no other Labfleet labs were running on this engine during the run',
    );
    console.log(errors.length ? `ERRORS (${errors.length}):\n  ${errors.join('\n  ')}` : 'errors: none');
    return errors.length ? 1 : 0;
  }, () => `stack ${run.stack?.instance.instance ?? '(none)'} (${createdLabs.size} labs made), bare instance ${bareInstance}`);
}

void main().then((code) => process.exit(code));
