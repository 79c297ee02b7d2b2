/** The sustained stream of `bench:scale`: an open-loop mix of lab requests and the calls around them, at a set rate. */
import { performance } from 'node:perf_hooks';
import { sleep } from '../bench-kit';

export type Endpoint = 'start' | 'claim' | 'exec' | 'extend' | 'delete' | 'list' | 'usage';
export const ENDPOINTS: readonly Endpoint[] = ['start', 'claim', 'exec', 'extend', 'delete', 'list', 'usage'];

export interface Person {
  readonly token: string;
  readonly courseId: string;
}

export interface LiveLab {
  readonly owner: Person;
  readonly labId: string;
}

export interface MixWorld {
  readonly baseUrl: string;
  /** Students without a lab, taken in turn (a deleted lab's student goes to the back). */
  readonly free: Person[];
  /** Labs that stay up throughout: exec and extend act on them. */
  readonly live: readonly LiveLab[];
  /** Teachers, each of a course: list and usage. */
  readonly teachers: readonly Person[];
  readonly coldTemplate: string;
  readonly poolTemplate: string;
  /** How long a lab made in the mix lives before its student deletes it. */
  readonly holdMs: number;
}

export interface StepResult {
  readonly offered: number;
  readonly seconds: number;
  /** Lab requests answered 202 per second. */
  readonly admittedPerSecond: number;
  readonly latencies: Record<Endpoint, number[]>;
  readonly errors: Record<Endpoint, number>;
  /** The first few errors, in words. */
  readonly samples: string[];
  /** Lab requests answered with a ready (claimed) lab. */
  readonly poolHits: number;
  /** Requests not sent because too many were still in flight. */
  readonly notSent: number;
}

/** Per lab request, how many of each other call the mix sends (usage is per second instead). */
const PER_LAB = { exec: 1, extend: 0.5, list: 0.5 } as const;
const USAGE_PER_SECOND = 1;
const MAX_IN_FLIGHT = 1500;
const TICK_MS = 10;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

export class RequestMix {
  private inFlight = 0;
  private readonly pending = new Set<Promise<void>>();
  /** The deletes timed to come. */
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly world: MixWorld) {}

  /** Sends `rate` lab requests a second (and the mix around them) for `seconds`, then waits for the answers. */
  async step(rate: number, seconds: number): Promise<StepResult> {
    const latencies = Object.fromEntries(ENDPOINTS.map((e) => [e, [] as number[]])) as Record<Endpoint, number[]>;
    const errors = Object.fromEntries(ENDPOINTS.map((e) => [e, 0])) as Record<Endpoint, number>;
    const samples: string[] = [];
    let admitted = 0;
    let poolHits = 0;
    let notSent = 0;
    let labTurn = 0;
    const credit = { lab: 0, exec: 0, extend: 0, list: 0, usage: 0 };
    const send = (endpoint: Endpoint, method: string, path: string, who: Person, body?: unknown, then?: (status: number, json: unknown) => void) => {
      if (this.inFlight >= MAX_IN_FLIGHT) {
        notSent++;
        return;
      }
      this.inFlight++;
      const t = performance.now();
      const done = (async () => {
        try {
          const res = await fetch(`${this.world.baseUrl}${path}`, {
            method,
            headers: { authorization: `Bearer ${who.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(60_000),
          });
          const text = await res.text();
          latencies[endpoint].push(performance.now() - t);
          if (res.status >= 400) {
            errors[endpoint]++;
            if (samples.length < 8) samples.push(`${endpoint} ${res.status}: ${text.slice(0, 160)}`);
          }
          then?.(res.status, res.status < 300 && text ? JSON.parse(text) : null);
        } catch (e) {
          errors[endpoint]++;
          const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : '';
          if (samples.length < 8) samples.push(`${endpoint}: ${e instanceof Error ? e.message : String(e)}${cause}`);
        } finally {
          this.inFlight--;
        }
      })();
      this.pending.add(done);
      void done.finally(() => this.pending.delete(done));
    };
    const labRequest = () => {
      const student = this.world.free.shift();
      if (!student) {
        notSent++;
        return;
      }
      const endpoint: Endpoint = labTurn++ % 2 === 0 ? 'claim' : 'start';
      const template = endpoint === 'claim' ? this.world.poolTemplate : this.world.coldTemplate;
      send(endpoint, 'POST', '/api/v1/labs', student, { template, course: student.courseId }, (status, lab) => {
        if (status !== 202) {
          this.world.free.push(student);
          return;
        }
        const { id, status: labStatus } = lab as { id: string; status: string };
        admitted++;
        if (labStatus === 'ready') poolHits++;
        const remove = setTimeout(() => {
          this.timers.delete(remove);
          send('delete', 'DELETE', `/api/v1/labs/${id}`, student, undefined, () => this.world.free.push(student));
        }, this.world.holdMs);
        this.timers.add(remove);
      });
    };

    const started = performance.now();
    let last = started;
    while (performance.now() - started < seconds * 1000) {
      await sleep(TICK_MS);
      const now = performance.now();
      const dt = (now - last) / 1000;
      last = now;
      credit.lab += rate * dt;
      credit.exec += rate * PER_LAB.exec * dt;
      credit.extend += rate * PER_LAB.extend * dt;
      credit.list += rate * PER_LAB.list * dt;
      credit.usage += USAGE_PER_SECOND * dt;
      for (; credit.lab >= 1; credit.lab--) labRequest();
      for (; credit.exec >= 1; credit.exec--) {
        const lab = pick(this.world.live);
        send('exec', 'POST', `/api/v1/labs/${lab.labId}/exec`, lab.owner, { command: ['true'] });
      }
      for (; credit.extend >= 1; credit.extend--) {
        const lab = pick(this.world.live);
        send('extend', 'POST', `/api/v1/labs/${lab.labId}/extend`, lab.owner, { seconds: 60 });
      }
      for (; credit.list >= 1; credit.list--) {
        const teacher = pick(this.world.teachers);
        send('list', 'GET', `/api/v1/labs?course=${teacher.courseId}&limit=50`, teacher);
      }
      for (; credit.usage >= 1; credit.usage--) {
        const teacher = pick(this.world.teachers);
        send('usage', 'GET', `/api/v1/courses/${teacher.courseId}/usage`, teacher);
      }
    }
    const elapsed = (performance.now() - started) / 1000;
    // The step's deletes (each `holdMs` after its lab) and every answer belong to it.
    await sleep(this.world.holdMs + 50);
    while (this.pending.size > 0) await Promise.race([...this.pending]);
    this.timers.clear();
    return { offered: rate, seconds: elapsed, admittedPerSecond: admitted / elapsed, latencies, errors, samples, poolHits, notSent };
  }

  /** Drops the deletes not yet sent (on an interrupted run). */
  cancel(): void {
    for (const t of this.timers) clearTimeout(t);
  }
}
