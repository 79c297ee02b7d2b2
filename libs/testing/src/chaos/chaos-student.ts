import { setTimeout as thinkFor } from 'node:timers/promises';
import { eventually } from '../eventually';
import { TEST_PASSWORD } from '../tenants';
import type { ChaosLedger } from './chaos-ledger';
import type { SeededRandom } from './seeded-random';

/** A request gets no answer within this: counted as unanswered (every outage answers 503 at once). */
const ANSWER_TIMEOUT_MS = 30_000;
const LIVE = ['pending', 'provisioning', 'ready'];

interface Answer {
  readonly status: number;
  readonly body: any;
}

/**
 * One student of the rush, as a browser or a script would behave: ask for a lab, wait for it,
 * use it a while, stop it, come back later; refresh the session now and then. A request cut by a
 * dying API process is sent again; a 503 is retried after a moment; a refusal because the first
 * attempt did create the lab finds that lab in the student's own list. Every answer goes to the
 * ledger, which the checks read.
 */
export class ChaosStudent {
  private accessToken = '';
  private refreshToken = '';
  private stopping = false;
  /** Ends the student's think times at once when the run ends. */
  private readonly quit = new AbortController();
  private cycles = 0;

  constructor(
    readonly email: string,
    private readonly baseUrl: string,
    private readonly courseId: string,
    private readonly random: SeededRandom,
    private readonly ledger: ChaosLedger,
  ) {}

  /** The student's loop until `finish()`; then their lab is stopped. */
  async run(): Promise<void> {
    await this.login();
    while (!this.stopping) {
      const lab = await this.requestLab();
      if (lab) await this.useLab(lab.id, lab.short);
      if (!this.stopping) await this.think(5000, 20_000);
    }
    for (const id of await this.liveLabs()) await this.stopLab(id);
  }

  finish(): void {
    this.stopping = true;
    this.quit.abort();
  }

  /** The student's own pace (reading, typing), cut short when the run ends. */
  private async think(minMs: number, maxMs: number): Promise<void> {
    await thinkFor(this.random.int(minMs, maxMs), undefined, { signal: this.quit.signal }).catch(() => undefined);
  }

  /** A lab of the student's (new, or theirs already); `short` when asked for the shortest life (60 s). */
  private async requestLab(): Promise<{ id: string; short: boolean } | null> {
    const ttlSeconds = this.random.chance(0.3) ? 60 : undefined;
    const asked = Date.now();
    const res = await this.send('POST', '/api/v1/labs', { course: this.courseId, template: 'docker', ...(ttlSeconds ? { ttlSeconds } : {}) }, 'lab request');
    if (res.status === 202) {
      this.ledger.accepted(res.body.id, this.email, asked, res.body.status);
      return { id: res.body.id, short: ttlSeconds !== undefined };
    }
    // The first attempt was cut after it made the lab (or an expired lab is still ending): find it.
    if (res.status === 409) {
      const [id] = await this.liveLabs();
      if (id) this.ledger.found(id, this.email);
      return id ? { id, short: false } : null;
    }
    return null;
  }

  private async useLab(id: string, short: boolean): Promise<void> {
    const settled = await this.waitWhile(id, ['pending', 'provisioning']);
    if (settled !== 'ready') return;
    this.ledger.sawReady(id);
    if (this.random.chance(0.5)) {
      const res = await this.send('POST', `/api/v1/labs/${id}/exec`, { command: ['docker', 'info', '--format', 'ok'] }, 'exec');
      if (res.status === 200 && res.body.stdout?.trim() !== 'ok') this.ledger.problem(`exec in lab ${id} answered ${JSON.stringify(res.body)}`);
    }
    if (++this.cycles % 3 === 0) await this.refresh();
    // Some students forget their lab: it must end by itself when its time is up.
    if (short && this.random.chance(0.5)) {
      await this.waitWhile(id, ['ready']);
      return;
    }
    await this.think(20_000, 60_000); // working in the lab
    if ((await this.statusOf(id)) === 'ready') await this.stopLab(id);
  }

  private async stopLab(id: string): Promise<void> {
    await this.send('DELETE', `/api/v1/labs/${id}`, undefined, 'stop');
  }

  /** The lab's status once it is none of `statuses` (a waiting lab may wait long: the checks judge that). */
  private waitWhile(id: string, statuses: string[]): Promise<string> {
    return eventually(
      async () => {
        const status = await this.statusOf(id);
        if (statuses.includes(status) && !this.stopping) throw new Error(`lab ${id} is ${status}`);
        return status;
      },
      { timeoutMs: 600_000, intervalMs: 500, what: `lab ${id} to leave ${statuses.join('/')}` },
    );
  }

  private async statusOf(id: string): Promise<string> {
    const res = await this.send('GET', `/api/v1/labs/${id}`, undefined, 'status');
    return res.status === 200 ? res.body.status : 'unknown';
  }

  private async liveLabs(): Promise<string[]> {
    const res = await this.send('GET', `/api/v1/labs?status=${LIVE.join(',')}&limit=10`, undefined, 'list');
    return res.status === 200 ? res.body.items.map((l: { id: string }) => l.id) : [];
  }

  private async login(): Promise<void> {
    const res = await this.send('POST', '/api/v1/auth/login', { email: this.email, password: TEST_PASSWORD }, 'login', false);
    if (res.status !== 200) throw new Error(`login of ${this.email}: ${res.status} ${JSON.stringify(res.body)}`);
    ({ accessToken: this.accessToken, refreshToken: this.refreshToken } = res.body);
  }

  /**
   * Rotates the session on whichever API process answers. An answer lost with a killed API leaves
   * the student holding a used refresh token, which is refused (and its family revoked): then the
   * student signs in again, as the web page does.
   */
  private async refresh(): Promise<void> {
    const res = await this.send('POST', '/api/v1/auth/refresh', { refreshToken: this.refreshToken }, 'refresh', false);
    if (res.status === 200) ({ accessToken: this.accessToken, refreshToken: this.refreshToken } = res.body);
    else {
      this.ledger.count('refresh refused after a lost answer: signed in again');
      await this.login();
    }
  }

  /**
   * One request, sent again while the connection is cut (an API process killed) or the answer is
   * 503 (a dependency down), until it has a real answer. Any other 5xx is a problem for the checks.
   */
  private async send(method: string, path: string, body: unknown, what: string, authenticated = true): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: { ...(authenticated ? { authorization: `Bearer ${this.accessToken}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
        });
        const text = await res.text();
        const parsed = text ? JSON.parse(text) : null;
        this.ledger.answered(what, res.status);
        if (res.status === 503 && attempt < 600) {
          await thinkFor(500); // as the Retry-After asks, shortened: the run wants the recovery's first moment
          continue;
        }
        if (res.status >= 500) this.ledger.problem(`${method} ${path} (${what}) answered ${res.status}: ${text.slice(0, 300)}`);
        return { status: res.status, body: parsed };
      } catch (e) {
        const timedOut = (e as Error).name === 'TimeoutError';
        this.ledger.cut(what, timedOut);
        if (timedOut) this.ledger.problem(`${method} ${path} (${what}): no answer within ${ANSWER_TIMEOUT_MS / 1000} s`);
        if (attempt >= 600) return { status: 0, body: null };
        await thinkFor(200); // a cut connection: the balancer sends the next one to a live API
      }
    }
  }
}
