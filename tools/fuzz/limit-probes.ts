/**
 * The API's limits and its behaviour under slow or flooding clients, each while a normal request
 * (GET /api/v1/me as a student, on a new connection every 100 ms) is timed: it must keep answering
 * within MAX_NORMAL_MS. Connections and message loops are bounded in count and time, loopback only.
 */
import { Agent, maxHeaderSize } from 'node:http';
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import { eventually, LabfleetProcess, LabfleetStack } from '@labfleet/testing';
import { count, percentile, sleep } from '../bench/bench-kit';
import type { ProbeResult } from './fuzz-report';
import type { FuzzWorld } from './fuzz-world';
import { messageOf } from './fuzz-oracles';
import { sendRaw } from './raw-http';

const SLOW_CONNECTIONS = count('FUZZ_SLOW_CONNECTIONS', 200, 1);
const WS_MESSAGES = count('FUZZ_WS_MESSAGES', 20_000, 1);
/** The fuzz stack's slow-client timeouts (see STACK_SETTINGS in fuzz-api.ts). */
export const HEADERS_TIMEOUT_SECONDS = 3;
export const REQUEST_TIMEOUT_SECONDS = 5;
/** How long the slow clients are kept open while normal requests are timed: long enough to see the server cut slow bodies. */
const SLOW_SECONDS = Math.max(count('FUZZ_SLOW_SECONDS', 8, 1), REQUEST_TIMEOUT_SECONDS + 2);
const MAX_NORMAL_MS = 1000;

/**
 * Times GET /api/v1/me as a student (a new connection every 100 ms, from a thread of its own) until
 * `until` settles; the latencies and failures.
 */
async function timeNormalRequests<T>(world: FuzzWorld, until: Promise<T>): Promise<{ value: T; ms: number[]; failures: string[] }> {
  const worker = new Worker(join(__dirname, 'normal-requests.worker.js'), { workerData: { url: `${world.baseUrl}/api/v1/me`, authorization: `Bearer ${world.callers.student.token}` } });
  const report = new Promise<{ ms: number[]; failures: string[] }>((resolve, reject) => worker.once('message', resolve).once('error', reject));
  try {
    const value = await until;
    worker.postMessage('stop');
    return { value, ...(await report) };
  } finally {
    await worker.terminate();
  }
}

const latency = (ms: number[], failures: string[]) =>
  `normal requests: ${ms.length} answered, p50 ${percentile(ms, 50).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms${failures.length ? `, ${failures.length} failed (${failures.slice(0, 3).join(', ')})` : ''}`;
const responsive = (ms: number[], failures: string[]) => ms.length > 0 && failures.length === 0 && Math.max(...ms) <= MAX_NORMAL_MS;

async function bodyLimits(world: FuzzWorld): Promise<ProbeResult> {
  const host = new URL(world.baseUrl).host;
  const agent = new Agent();
  const send = (target: string, type: string, bytes: Buffer, token?: string | null) =>
    sendRaw(world.baseUrl, { method: target.includes('/files') ? 'PUT' : 'POST', target, headers: [['Host', host], ['Content-Type', type], ['Content-Length', String(bytes.length)], ...(token ? [['Authorization', `Bearer ${token}`] as const] : [])], body: bytes, variant: 'limit' }, agent);
  const lab = world.own.lab[0];
  // Trailing spaces are valid JSON: a body of exactly `bytes` bytes.
  const login = (bytes: number) => send('/api/v1/auth/login', 'application/json', Buffer.from(JSON.stringify({ email: 'a@example.test', password: 'x' }).padEnd(bytes, ' ')));
  const atLimit = await login(100 * 1024);
  const cases = [
    { what: 'JSON 100 kB + 1', answer: await login(100 * 1024 + 1) },
    { what: 'CSV 1 MB + 1', answer: await send(`/api/v1/courses/${world.own.course[0]}/roster`, 'text/csv', Buffer.alloc(1024 * 1024 + 1, 'a'), world.callers.teacher.token) },
    { what: 'file 50 MB + 1', answer: await send(`/api/v1/labs/${lab}/files?path=/tmp/big`, 'application/octet-stream', Buffer.alloc(50 * 1024 * 1024 + 1), world.callers.student.token) },
  ];
  agent.destroy();
  const ok = cases.every((c) => c.answer.status === 413 && messageOf(c.answer.body)) && atLimit.status === 401;
  return { name: 'request body size limits', ok, detail: [`JSON of exactly 100 kB → ${atLimit.status} (read)`, ...cases.map((c) => `${c.what} → ${c.answer.status || c.answer.error} ${messageOf(c.answer.body) ?? ''}`)].join('; ') };
}

/** Node's header limit (16 KiB by default, --max-http-header-size) answers 431, and the API goes on. */
async function headerLimits(world: FuzzWorld): Promise<ProbeResult> {
  const host = new URL(world.baseUrl).host;
  const agent = new Agent();
  const withHeader = (bytes: number) => sendRaw(world.baseUrl, { method: 'GET', target: '/health', headers: [['Host', host], ['X-Fuzz', 'h'.repeat(bytes)]], body: null, variant: 'limit' }, agent);
  const under = await withHeader(maxHeaderSize - 200);
  const over = await withHeader(maxHeaderSize + 1);
  const huge = await withHeader(1024 * 1024);
  const many = await sendRaw(world.baseUrl, { method: 'GET', target: '/health', headers: [['Host', host], ...Array.from({ length: 3000 }, (_, i) => [`X-${i}`, '1'] as const)], body: null, variant: 'limit' }, agent);
  agent.destroy();
  const ok = under.status === 200 && over.status === 431 && !!messageOf(over.body) && (huge.status === 431 || huge.status === 0) && many.status > 0 && many.status < 500;
  const show = (a: { status: number; error?: string; body: string }) => `${a.status || a.error}${a.status >= 400 ? ` ${messageOf(a.body) ?? JSON.stringify(a.body.slice(0, 60))}` : ''}`;
  return { name: `header size limit (Node's max-http-header-size: ${maxHeaderSize} bytes)`, ok, detail: `${maxHeaderSize - 200} bytes → ${show(under)}; ${maxHeaderSize + 1} → ${show(over)}; 1 MiB → ${show(huge)}; 3000 headers → ${show(many)}` };
}

/** A connection that sends its request head (or its body) a byte a second and never finishes. */
function slowClient(port: number, mode: 'headers' | 'body', closed: (ms: number, answer: string) => void): Socket {
  const started = performance.now();
  let answer = '';
  const socket = connect(port, '127.0.0.1', () => {
    socket.write(mode === 'headers' ? 'GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' : 'POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"email":"');
  });
  const drip = setInterval(() => socket.writable && socket.write('a'), 1000);
  socket.on('data', (d) => (answer += d.toString()));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    clearInterval(drip);
    closed(performance.now() - started, answer.split('\r\n')[0]);
  });
  return socket;
}

/**
 * A slowloris: SLOW_CONNECTIONS slow heads and slow bodies, each re-opened as soon as the server
 * cuts it (as an attacker would), so that many are open the whole time. They must not starve
 * others, and the server must cut each at its timeouts.
 */
async function slowloris(stack: LabfleetStack, world: FuzzWorld): Promise<ProbeResult> {
  const cut: { mode: string; ms: number; answer: string }[] = [];
  const open = new Map<Socket, { mode: 'headers' | 'body'; born: number }>();
  let attacking = true;
  const slot = (mode: 'headers' | 'body') => {
    const socket = slowClient(stack.port, mode, (ms, answer) => {
      open.delete(socket);
      if (!attacking) return;
      cut.push({ mode, ms, answer });
      slot(mode);
    });
    open.set(socket, { mode, born: performance.now() });
  };
  for (let i = 0; i < SLOW_CONNECTIONS; i++) slot(i % 2 ? 'body' : 'headers');
  let fewestOpen = SLOW_CONNECTIONS;
  const census = setInterval(() => (fewestOpen = Math.min(fewestOpen, open.size)), 250);
  try {
    const { ms, failures } = await timeNormalRequests(world, sleep(SLOW_SECONDS * 1000));
    // Any still open past its timeout (and the second the server takes to check) was not cut.
    const limitMs = (mode: 'headers' | 'body') => ((mode === 'headers' ? HEADERS_TIMEOUT_SECONDS : REQUEST_TIMEOUT_SECONDS) + 3) * 1000;
    const overdue = [...open.values()].filter((c) => performance.now() - c.born > limitMs(c.mode)).length;
    const heads = cut.filter((c) => c.mode === 'headers');
    const bodies = cut.filter((c) => c.mode === 'body');
    const maxS = (cs: typeof cut) => (cs.length ? Math.max(...cs.map((c) => c.ms)) / 1000 : NaN);
    const answers = [...new Set(cut.map((c) => c.answer || '(closed)'))].join(', ');
    // The server's own timeouts end them: heads after HEADERS_TIMEOUT_SECONDS, requests after REQUEST_TIMEOUT_SECONDS (checked each second).
    const cutInTime = heads.length > 0 && bodies.length > 0 && maxS(heads) <= HEADERS_TIMEOUT_SECONDS + 3 && maxS(bodies) <= REQUEST_TIMEOUT_SECONDS + 3;
    return {
      name: `slowloris: ${SLOW_CONNECTIONS} slow connections (slow heads and slow bodies, re-opened when cut) for ${SLOW_SECONDS} s`,
      ok: responsive(ms, failures) && cutInTime && overdue === 0,
      detail: `at least ${fewestOpen} open at any time; ${latency(ms, failures)}; cut by the server: ${heads.length} heads, each within ${maxS(heads).toFixed(1)} s, ${bodies.length} bodies within ${maxS(bodies).toFixed(1)} s (${answers})${overdue ? `; ${overdue} NOT cut in time` : ''}`,
    };
  } finally {
    attacking = false;
    clearInterval(census);
    for (const socket of open.keys()) socket.destroy();
  }
}

async function openTerminal(world: FuzzWorld): Promise<WebSocket> {
  const res = await fetch(`${world.baseUrl}/api/v1/labs/${world.own.lab[0]}/terminal`, { method: 'POST', headers: { authorization: `Bearer ${world.callers.student.token}`, 'content-type': 'application/json' }, body: '{}' });
  if (res.status !== 200) throw new Error(`terminal ticket: ${res.status} ${await res.text()}`);
  const { url } = (await res.json()) as { url: string };
  const ws = new WebSocket(`${world.baseUrl.replace('http', 'ws')}${url}`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return ws;
}

/** What the flood sends: keystrokes, resizes, and messages that are not what the terminal expects. */
function floodMessage(i: number): string | Buffer {
  const odd = ['null', '[]', '"input"', '{', '1e400', '{"type":"input"}', '{"type":"input","data":123}', '{"type":"input","data":null}', '{"type":"resize","cols":"x","rows":{}}', '{"type":"resize","cols":1e308,"rows":-5}', '{"type":"__proto__"}', '{"__proto__":{"type":"input"}}', '\u0000'];
  if (i < odd.length) return odd[i];
  if (i % 10 === 0) return JSON.stringify({ type: 'resize', cols: 20 + (i % 300), rows: 5 + (i % 100) });
  if (i % 97 === 0) return Buffer.from([0xff, 0x00, 0xfe]);
  if (i % 13 === 0) return odd[i % odd.length];
  return JSON.stringify({ type: 'input', data: i % 50 === 0 ? '\r' : 'x' });
}

/** Types `echo <marker>` (after a return, ending any half-typed line) on `ws` and resolves true once the marker comes back, false after 30 s. */
function echoes(ws: WebSocket, marker: string): Promise<boolean> {
  let screen = '';
  ws.on('message', (d) => (screen += d.toString()));
  ws.send(JSON.stringify({ type: 'input', data: `\recho ${marker}\r` }));
  return eventually(
    () => {
      if (!screen.includes(marker)) throw new Error('no echo yet');
    },
    { timeoutMs: 30_000, what: `the terminal to echo ${marker}` },
  ).then(
    () => true,
    () => false,
  );
}

/**
 * Many messages fast on a lab's terminal (keystrokes, resizes, malformed ones), then a frame over
 * the limit: the API stays up, answers others meanwhile, and the terminal still works. Normal
 * requests are timed until the flooded terminal has echoed a marker typed after the flood, so the
 * server's own work on the flood is inside the window.
 */
async function terminalFlood(world: FuzzWorld): Promise<ProbeResult> {
  const ws = await openTerminal(world);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  let floodMs = 0;
  const flood = (async () => {
    const t0 = performance.now();
    for (let i = 0; i < WS_MESSAGES && ws.readyState === WebSocket.OPEN; i++) {
      ws.send(floodMessage(i));
      // Let the socket drain now and then (a flood, not a client buffering gigabytes), and let the
      // timed requests of this same process run.
      if (ws.bufferedAmount > 1024 * 1024) await sleep(5);
      else if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    floodMs = performance.now() - t0;
    return ws.readyState === WebSocket.OPEN && echoes(ws, `fuzz-flooded-${world.tag}`);
  })();
  const { value: floodedEchoes, ms, failures } = await timeNormalRequests(world, flood);
  ws.close();
  await Promise.race([closed, sleep(5000)]);

  const big = await openTerminal(world);
  const bigClosed = new Promise<number>((resolve) => big.once('close', (code) => resolve(code)));
  big.send(JSON.stringify({ type: 'input', data: 'x'.repeat(2 * 1024 * 1024) }));
  const bigCode = await Promise.race([bigClosed, sleep(10_000).then(() => -1)]);
  big.terminate();

  // The terminal still works afterwards: a new one echoes what is typed.
  const after = await openTerminal(world);
  const echoed = await echoes(after, `fuzz-after-flood-${world.tag}`);
  after.close();
  const ok = responsive(ms, failures) && floodedEchoes && bigCode === 1009 && echoed;
  return {
    name: `terminal WebSocket flood: ${WS_MESSAGES} messages`,
    ok,
    detail:
      `sent in ${(floodMs / 1000).toFixed(1)} s, then the flooded terminal ${floodedEchoes ? 'echoed' : 'did NOT echo'} a marker; ${latency(ms, failures)}; ` +
      `a 2 MiB frame → close ${bigCode}; a new terminal ${echoed ? 'echoes' : 'does NOT echo'} afterwards`,
  };
}

/**
 * Each probe's outcome; a probe that throws is a failed probe, not a failed run. An API that died
 * goes into `dead` (its log is read at the end) and a new one is started.
 */
export async function runProbes(stack: LabfleetStack, world: FuzzWorld, dead: LabfleetProcess[]): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  const probes: [string, () => Promise<ProbeResult>][] = [
    ['request body size limits', () => bodyLimits(world)],
    ['header size limit', () => headerLimits(world)],
    ['slowloris', () => slowloris(stack, world)],
    ['terminal WebSocket flood', () => terminalFlood(world)],
  ];
  for (const [name, probe] of probes) {
    const t0 = Date.now();
    const result = await probe().catch((e: unknown): ProbeResult => ({ name, ok: false, detail: `the probe failed: ${e instanceof Error ? e.message : String(e)}` }));
    const alive = stack.api.running;
    results.push(alive ? result : { ...result, ok: false, detail: `${result.detail}; THE API DIED` });
    console.log(`  probe ${result.name}: ${alive && result.ok ? 'ok' : 'FAIL'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    if (!alive) {
      dead.push(stack.api);
      await stack.startApi();
    }
  }
  return results;
}
