/**
 * Multi-node lab benchmark: request→ready of a 1-node and a 3-node lab, on the single-host
 * provider and on the Swarm provider, side by side.
 *
 *   npm run bench:swarm          (build, then node dist/tools/bench/bench-swarm.js)
 *
 * 1. a real Swarm cluster on this machine (a manager and two workers, DinD engines on mutual TLS,
 *    the same `SwarmTestCluster` the tests use) and two Labfleet stacks (real compiled API +
 *    worker each): one with LAB_PROVIDER=docker on the host engine, one with LAB_PROVIDER=swarm;
 * 2. for each provider and template (`one`: 1 node, `three`: 3 nodes; same size per node), one
 *    lab at a time, BENCH_LABS times (default 5): POST, poll GET every 25 ms until ready, DELETE;
 *    the first lab of each provider is a warm-up and is not counted;
 * 3. a table: p50 and max per provider and template, and the 3-node/1-node ratio of the p50s
 *    (target ≤ 2×), plus the host's load.
 *
 * Both stacks run with REGISTRY_MODE=off (nodes start no image mirror; a Swarm node here has no
 * images to fill one from), so the two providers do the same work. Exits non-zero only when
 * something failed, never for a missed target. Everything it made is removed in `finally`, also on
 * Ctrl-C. Network: loopback (the stacks' APIs), the Docker socket and the cluster's own network.
 */
import { cleanUpOnSignal, count, describe, loadavg, percentile } from './bench-kit';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LabfleetStack, SwarmTestCluster } from '@labfleet/testing';

const N = count('BENCH_LABS', 5, 1);
const TARGET_RATIO = 2;
const TEMPLATES = {
  templates: [
    { name: 'one', description: 'one node', nodes: 1, cpus: 1, memoryMb: 1024, pidsLimit: 512, ttlSeconds: 3600, images: [] },
    { name: 'three', description: 'three nodes', nodes: 3, cpus: 1, memoryMb: 1024, pidsLimit: 512, ttlSeconds: 3600, images: [] },
  ],
};

async function readyMs(stack: LabfleetStack, template: string): Promise<number> {
  const t0 = performance.now();
  const created = await stack.client.post('/api/v1/labs', { template });
  if (created.status !== 202) throw new Error(`POST /labs ${template}: ${created.status} ${JSON.stringify(created.body)}`);
  for (;;) {
    const { body } = await stack.client.get(`/api/v1/labs/${created.body.id}`);
    if (body.status === 'ready') break;
    if (body.status === 'failed') throw new Error(`lab ${body.id} (${template}) failed: ${body.failureReason}`);
    if (performance.now() - t0 > 120_000) throw new Error(`lab ${body.id} (${template}) not ready after 120 s`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const ms = performance.now() - t0;
  await stack.client.delete(`/api/v1/labs/${created.body.id}`);
  await stack.client.waitForLab(created.body.id, ['stopped' as never], 60_000);
  return ms;
}

async function main(): Promise<void> {
  const made: { cluster?: SwarmTestCluster; stacks: LabfleetStack[] } = { stacks: [] };
  const cleanup = async () => {
    for (const stack of made.stacks) await stack.stop().catch(() => undefined);
    await made.cluster?.stop().catch(() => undefined);
  };
  cleanUpOnSignal(cleanup);
  try {
    const templatesFile = join(tmpdir(), `labfleet-bench-swarm-${process.pid}.json`);
    writeFileSync(templatesFile, JSON.stringify(TEMPLATES));
    console.log('starting a 3-node Swarm cluster (manager + 2 workers) and two stacks...');
    const t0 = performance.now();
    made.cluster = await SwarmTestCluster.start(2);
    console.log(`  cluster ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const common = { REGISTRY_MODE: 'off', TEMPLATES_FILE: templatesFile };
    const providers = [
      { name: 'docker (single host)', stack: await LabfleetStack.start(common) },
      { name: 'swarm (3-node cluster)', stack: await LabfleetStack.start({ ...common, ...made.cluster.env() }) },
    ];
    made.stacks.push(...providers.map((p) => p.stack));

    const rows: { provider: string; one: number[]; three: number[] }[] = [];
    for (const { name, stack } of providers) {
      await readyMs(stack, 'one'); // warm-up: first connections, first network on each engine
      const row = { provider: name, one: [] as number[], three: [] as number[] };
      for (let i = 0; i < N; i++) {
        row.one.push(await readyMs(stack, 'one'));
        row.three.push(await readyMs(stack, 'three'));
      }
      rows.push(row);
      console.log(`  ${name}: done`);
    }

    const ms = (v: number) => `${Math.round(v)} ms`;
    console.log(`\nrequest→ready, one lab at a time, ${N} labs each (load1 now ${loadavg()[0].toFixed(2)})`);
    console.log('| provider | 1-node p50 | 1-node max | 3-node p50 | 3-node max | 3-node / 1-node | target ≤ 2× |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of rows) {
      const ratio = percentile(r.three, 50) / percentile(r.one, 50);
      console.log(`| ${r.provider} | ${ms(percentile(r.one, 50))} | ${ms(Math.max(...r.one))} | ${ms(percentile(r.three, 50))} | ${ms(Math.max(...r.three))} | ${ratio.toFixed(2)}× | ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'} |`);
    }
    const summary = Object.fromEntries(rows.map((r) => [r.provider.split(' ')[0], { oneP50Ms: Math.round(percentile(r.one, 50)), threeP50Ms: Math.round(percentile(r.three, 50)) }]));
    console.log(`BENCH_SWARM_SUMMARY ${JSON.stringify(summary)}`);
  } finally {
    await cleanup();
  }
}

main().catch((e) => {
  console.error(`bench:swarm failed: ${describe(e)}`);
  process.exit(1);
});
