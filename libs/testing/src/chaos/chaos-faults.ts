import { performance } from 'node:perf_hooks';
import { eventually } from '../eventually';
import type { ChaosChecks } from './chaos-checks';
import type { ChaosStack } from './chaos-stack';
import type { SeededRandom } from './seeded-random';

export type FaultKind = 'worker' | 'api' | 'redis' | 'postgres' | 'engine';

export const FAULT_TITLES: Record<FaultKind, string> = {
  worker: 'SIGKILL a worker (restarted)',
  api: 'SIGKILL an API process (restarted)',
  redis: 'SIGKILL Redis (append-only file)',
  postgres: 'SIGKILL Postgres (postmaster and backends)',
  engine: 'restart the Docker engine (SIGKILL)',
};

/** What one fault did, for the table. */
export interface FaultRecord {
  readonly kind: FaultKind;
  readonly at: number;
  /** Until the part answered again (restarted, reloaded, recovered). */
  readonly recoveryMs: number;
  /** What happened, in words; an engine restart adds how its lost labs were marked. */
  note: string;
  /** Engine restarts: the labs that were ready when it died. */
  readonly lostLabs?: string[];
  /** Engine restarts: when the engine answered again. */
  readonly backAt?: number;
}

/** Restarts a part like a supervisor (Compose's restart policy) would: again until it stays up. */
const supervised = (what: string, start: () => Promise<void>) => eventually(start, { timeoutMs: 180_000, intervalMs: 1000, what });

/** Injects one fault and brings the part back; the outage lasts a random moment. */
export async function inject(kind: FaultKind, stack: ChaosStack, checks: ChaosChecks, random: SeededRandom): Promise<FaultRecord> {
  const at = performance.now();
  // Every draw happens before the first await: faults injected together draw in a fixed order.
  const downMs = random.int(500, 4000);
  // An engine with dozens of containers takes a while to come back: down 3 to 12 s.
  const engineDownMs = random.int(3000, 12_000);
  const i = random.int(0, (kind === 'api' ? stack.apis : stack.workers).length - 1);
  const outage = () => new Promise((resolve) => setTimeout(resolve, downMs)); // how long the part stays dead: the fault itself
  switch (kind) {
    case 'worker':
    case 'api': {
      const name = `${kind === 'api' ? 'API' : 'worker'} ${i + 1}`;
      await (kind === 'api' ? stack.apis : stack.workers)[i].stop('SIGKILL');
      await outage();
      const t = performance.now();
      await supervised(`${name} to start again`, () => (kind === 'api' ? stack.restartApi(i) : stack.restartWorker(i)));
      return { kind, at, recoveryMs: performance.now() - t, note: `${name}, down ${downMs} ms` };
    }
    case 'redis': {
      await stack.redis!.kill();
      await outage();
      const t = performance.now();
      await stack.redis!.restart();
      return { kind, at, recoveryMs: performance.now() - t, note: `down ${downMs} ms` };
    }
    case 'postgres': {
      await stack.postgres!.kill();
      await outage();
      const t = performance.now();
      await stack.postgres!.restart();
      return { kind, at, recoveryMs: performance.now() - t, note: `down ${downMs} ms` };
    }
    case 'engine': {
      const lostLabs = await checks.readyLabs();
      await stack.engine!.restart(engineDownMs);
      const backAt = performance.now();
      return { kind, at, recoveryMs: backAt - at, note: `down ${engineDownMs} ms, ${lostLabs.length} ready labs on it`, lostLabs, backAt };
    }
  }
}
