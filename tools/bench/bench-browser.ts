/**
 * Browser features benchmark: how fast the in-browser terminal echoes a keystroke, and what the
 * port proxy adds to a request for a page a student's container publishes.
 *
 *   npm run bench:browser        (build, then node dist/tools/bench/bench-browser.js)
 *
 * 1. one Labfleet stack (real compiled API + worker, own DB, Redis prefix, instance label; the API
 *    on a free port); a school, a course and a student made through the API; the student starts a
 *    `docker` lab and, through the exec API, runs `docker run -d -p 8080:80 nginx` in it;
 * 2. terminal echo: the student's terminal WebSocket (POST /api/v1/labs/{id}/terminal → one-time
 *    ticket URL; tmux running bash in the lab node). At the prompt, after `stty sane`, one
 *    printable keystroke at a time ({"type":"input"} text frame); its latency is the time from
 *    the send until that character shows in the binary output frames after the previous position
 *    (escape sequences stripped). The next key goes once the echo came and >= BENCH_KEY_GAP_MS
 *    (default 20) after the previous send, so keys never batch. Ctrl-U clears the line after every
 *    50 keys (no wrapping) and at the end. BENCH_KEYS (default 200) measured, after 10 unmeasured.
 *    Then where the echo's time goes (BENCH_BREAKDOWN keys each, default 100; 0 skips it): the
 *    same keystrokes in rotating order to the API's terminal, to a second tmux session attached
 *    through the engine alone, and to a plain bash through the engine alone;
 * 3. port proxy: GET nginx's index.html (~600 B) BENCH_REQUESTS (default 200) times, after 20
 *    warm-up, through the proxy (`/labs/{id}/ports/8080/`, session cookie) and directly at the lab
 *    node's private address (`http://<nodes[0].address>:8080/`), each over its own keep-alive
 *    connection, interleaved A B B A so both see the same load; added latency = the p50 difference;
 *    then where the proxy's time goes (BENCH_BREAKDOWN rounds, default 100; 0 skips it): the
 *    proxy refusing before any database query (no cookie) and after authenticating and looking
 *    the lab up (an unknown lab id), next to the full proxied GET and the direct one;
 * 4. the host's load (/proc/loadavg, sampled every second, and CPU busy from /proc/stat) during
 *    each measurement, a table with targets (echo p99 <= 50 ms, proxy added p50 <= 5 ms) and a
 *    one-line JSON summary.
 *
 * BENCH_PORT_PROXY_ROUTE=engine runs the stack with PORT_PROXY_ROUTE=engine (each proxied request
 * a `socat` stream through the engine, as in the Compose deployment) instead of the default network.
 *
 * Network: only the API on 127.0.0.1 and the lab node this run created (on the lab network
 * Labfleet made for it). Exits non-zero only when something failed (the lab did not start, the
 * terminal did not echo, a request failed), never for a missed target. Everything it made is
 * removed in `finally`, also on Ctrl-C.
 */
import { count, describe, loadavg, percentile, sleep, text, printMetricTable } from './bench-kit';
import { DirectShell, KEYS_PER_LINE, LETTERS, LoadWatch, nginxLab, ProxyProbe, sessionCookie, Shell, Terminal, timedGet, typeKeys, WARMUP_KEYS } from './bench-probes';
import { BenchRun } from './bench-run';
import Docker from 'dockerode';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { inLab } from '@labfleet/domain';
import { TenantBuilder } from '@labfleet/testing';

const TARGET_ECHO_P99_MS = 50;
const TARGET_PROXY_ADDED_P50_MS = 5;
const WARMUP_REQUESTS = 20;

const N_KEYS = count('BENCH_KEYS', 200, 1);
const N_REQUESTS = count('BENCH_REQUESTS', 200, 1);
const KEY_GAP_MS = count('BENCH_KEY_GAP_MS', 20);
const LAB_TIMEOUT_MS = count('BENCH_LAB_TIMEOUT_MS', 180_000, 1);
const N_BREAKDOWN = count('BENCH_BREAKDOWN', 100);
const PORT_PROXY_ROUTE = text('BENCH_PORT_PROXY_ROUTE');

const docker = new Docker({ socketPath: '/var/run/docker.sock' });

// ---------------------------------------------------------------------------------------------
// Statistics, load, formatting

const max = (values: readonly number[]) => (values.length ? Math.max(...values) : NaN);
const ms = (v: number) => (Number.isNaN(v) ? 'n/a' : `${v.toFixed(2)} ms`);
const round2 = (v: number) => (Number.isNaN(v) ? null : Math.round(v * 100) / 100);

interface EchoResult {
  samples: number[];
  load: LoadWatch;
}

async function measureEcho(term: Shell): Promise<EchoResult> {
  await term.ready();
  await typeKeys(term, (i) => i < WARMUP_KEYS, KEY_GAP_MS);
  const load = new LoadWatch();
  const samples = await typeKeys(term, (i) => i < N_KEYS, KEY_GAP_MS);
  return { samples: samples.map((x) => x.ms), load: load.stop() };
}

/**
 * Where the echo's time goes: keystrokes in rotating order to the API's terminal (WebSocket → API
 * → engine → tmux → bash), to a second tmux session attached through the engine alone (no API),
 * and to a plain bash through the engine alone (no API, no tmux). All three see the same load.
 */
async function measureEchoBreakdown(shells: Record<string, Shell>, n: number): Promise<Record<string, number[]>> {
  const names = Object.keys(shells);
  const samples = Object.fromEntries(names.map((k) => [k, [] as number[]]));
  const typed = Object.fromEntries(names.map((k) => [k, 0]));
  for (const shell of Object.values(shells)) await shell.ready();
  for (let i = 0; i < n + WARMUP_KEYS; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length];
      const shell = shells[name];
      if (typed[name] === KEYS_PER_LINE) {
        shell.type('\x15');
        typed[name] = 0;
        await shell.settle(150);
      }
      const t0 = performance.now();
      const latency = await shell.keystroke(LETTERS[i % LETTERS.length]);
      typed[name]++;
      if (i >= WARMUP_KEYS) samples[name].push(latency);
      const wait = KEY_GAP_MS - (performance.now() - t0);
      if (wait > 0) await sleep(wait);
    }
  }
  for (const shell of Object.values(shells)) shell.type('\x15');
  return samples;
}

interface ProxyResult {
  proxy: number[];
  direct: number[];
  bytes: number;
  socketsProxy: number;
  socketsDirect: number;
  load: LoadWatch;
}

async function measureProxy(proxyUrl: string, directUrl: string, cookie: string): Promise<ProxyResult> {
  const probe = new ProxyProbe(proxyUrl, directUrl, cookie);
  try {
    await probe.rounds((i) => i < WARMUP_REQUESTS);
    const load = new LoadWatch();
    const { proxy, direct } = await probe.rounds((i) => i < N_REQUESTS);
    load.stop();
    const [socketsProxy, socketsDirect] = probe.sockets;
    return { proxy: proxy.map((x) => x.ms), direct: direct.map((x) => x.ms), bytes: probe.bytes, socketsProxy, socketsDirect, load };
  } finally {
    probe.close();
  }
}

type Probe = 'direct' | 'no credentials' | 'unknown lab' | 'proxy';
const PROBES: readonly Probe[] = ['direct', 'no credentials', 'unknown lab', 'proxy'];

/**
 * Where the proxy's time goes: the same page through the proxy (200), the proxy refusing it
 * before any database query (no cookie: 404), the proxy refusing it after authenticating and
 * looking the lab up (the cookie, a lab id that does not exist: 404), and the lab node directly.
 * Each over its own keep-alive connection, in rotating order.
 */
async function measureBreakdown(base: string, labId: string, cookie: string, directUrl: string, n: number): Promise<Record<Probe, number[]>> {
  const agents = Object.fromEntries(PROBES.map((p) => [p, new http.Agent({ keepAlive: true, maxSockets: 1 })])) as Record<Probe, http.Agent>;
  const requests: Record<Probe, [string, Record<string, string>, number]> = {
    direct: [directUrl, {}, 200],
    'no credentials': [`${base}/labs/${labId}/ports/8080/`, {}, 404],
    'unknown lab': [`${base}/labs/${randomUUID()}/ports/8080/`, { cookie }, 404],
    proxy: [`${base}/labs/${labId}/ports/8080/`, { cookie }, 200],
  };
  const samples = Object.fromEntries(PROBES.map((p) => [p, [] as number[]])) as Record<Probe, number[]>;
  const sockets = new Set<unknown>();
  try {
    for (let i = 0; i < n + 5; i++) {
      for (let k = 0; k < PROBES.length; k++) {
        const probe = PROBES[(i + k) % PROBES.length];
        const [url, headers, status] = requests[probe];
        const r = await timedGet(agents[probe], url, headers, sockets);
        if (r.status !== status) throw new Error(`${probe}: GET ${url}: HTTP ${r.status}, expected ${status}`);
        if (i >= 5) samples[probe].push(r.ms);
      }
    }
    return samples;
  } finally {
    for (const a of Object.values(agents)) a.destroy();
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const tag = randomBytes(3).toString('hex');
  let term: Terminal | undefined;
  const bench = new BenchRun(() => term?.close());
  const { errors } = bench;

  const machine = `host: nproc ${os.availableParallelism?.() ?? os.cpus().length} (${os.cpus()[0]?.model ?? '?'}), RAM ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`;
  let echo: EchoResult | undefined;
  let proxied: ProxyResult | undefined;
  let breakdown: Record<string, number | null> | undefined;
  let echoBreakdown: Record<string, { p50: number | null; p99: number | null }> | undefined;
  const loadAtStart = loadavg();
  return bench.main(async () => {
    console.log(machine);
    console.log(`load at start (/proc/loadavg 1/5/15 min): ${loadAtStart.join(' ')}`);

    // 1. the stack, a student and a lab publishing nginx on 8080
    const t = performance.now();
    const stack = await bench.startStack(PORT_PROXY_ROUTE ? { PORT_PROXY_ROUTE } : {});
    const base = stack.client.baseUrl;
    console.log(`stack: instance ${stack.instance.instance}, API ${base}, started in ${((performance.now() - t) / 1000).toFixed(1)} s (logs: test-artifacts/${stack.instance.instance}-*.log)`);
    const builder = new TenantBuilder(stack.client);
    const school = await builder.school(`bench-${tag}`);
    const course = await builder.course(school.id, 'Bench');
    const { student, labId, address } = await nginxLab(stack, school.id, course.id, `bench-${tag}@example.test`, LAB_TIMEOUT_MS);
    await bench.noteForeign();

    // 2. terminal echo
    term = await Terminal.open(base, student, labId);
    await term.waitFor(/# /);
    console.log(`\nterminal echo: ${N_KEYS} keystrokes (after ${WARMUP_KEYS} unmeasured), one at a time, >= ${KEY_GAP_MS} ms apart, Ctrl-U every ${KEYS_PER_LINE}`);
    try {
      echo = await measureEcho(term);
      console.log(
        `  p50 ${ms(percentile(echo.samples, 50))}, p90 ${ms(percentile(echo.samples, 90))}, p99 ${ms(percentile(echo.samples, 99))}, max ${ms(max(echo.samples))}  | ${echo.load.describe()}`,
      );
    } catch (e) {
      errors.push(`terminal echo: ${describe(e)}`);
      console.log(`  ERROR ${describe(e)}`);
    }
    if (N_BREAKDOWN > 0 && echo) {
      console.log(`\nwhere the echo's time goes: ${N_BREAKDOWN} keystrokes each (after ${WARMUP_KEYS}), rotating order, same pacing (p50 / p90 / p99 ms)`);
      const direct: Shell[] = [];
      try {
        const [node] = await docker.listContainers({
          filters: { label: [`labfleet.instance=${stack.instance.instance}`, `labfleet.lab-id=${labId}`, 'labfleet.role=lab'], name: ['node1'] },
        });
        if (!node) throw new Error(`no node1 container for lab ${labId}`);
        const container = docker.getContainer(node.Id);
        // Into the lab as every command of Labfleet's (lab-enter), not the container's own root.
        const tmux = await DirectShell.open(container, inLab(['sh', '-c', 'tmux -u new-session -d -s bench -x 100 -y 30 "bash -l" \\; set -t bench status off; exec tmux -u attach -t bench']));
        direct.push(tmux);
        const bash = await DirectShell.open(container, inLab(['bash', '-l']));
        direct.push(bash);
        const b = await measureEchoBreakdown({ 'API terminal': term, 'engine + tmux': tmux, 'engine + bash': bash }, N_BREAKDOWN);
        const what: Record<string, string> = {
          'API terminal': 'WebSocket → API → engine exec → tmux client/server → bash, and back',
          'engine + tmux': 'the same tmux path through the engine alone (no API, no WebSocket)',
          'engine + bash': 'bash on a TTY through the engine alone (no API, no tmux)',
        };
        for (const [k, v] of Object.entries(b)) {
          console.log(`  ${k.padEnd(14)} ${[50, 90, 99].map((p) => percentile(v, p).toFixed(2).padStart(7)).join(' /')}  ${what[k]}`);
        }
        const p50 = (k: string) => percentile(b[k], 50);
        console.log(
          `  p50 differences: API + WebSocket ${(p50('API terminal') - p50('engine + tmux')).toFixed(2)} ms, tmux ${(p50('engine + tmux') - p50('engine + bash')).toFixed(2)} ms, ` +
            `engine exec + bash ${p50('engine + bash').toFixed(2)} ms`,
        );
        echoBreakdown = Object.fromEntries(Object.entries(b).map(([k, v]) => [k, { p50: round2(percentile(v, 50)), p99: round2(percentile(v, 99)) }]));
      } catch (e) {
        errors.push(`echo breakdown: ${describe(e)}`);
        console.log(`  ERROR ${describe(e)}`);
      } finally {
        direct.forEach((d) => d.close());
      }
    }
    term.close();
    await bench.noteForeign();

    // 3. the port proxy against the lab node directly
    const cookie = await sessionCookie(base, student);
    const proxyUrl = `${base}/labs/${labId}/ports/8080/`;
    const directUrl = `http://${address}:8080/`;
    console.log(`\nport proxy: GET ${proxyUrl} vs ${directUrl}, ${N_REQUESTS} each (after ${WARMUP_REQUESTS} warm-up), interleaved, one keep-alive connection each`);
    try {
      proxied = await measureProxy(proxyUrl, directUrl, cookie);
      const p = proxied;
      console.log(`  proxy  p50 ${ms(percentile(p.proxy, 50))}, p90 ${ms(percentile(p.proxy, 90))}, p99 ${ms(percentile(p.proxy, 99))}, max ${ms(max(p.proxy))}`);
      console.log(`  direct p50 ${ms(percentile(p.direct, 50))}, p90 ${ms(percentile(p.direct, 90))}, p99 ${ms(percentile(p.direct, 99))}, max ${ms(max(p.direct))}`);
      console.log(`  body ${p.bytes} B; TCP connections opened: proxy ${p.socketsProxy}, direct ${p.socketsDirect}  | ${p.load.describe()}`);
    } catch (e) {
      errors.push(`port proxy: ${describe(e)}`);
      console.log(`  ERROR ${describe(e)}`);
    }
    if (N_BREAKDOWN > 0) {
      console.log(`\nwhere the proxy's time goes: ${N_BREAKDOWN} rounds (after 5), rotating order, one keep-alive connection per kind (p50 / p90 ms)`);
      try {
        const b = await measureBreakdown(base, labId, cookie, directUrl, N_BREAKDOWN);
        const p50 = (k: Probe) => percentile(b[k], 50);
        const line = (k: Probe, what: string) => console.log(`  ${k.padEnd(15)} ${p50(k).toFixed(2).padStart(7)} / ${percentile(b[k], 90).toFixed(2).padStart(7)}  ${what}`);
        line('direct', 'the lab node itself');
        line('no credentials', 'API: HTTP in + out, the proxy refuses before any database query (404)');
        line('unknown lab', 'API: + authenticate (user, memberships) + lab lookup: 3 sequential queries (404)');
        line('proxy', 'API: + the request to the lab node and the answer piped back (200)');
        console.log(
          `  p50 differences: HTTP hop through the API ${(p50('no credentials')).toFixed(2)} ms, auth + lab lookup ${(p50('unknown lab') - p50('no credentials')).toFixed(2)} ms, ` +
            `upstream leg ${(p50('proxy') - p50('unknown lab')).toFixed(2)} ms (direct alone ${p50('direct').toFixed(2)} ms)`,
        );
        breakdown = Object.fromEntries(PROBES.map((k) => [k, round2(percentile(b[k], 50))]));
      } catch (e) {
        errors.push(`proxy breakdown: ${describe(e)}`);
        console.log(`  ERROR ${describe(e)}`);
      }
    }
    await bench.noteForeign();

    // 4. the table
    const loadAtEnd = loadavg();
    const echoP99 = echo ? percentile(echo.samples, 99) : NaN;
    const proxyP50 = proxied ? percentile(proxied.proxy, 50) : NaN;
    const directP50 = proxied ? percentile(proxied.direct, 50) : NaN;
    const added = proxyP50 - directP50;
    const met = (v: number, target: number) => (Number.isNaN(v) ? 'n/a' : v <= target ? 'yes' : 'NO');
    const rows: [string, string, string, string][] = [
      [`terminal echo p50 (n=${echo?.samples.length ?? 0})`, ms(echo ? percentile(echo.samples, 50) : NaN), '', ''],
      ['terminal echo p90', ms(echo ? percentile(echo.samples, 90) : NaN), '', ''],
      ['terminal echo p99', ms(echoP99), `≤ ${TARGET_ECHO_P99_MS} ms`, met(echoP99, TARGET_ECHO_P99_MS)],
      ['terminal echo max', ms(echo ? max(echo.samples) : NaN), '', ''],
      [`proxy GET p50 (n=${proxied?.proxy.length ?? 0})`, ms(proxyP50), '', ''],
      ['proxy GET p99', ms(proxied ? percentile(proxied.proxy, 99) : NaN), '', ''],
      [`direct GET p50 (n=${proxied?.direct.length ?? 0})`, ms(directP50), '', ''],
      ['direct GET p99', ms(proxied ? percentile(proxied.direct, 99) : NaN), '', ''],
      ['proxy added latency (p50 proxy − p50 direct)', ms(added), `≤ ${TARGET_PROXY_ADDED_P50_MS} ms`, met(added, TARGET_PROXY_ADDED_P50_MS)],
      ['host load1 during echo', echo ? `${echo.load.summary.load1Min.toFixed(2)}–${echo.load.summary.load1Max.toFixed(2)}` : 'n/a', '', ''],
      ['host load1 during proxy', proxied ? `${proxied.load.summary.load1Min.toFixed(2)}–${proxied.load.summary.load1Max.toFixed(2)}` : 'n/a', '', ''],
    ];
    console.log(`\n${'='.repeat(86)}`);
    console.log('Labfleet browser features   percentiles: nearest rank');
    console.log(machine);
    console.log(`load (1/5/15 min): start ${loadAtStart.join(' ')}, end ${loadAtEnd.join(' ')}`);
    console.log('-'.repeat(86));
    printMetricTable(rows);
    console.log('-'.repeat(86));
    await bench.printOutcome();
    const summary = {
      bench: 'browser',
      echoMs: echo ? { n: echo.samples.length, p50: round2(percentile(echo.samples, 50)), p90: round2(percentile(echo.samples, 90)), p99: round2(echoP99), max: round2(max(echo.samples)) } : null,
      proxyMs: proxied ? { n: proxied.proxy.length, p50: round2(proxyP50), p99: round2(percentile(proxied.proxy, 99)) } : null,
      directMs: proxied ? { n: proxied.direct.length, p50: round2(directP50), p99: round2(percentile(proxied.direct, 99)) } : null,
      echoBreakdownMs: echoBreakdown ?? null,
      proxyAddedP50Ms: round2(added),
      proxyBreakdownP50Ms: breakdown ?? null,
      targets: { echoP99Ms: TARGET_ECHO_P99_MS, proxyAddedP50Ms: TARGET_PROXY_ADDED_P50_MS },
      met: { echoP99: Number.isNaN(echoP99) ? null : echoP99 <= TARGET_ECHO_P99_MS, proxyAddedP50: Number.isNaN(added) ? null : added <= TARGET_PROXY_ADDED_P50_MS },
      load: {
        start: loadAtStart,
        end: loadAtEnd,
        echo: echo ? { ...echo.load.summary, cpuBusy: round2(echo.load.summary.cpuBusy) } : null,
        proxy: proxied ? { ...proxied.load.summary, cpuBusy: round2(proxied.load.summary.cpuBusy) } : null,
      },
      nproc: os.availableParallelism?.() ?? os.cpus().length,
      foreignLabs: bench.foreignMax,
      errors: errors.length,
    };
    console.log(`SUMMARY ${JSON.stringify(summary)}`);
    return errors.length ? 1 : 0;
  }, () => bench.describeStacks());
}

void main().then((code) => process.exit(code));
