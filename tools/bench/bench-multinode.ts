/**
 * Multi-node lab benchmark: request→ready of the seed templates `docker` (1 node), `swarm-3`
 * (3 nodes) and `swarm-5` (5 nodes, its swarm formed by its set-up steps), cold (no pool), on the
 * single-host provider and on the Swarm provider, and the multi-node ones as a ratio of 1-node.
 *
 *   npm run bench:multinode      (build, then node dist/tools/bench/bench-multinode.js)
 *
 * 1. a real Swarm cluster on this machine (a manager and two workers, DinD engines on mutual TLS,
 *    the `SwarmTestCluster` the tests use) and two Labfleet stacks (real compiled API + worker
 *    each, confined labs: the default profile): LAB_PROVIDER=docker on the host engine, and
 *    LAB_PROVIDER=swarm on the cluster;
 * 2. per provider: one lab of each template as a warm-up (not counted: first connections, the
 *    host helper), then BENCH_LABS rounds (default 5) of one lab of each template, one lab at a
 *    time, the templates' order turning each round: POST, poll GET every 25 ms until ready, read
 *    its events, DELETE and wait until stopped;
 * 3. a metric | measured | target | met table: p50 ready per template and provider, swarm-3 / 1-node
 *    (target ≤ 1.5×) and swarm-5 / 1-node (≤ 2.5×) of the p50s; where the time goes (queue pickup,
 *    the provider's provision, the set-up steps, from the lab's events); one JSON line
 *    `BENCH_MULTINODE_SUMMARY {...}`.
 *
 * The templates are deploy/templates.json's with no `images` and both stacks run with
 * REGISTRY_MODE=off (a Swarm node here has no images to fill a mirror from), so both providers do
 * the same work. BENCH_SWARM=0 skips the Swarm provider (no cluster: minutes less), BENCH_DOCKER=0
 * the single-host one; BENCH_LAB_TIMEOUT_MS (default 240000) bounds each wait. Exits non-zero
 * only when something failed, never for a missed target. Everything it made is removed at the
 * end, also on Ctrl-C (a cluster still starting then is left; `SwarmTestCluster` labels it).
 * Network: loopback (the stacks' APIs), the Docker socket and the cluster's own network.
 */
import { count, describe, flag, loadavg, percentile, printMetricTable, sleep } from './bench-kit';
import { BenchRun } from './bench-run';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LabfleetStack, SwarmTestCluster } from '@labfleet/testing';

const N = count('BENCH_LABS', 5, 1);
const LAB_TIMEOUT_MS = count('BENCH_LAB_TIMEOUT_MS', 240_000, 1);
const WITH_DOCKER = flag('BENCH_DOCKER', true);
const WITH_SWARM = flag('BENCH_SWARM', true);
const POLL_MS = 25;
const TEMPLATES = ['docker', 'swarm-3', 'swarm-5'] as const;
type Template = (typeof TEMPLATES)[number];
const TARGETS: Partial<Record<Template, number>> = { 'swarm-3': 1.5, 'swarm-5': 2.5 };

interface Sample {
  clientMs: number;
  /** Lab created → provisioning (queue and worker pickup). */
  pickupMs?: number;
  /** The provider's provision (the nodes up and answering), from the ready event's detail. */
  provisionMs?: number;
  /** The template's set-up steps. */
  setupMs?: number;
}

interface ProviderRun {
  name: 'docker' | 'swarm';
  stack: LabfleetStack;
  samples: Record<Template, Sample[]>;
}

/** The seed templates, without images (no mirror to fill on a test cluster node). */
function templatesFile(): string {
  const seed = JSON.parse(readFileSync('deploy/templates.json', 'utf8')) as { templates: { name: string }[] };
  const templates = seed.templates.filter((t) => (TEMPLATES as readonly string[]).includes(t.name)).map((t) => ({ ...t, images: [] }));
  const file = join(tmpdir(), `labfleet-bench-multinode-${process.pid}.json`);
  writeFileSync(file, JSON.stringify({ templates }));
  return file;
}

async function readyOnce(stack: LabfleetStack, template: Template): Promise<Sample> {
  const { client } = stack;
  const t0 = performance.now();
  const created = await client.post('/api/v1/labs', { template });
  if (created.status !== 202) throw new Error(`POST /labs ${template}: ${created.status} ${JSON.stringify(created.body)}`);
  const id: string = created.body.id;
  try {
    for (;;) {
      const { body } = await client.get(`/api/v1/labs/${id}`);
      if (body.status === 'ready') break;
      if (body.status === 'failed') throw new Error(`lab ${id} (${template}) failed: ${body.failureReason}`);
      if (performance.now() - t0 > LAB_TIMEOUT_MS) throw new Error(`lab ${id} (${template}) not ready after ${LAB_TIMEOUT_MS / 1000} s`);
      await sleep(POLL_MS);
    }
    const sample: Sample = { clientMs: performance.now() - t0 };
    const events = await client.get(`/api/v1/labs/${id}/events`);
    if (events.status === 200 && Array.isArray(events.body)) {
      const at = (to: string) => events.body.find((e: any) => e.to === to);
      const [pending, provisioning, ready] = [at('pending'), at('provisioning'), at('ready')];
      if (pending && provisioning) sample.pickupMs = Date.parse(provisioning.at) - Date.parse(pending.at);
      if (typeof ready?.detail?.setupMs === 'number') sample.setupMs = ready.detail.setupMs;
      if (typeof ready?.detail?.provisionMs === 'number') sample.provisionMs = ready.detail.provisionMs - (sample.setupMs ?? 0);
    }
    return sample;
  } finally {
    await client.delete(`/api/v1/labs/${id}`);
    await client.waitForLab(id, ['stopped' as never], 120_000);
  }
}

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? 'n/a' : `${Math.round(v)} ms`);
const p50 = (xs: readonly (number | undefined)[]) => percentile(xs.filter((x): x is number => x !== undefined), 50);
const round = (v: number, digits = 0) => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : null);

async function main(): Promise<number> {
  const run = new BenchRun();
  const loadAtStart = loadavg();
  const file = templatesFile();
  run.removeLater(async () => rmSync(file, { force: true }));
  return run.main(async () => {
    const common = { REGISTRY_MODE: 'off', TEMPLATES_FILE: file };
    const providers: ProviderRun[] = [];
    const empty = () => ({ docker: [], 'swarm-3': [], 'swarm-5': [] });
    if (WITH_DOCKER) providers.push({ name: 'docker', stack: await run.startStack(common), samples: empty() });
    if (WITH_SWARM) {
      console.log('starting a 3-node Swarm cluster (a manager and two workers; each worker loads the lab image)...');
      const t0 = performance.now();
      const cluster = await SwarmTestCluster.start(2);
      run.removeLater(() => cluster.stop());
      console.log(`  cluster ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      providers.push({ name: 'swarm', stack: await run.startStack({ ...common, ...cluster.env() }), samples: empty() });
    }

    for (const p of providers) {
      console.log(`\n${p.name}: warm-up (one lab of each template, not counted), then ${N} rounds, one lab at a time`);
      for (const template of TEMPLATES) await readyOnce(p.stack, template);
      for (let round = 0; round < N; round++) {
        const order = TEMPLATES.map((_, i) => TEMPLATES[(i + round) % TEMPLATES.length]);
        for (const template of order) {
          run.throwIfStopping();
          await run.noteForeign();
          try {
            const x = await readyOnce(p.stack, template);
            p.samples[template].push(x);
            console.log(`  ${template.padEnd(8)} #${round + 1}: ready ${ms(x.clientMs)} (pickup ${ms(x.pickupMs)}, provision ${ms(x.provisionMs)}, set-up ${ms(x.setupMs)})`);
          } catch (e) {
            run.errors.push(`${p.name} ${template} #${round + 1}: ${describe(e)}`);
            console.log(`  ${template.padEnd(8)} #${round + 1}: ERROR ${describe(e)}`);
          }
        }
      }
    }

    const load = loadavg();
    type Row = [metric: string, measured: string, target: string, met: string];
    const rows: Row[] = [];
    const summary: Record<string, unknown> = {};
    const met: Record<string, boolean | null> = {};
    for (const p of providers) {
      const ready = Object.fromEntries(TEMPLATES.map((t) => [t, p50(p.samples[t].map((x) => x.clientMs))])) as Record<Template, number>;
      const ratios: Record<string, number | null> = {};
      for (const t of TEMPLATES) rows.push([`${p.name}: ${t} request→ready p50 (n=${p.samples[t].length})`, ms(ready[t]), '', '']);
      for (const t of TEMPLATES) {
        const target = TARGETS[t];
        if (target === undefined) continue;
        const ratio = ready[t] / ready.docker;
        ratios[t] = round(ratio, 2);
        met[`${p.name}:${t}`] = Number.isFinite(ratio) ? ratio <= target : null;
        rows.push([`${p.name}: ${t} / 1-node p50`, Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a', `≤ ${target.toFixed(2)}×`, met[`${p.name}:${t}`] === null ? 'n/a' : met[`${p.name}:${t}`] ? 'yes' : 'NO']);
      }
      summary[p.name] = {
        readyP50Ms: Object.fromEntries(TEMPLATES.map((t) => [t, round(ready[t])])),
        ratios,
        phasesP50Ms: Object.fromEntries(TEMPLATES.map((t) => [t, { pickup: round(p50(p.samples[t].map((x) => x.pickupMs))), provision: round(p50(p.samples[t].map((x) => x.provisionMs))), setup: round(p50(p.samples[t].map((x) => x.setupMs))) }])),
      };
    }

    console.log(`\n${'='.repeat(76)}`);
    console.log(`multi-node labs, cold, one at a time, ${N} per template and provider (p50: nearest rank; client poll ${POLL_MS} ms)`);
    console.log(`load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${load.map((l) => l.toFixed(2)).join(' ')}`);
    console.log('-'.repeat(76));
    printMetricTable(rows);
    console.log('-'.repeat(76));
    console.log('where the time goes (p50, from the lab events): pickup = created → provisioning; provision = the provider; set-up = the template steps');
    for (const p of providers) {
      for (const t of TEMPLATES) {
        const xs = p.samples[t];
        console.log(`  ${`${p.name} ${t}`.padEnd(16)} pickup ${ms(p50(xs.map((x) => x.pickupMs))).padStart(8)}  provision ${ms(p50(xs.map((x) => x.provisionMs))).padStart(8)}  set-up ${ms(p50(xs.map((x) => x.setupMs))).padStart(8)}`);
      }
    }
    console.log('-'.repeat(76));
    await run.printOutcome();
    console.log(
      `BENCH_MULTINODE_SUMMARY ${JSON.stringify({ bench: 'multinode', labs: N, ...summary, targets: TARGETS, met, load: { start: loadAtStart, end: load }, foreignLabs: run.foreignMax, errors: run.errors.length })}`,
    );
    return run.errors.length ? 1 : 0;
  }, () => `${run.describeStacks()}${WITH_SWARM ? ' and the Swarm test cluster' : ''}`);
}

void main().then((code) => process.exit(code));
