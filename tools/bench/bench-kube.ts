/**
 * Kubernetes benchmark, on a real cluster: how long the worker's Kubernetes provider takes to make
 * a lab ready (place, then provision: what the worker runs for a pending lab), against a bare
 * privileged DinD pod applied with `kubectl`; how long a lab waits from the moment room frees up
 * on a full cluster; how long a lab takes to go.
 *
 *   LABFLEET_TEST_KUBECONFIG=/path/to/kubeconfig npm run bench:kube
 *
 * The cluster must have the lab images (`labfleet/lab:latest`, `labfleet/lab-dind:latest`) on its
 * nodes; nothing is pulled. Parts, one run each, one after the other:
 * 1. `docker` labs (1 node, confined, the built-in template's limits), BENCH_KUBE_LABS (default 5)
 *    times: request → ready (place + provision), then destroy → namespace gone;
 * 2. `swarm-3`-sized labs (3 nodes), BENCH_KUBE_LABS times, the same;
 * 3. bare: a privileged pod of `labfleet/lab-dind` with an emptyDir for /var/lib/docker, applied
 *    with `kubectl apply`, then `kubectl exec … until docker info`, BENCH_KUBE_LABS times;
 * 4. cluster full: two labs each reserving 60% of what `capacity()` reports; the first is made,
 *    the second waits (the scheduler's reason printed); the first is destroyed; time from the
 *    destroy call to the second lab ready (placement asked every 100 ms; the worker asks every 2 s).
 * Prints a table (p50, max) and one JSON line `BENCH_KUBE_SUMMARY {...}`. Everything it made is
 * removed at the end, also on Ctrl-C. Exits non-zero only when something failed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { loadConfig } from '@labfleet/config';
import { buildLabSpec, LabSpec } from '@labfleet/domain';
import { createKubeConfig, KubernetesProvider } from '@labfleet/provider-kubernetes';
import { cleanUpOnSignal, count, describe, percentile, sleep } from './bench-kit';
import { dockerTemplate } from './bench-labs';

const KUBECONFIG = process.env.LABFLEET_TEST_KUBECONFIG;
const N = count('BENCH_KUBE_LABS', 5, 1);
const INSTANCE = `bench-${randomUUID().slice(0, 8)}`;
const LAB_IMAGE = 'labfleet/lab:latest';
const run = promisify(execFile);
const kubectlEnv = { ...process.env, KUBECONFIG };
const kubectl = (args: string[]) => run('kubectl', args, { env: kubectlEnv });
const kubectlApply = (manifest: string) => execFileSync('kubectl', ['apply', '-f', '-'], { input: manifest, env: kubectlEnv });

const since = (t0: number) => performance.now() - t0;
const seconds = (ms: number) => (ms / 1000).toFixed(2);

/** The worker's provider as configured from the environment (the confined default), under an installation name of this run's own. */
function provider(): KubernetesProvider {
  const config = loadConfig({
    DATABASE_URL: 'postgres://unused/bench',
    REDIS_URL: 'redis://unused:6379',
    LABFLEET_ADMIN_TOKEN: 'bench-kube-unused-admin-token',
    LABFLEET_JWT_SECRET: 'bench-kube-unused-jwt-secret-of-32-chars',
    LAB_PROVIDER: 'kubernetes',
    LABFLEET_INSTANCE: INSTANCE,
    KUBECONFIG,
    KUBE_NAMESPACE_PREFIX: 'bench',
    LAB_READY_TIMEOUT_SECONDS: '180',
  });
  return new KubernetesProvider(createKubeConfig(KUBECONFIG), config);
}

/** A lab of a built-in template, as the worker builds it; `reservation` overrides what it reserves. */
function labSpec(template: 'docker' | 'swarm-3', reservation?: { cpus: number; memoryMb: number }): LabSpec {
  const t = dockerTemplate(template);
  const spec = buildLabSpec(randomUUID(), reservation ? { ...t, reservedCpus: reservation.cpus, reservedMemoryMb: reservation.memoryMb, cpus: Math.max(t.cpus, reservation.cpus) } : t, LAB_IMAGE);
  return { ...spec, images: [] };
}

/** Place until placed (as the worker does, every 2 s, here every 100 ms), then provision. */
async function makeReady(p: KubernetesProvider, spec: LabSpec): Promise<void> {
  for (let placement = await p.place(spec); !placement.placed; placement = await p.place(spec)) await sleep(100);
  await p.provision(spec);
}

async function labRounds(p: KubernetesProvider, template: 'docker' | 'swarm-3'): Promise<{ ready: number[]; gone: number[] }> {
  const ready: number[] = [];
  const gone: number[] = [];
  for (let i = 0; i < N; i++) {
    const spec = labSpec(template);
    let t0 = performance.now();
    await makeReady(p, spec);
    ready.push(since(t0));
    t0 = performance.now();
    await p.destroy(spec.labId);
    gone.push(since(t0));
    console.log(`  ${template} lab ${i + 1}/${N}: ready ${seconds(ready[i])} s, namespace gone ${seconds(gone[i])} s`);
  }
  return { ready, gone };
}

const barePod = (ns: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'labfleet.io/instance': INSTANCE } } },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'dind', namespace: ns },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [{ name: 'dind', image: 'labfleet/lab-dind:latest', imagePullPolicy: 'IfNotPresent', securityContext: { privileged: true }, volumeMounts: [{ name: 'docker', mountPath: '/var/lib/docker' }] }],
          volumes: [{ name: 'docker', emptyDir: {} }],
        },
      },
    ],
  });

async function bareRounds(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const ns = `${INSTANCE}-bare-${i}`;
    const t0 = performance.now();
    kubectlApply(barePod(ns));
    await kubectl(['-n', ns, 'wait', '--for=condition=Ready', 'pod/dind', '--timeout=180s']);
    await kubectl(['-n', ns, 'exec', 'dind', '--', 'sh', '-c', 'until docker info >/dev/null 2>&1; do sleep 0.05; done']);
    times.push(since(t0));
    console.log(`  bare privileged DinD pod ${i + 1}/${N}: docker info answers after ${seconds(times[i])} s`);
    await kubectl(['delete', 'namespace', ns, '--wait=true']);
  }
  return times;
}

async function clusterFull(p: KubernetesProvider): Promise<{ fromDestroy: number; reason: string }> {
  const capacity = await p.capacity();
  const big = { cpus: Math.round(capacity.cpus * 0.6 * 1000) / 1000, memoryMb: 256 };
  const [first, second] = [labSpec('docker', big), labSpec('docker', big)];
  await makeReady(p, first);
  const waiting = await p.place(second);
  if (waiting.placed) throw new Error(`the second lab was placed beside the first (capacity ${JSON.stringify(capacity)}): cannot measure a full cluster`);
  console.log(`  second lab waits: ${waiting.reason}`);
  const t0 = performance.now();
  const destroyed = p.destroy(first.labId);
  await makeReady(p, second);
  const fromDestroy = since(t0);
  await destroyed;
  await p.destroy(second.labId);
  return { fromDestroy, reason: waiting.reason };
}

async function main(): Promise<void> {
  if (!KUBECONFIG) throw new Error('set LABFLEET_TEST_KUBECONFIG to the kubeconfig of the cluster to measure');
  const p = provider();
  const cleanup = async () => {
    p.onModuleDestroy();
    await kubectl(['delete', 'namespace', '-l', `labfleet.io/instance=${INSTANCE}`, '--wait=false']).catch(() => undefined);
  };
  cleanUpOnSignal(cleanup);
  try {
    const version = (await kubectl(['version', '-o', 'json'])).stdout;
    console.log(`cluster: Kubernetes ${JSON.parse(version).serverVersion.gitVersion}, capacity for labs ${JSON.stringify(await p.capacity())}, ${N} runs each`);
    const one = await labRounds(p, 'docker');
    const three = await labRounds(p, 'swarm-3');
    const bare = await bareRounds();
    const full = await clusterFull(p);
    const row = (name: string, values: number[]) => console.log(`${name.padEnd(44)} ${seconds(percentile(values, 50)).padStart(6)} ${seconds(Math.max(...values)).padStart(6)}`);
    console.log(`\n${'metric (seconds)'.padEnd(44)} ${'p50'.padStart(6)} ${'max'.padStart(6)}`);
    row('docker lab: request → ready', one.ready);
    row('3-node lab: request → ready', three.ready);
    row('bare privileged DinD pod (kubectl apply)', bare);
    row('docker lab: delete → namespace gone', one.gone);
    row('3-node lab: delete → namespace gone', three.gone);
    row('cluster full: a lab ends → the waiting lab ready', [full.fromDestroy]);
    const summary = {
      dockerReadyP50: percentile(one.ready, 50),
      threeNodeReadyP50: percentile(three.ready, 50),
      bareP50: percentile(bare, 50),
      dockerOverBare: percentile(one.ready, 50) / percentile(bare, 50),
      threeOverOne: percentile(three.ready, 50) / percentile(one.ready, 50),
      deleteP50: percentile(one.gone, 50),
      fullToReady: full.fromDestroy,
    };
    console.log(`\nBENCH_KUBE_SUMMARY ${JSON.stringify(summary)}`);
  } finally {
    await cleanup();
  }
}

main().catch((e) => {
  console.error(`bench:kube failed: ${describe(e)}`);
  process.exit(1);
});
