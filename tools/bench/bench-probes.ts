/**
 * What the browser-feature benchmarks (bench:browser, bench:under-load) share: the student's
 * terminal and a shell through the engine alone, timed keystrokes, the port proxy's timed GETs next
 * to the lab node's own, the lab they run on (nginx published on port 8080), and host load.
 */
import { loadavg, sleep } from './bench-kit';
import type Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { LabStatus } from '@labfleet/contracts';
import { LabfleetStack, Person, TenantBuilder } from '@labfleet/testing';

export const WARMUP_KEYS = 10;
export const KEYS_PER_LINE = 50;
export const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const ECHO_TIMEOUT_MS = 5000;

// ---------------------------------------------------------------------------------------------
// Host load

/** Jiffies of all CPUs: total and idle (idle + iowait). */
export function cpuTimes(): { total: number; idle: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { total: fields.reduce((a, b) => a + b, 0), idle: fields[3] + (fields[4] ?? 0) };
}

/** /proc/loadavg every second and CPU busy share over one phase of the run. */
export class LoadWatch {
  private readonly samples: number[] = [];
  private readonly cpu0 = cpuTimes();
  private readonly timer: NodeJS.Timeout;
  private cpuBusy = NaN;
  constructor() {
    this.samples.push(loadavg()[0]);
    this.timer = setInterval(() => this.samples.push(loadavg()[0]), 1000);
  }
  stop(): this {
    clearInterval(this.timer);
    this.samples.push(loadavg()[0]);
    const cpu1 = cpuTimes();
    const total = cpu1.total - this.cpu0.total;
    this.cpuBusy = total > 0 ? 1 - (cpu1.idle - this.cpu0.idle) / total : NaN;
    return this;
  }
  get summary() {
    return { load1Min: Math.min(...this.samples), load1Max: Math.max(...this.samples), cpuBusy: this.cpuBusy };
  }
  describe(): string {
    const s = this.summary;
    return `load1 ${s.load1Min.toFixed(2)}–${s.load1Max.toFixed(2)}, CPU busy ${(s.cpuBusy * 100).toFixed(0)}% of ${os.availableParallelism?.() ?? os.cpus().length} CPUs`;
  }
}



// ---------------------------------------------------------------------------------------------
// The terminal

// CSI (ESC [ params intermediates final), OSC (ESC ] ... BEL or ESC \), charset and other 2-byte escapes.
export const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()*+][0-~]|\x1b[ -/]*[0-~]/g;
/** An escape sequence cut off at the end of what arrived so far: its final byte is still to come. */
export const PARTIAL_ESCAPE = /\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|[()*+]|[ -/]*)?$/;

/** A shell that gets keystrokes and gives output back, with the arrival time of every chunk. */
export abstract class Shell {
  output = '';
  closed = false;
  private waiter?: { from: number; char: string; resolve: (at: number) => void };

  protected abstract send(data: string): void;
  abstract close(): void;

  /** Called with every output chunk as it arrives. */
  protected received(chunk: Buffer): void {
    const at = performance.now();
    this.output += chunk.toString();
    const w = this.waiter;
    if (!w) return;
    const text = this.output.slice(w.from).replace(ESCAPES, '').replace(PARTIAL_ESCAPE, '');
    if (text.includes(w.char)) {
      this.waiter = undefined;
      w.resolve(at);
    }
  }

  type(data: string): void {
    this.send(data);
  }

  /** Sends one character; resolves with the ms until it shows in the output after what was there before. */
  async keystroke(char: string): Promise<number> {
    const from = this.output.length;
    const echoed = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no echo of '${char}' within ${ECHO_TIMEOUT_MS} ms; output since: ${JSON.stringify(this.output.slice(from, from + 200))}`));
      }, ECHO_TIMEOUT_MS);
      this.waiter = { from, char, resolve: (at) => (clearTimeout(timer), resolve(at)) };
    });
    const sent = performance.now();
    this.send(char);
    return (await echoed) - sent;
  }

  async waitFor(text: string | RegExp, timeoutMs = 30_000): Promise<void> {
    const started = Date.now();
    while (typeof text === 'string' ? !this.output.includes(text) : !text.test(this.output)) {
      if (this.closed) throw new Error(`terminal closed while waiting for ${text}`);
      if (Date.now() - started > timeoutMs) throw new Error(`terminal did not show ${text}; got:\n${this.output.slice(-1500)}`);
      await sleep(20);
    }
  }

  /** Waits until no output arrived for `quietMs`. */
  async settle(quietMs = 250, timeoutMs = 10_000): Promise<void> {
    const started = Date.now();
    let length = -1;
    let since = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (this.output.length !== length) {
        length = this.output.length;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) return;
      await sleep(10);
    }
  }

  /** `stty sane` (echo on), then waits for the prompt to come back and the screen to settle. */
  async ready(): Promise<void> {
    this.type('stty sane; echo bench-$((6*7))-ready\r');
    await this.waitFor('bench-42-ready');
    await this.settle();
  }
}

/** The student's terminal: the API's WebSocket, tmux running bash in the lab node. */
export class Terminal extends Shell {
  private constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (data, binary) => binary && this.received(data as Buffer));
    ws.on('close', () => (this.closed = true));
  }

  static async open(base: string, person: Person, labId: string): Promise<Terminal> {
    const ticket = await person.client.post(`/api/v1/labs/${labId}/terminal`, {});
    if (ticket.status !== 200) throw new Error(`terminal ticket: HTTP ${ticket.status} ${JSON.stringify(ticket.body)}`);
    const ws = new WebSocket(`${base.replace('http', 'ws')}${ticket.body.url}&cols=100&rows=30`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new Terminal(ws);
  }

  protected send(data: string): void {
    this.ws.send(JSON.stringify({ type: 'input', data }));
  }

  close(): void {
    this.ws.close();
  }
}

/** A command with a TTY in the lab node through the engine alone (as the provider attaches it, minus the API). */
export class DirectShell extends Shell {
  private constructor(private readonly stream: Duplex) {
    super();
    stream.on('data', (chunk: Buffer) => this.received(chunk));
    stream.on('close', () => (this.closed = true));
    stream.on('error', () => (this.closed = true));
  }

  static async open(container: Docker.Container, command: string[]): Promise<DirectShell> {
    const exec = await container.exec({ Cmd: command, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true, Env: ['TERM=xterm-256color', 'LANG=C.UTF-8'] });
    const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as Duplex;
    await exec.resize({ w: 100, h: 30 }).catch(() => undefined);
    return new DirectShell(stream);
  }

  protected send(data: string): void {
    this.stream.write(data);
  }

  close(): void {
    this.stream.destroy();
  }
}


// ---------------------------------------------------------------------------------------------
// The port proxy

/** One GET over `agent`; resolves with the ms from request to the last body byte. */
export function timedGet(agent: http.Agent, url: string, headers: Record<string, string>, sockets: Set<unknown>): Promise<{ ms: number; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(url, { agent, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('socket', (socket) => sockets.add(socket));
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', reject);
  });
}


/** One sample: when it was sent (performance.now()) and how long it took, ms. */
export interface Timed {
  readonly at: number;
  readonly ms: number;
}

/** Ctrl-U: kills the line typed so far, then waits for the screen to settle. */
async function clearLine(term: Shell): Promise<void> {
  term.type('\x15');
  await term.settle(150);
}

/**
 * Types one letter at a time while `more(i)` holds: the next goes once the echo came and `gapMs`
 * after the previous send (keys never batch); Ctrl-U every KEYS_PER_LINE keys and at the end.
 */
export async function typeKeys(term: Shell, more: (i: number) => boolean, gapMs: number): Promise<Timed[]> {
  const samples: Timed[] = [];
  let typedOnLine = 0;
  for (let i = 0; more(i); i++) {
    if (typedOnLine === KEYS_PER_LINE) {
      await clearLine(term);
      typedOnLine = 0;
    }
    const t0 = performance.now();
    samples.push({ at: t0, ms: await term.keystroke(LETTERS[i % LETTERS.length]) });
    typedOnLine++;
    const wait = gapMs - (performance.now() - t0);
    if (wait > 0) await sleep(wait);
  }
  await clearLine(term);
  return samples;
}

/** GETs through the port proxy and at the lab node directly, each over one keep-alive connection (as a browser tab re-using its own). */
export class ProxyProbe {
  private readonly proxyAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly directAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly proxySockets = new Set<unknown>();
  private readonly directSockets = new Set<unknown>();
  bytes = 0;

  constructor(
    private readonly proxyUrl: string,
    private readonly directUrl: string,
    private readonly cookie: string,
  ) {}

  private async get(which: 'proxy' | 'direct'): Promise<number> {
    const r = which === 'proxy' ? await timedGet(this.proxyAgent, this.proxyUrl, { cookie: this.cookie }, this.proxySockets) : await timedGet(this.directAgent, this.directUrl, {}, this.directSockets);
    if (r.status !== 200 || !r.body.includes('Welcome to nginx')) throw new Error(`${which} GET: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    this.bytes = r.body.length;
    return r.ms;
  }

  /** One proxied and one direct GET per round while `more(i)` holds, interleaved A B B A so both see the same load. */
  async rounds(more: (i: number) => boolean): Promise<{ proxy: Timed[]; direct: Timed[] }> {
    const proxy: Timed[] = [];
    const direct: Timed[] = [];
    for (let i = 0; more(i); i++) {
      for (const which of i % 2 === 0 ? (['proxy', 'direct'] as const) : (['direct', 'proxy'] as const)) {
        const at = performance.now();
        (which === 'proxy' ? proxy : direct).push({ at, ms: await this.get(which) });
      }
    }
    return { proxy, direct };
  }

  /** TCP connections opened so far: proxy, direct. */
  get sockets(): [number, number] {
    return [this.proxySockets.size, this.directSockets.size];
  }

  close(): void {
    this.proxyAgent.destroy();
    this.directAgent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// The lab the probes run on

/**
 * A student of the course starts a `docker` lab and, through the exec API, runs
 * `docker run -d -p 8080:80 nginx` in it; resolves once nginx answers inside the lab.
 */
export async function nginxLab(stack: LabfleetStack, schoolId: string, courseId: string, email: string, timeoutMs: number): Promise<{ student: Person; labId: string; address: string }> {
  const builder = new TenantBuilder(stack.client);
  const student = await builder.person(schoolId, 'student', email);
  await builder.enroll(courseId, student, 'student');
  let t = performance.now();
  const created = await student.client.post('/api/v1/labs', { course: courseId, template: 'docker' });
  if (created.status !== 202) throw new Error(`POST /api/v1/labs: HTTP ${created.status} ${JSON.stringify(created.body)}`);
  const labId = created.body.id as string;
  const lab = await student.client.waitForLab(labId, [LabStatus.Ready, LabStatus.Failed], timeoutMs);
  if (lab.status !== LabStatus.Ready) throw new Error(`lab ${labId} failed: ${lab.failureReason}`);
  const address = lab.nodes?.[0]?.address as string | undefined;
  if (!address) throw new Error(`lab ${labId} has no node address: ${JSON.stringify(lab.nodes)}`);
  console.log(`lab ${labId} ready in ${((performance.now() - t) / 1000).toFixed(1)} s; node1 at ${address}`);
  t = performance.now();
  const run = await student.client.sh(
    labId,
    'docker run -d -p 8080:80 nginx >/dev/null && for i in $(seq 150); do curl -sf localhost:8080 >/dev/null && exit 0; sleep 0.2; done; exit 1',
    240,
  );
  if (run.exitCode !== 0) throw new Error(`docker run nginx in the lab: exit ${run.exitCode} ${run.stderr ?? ''}${run.stdout ?? ''}`);
  console.log(`nginx published on the lab's port 8080 in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return { student, labId, address };
}

/** The browser's session cookie for a person (POST /auth/session). */
export async function sessionCookie(base: string, person: Person): Promise<string> {
  const session = await fetch(`${base}/api/v1/auth/session`, { method: 'POST', headers: { authorization: `Bearer ${person.session.accessToken}` } });
  const setCookie = session.headers.get('set-cookie');
  if (session.status !== 204 || !setCookie?.startsWith('labfleet_session=')) throw new Error(`POST /api/v1/auth/session: HTTP ${session.status}, set-cookie ${setCookie}`);
  return setCookie.split(';')[0];
}
