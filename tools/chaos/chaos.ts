/**
 * The chaos suite: a classroom rush on a warm pool while workers, an API process, Redis, Postgres
 * and the Docker engine are killed at random moments; a table of fault → count → outcome, and a
 * non-zero exit on any loss.
 *
 *   npm run chaos                      (build, then node dist/tools/chaos/chaos.js)
 *   CHAOS_SEED=1234 npm run chaos      replays a run: the same faults, order, moments and students
 *
 * It runs on services of its own, never the machine's: a Redis (`redis-server`, append-only file),
 * a Postgres cluster (initdb into a temporary directory) and a Docker Engine in a DinD container
 * (TLS on 127.0.0.1) that runs the labs, with the default (confined) profile. Options:
 * CHAOS_STUDENTS (30), CHAOS_POOL (10), CHAOS_WORKERS (3), CHAOS_WORKER_KILLS (20),
 * CHAOS_API_KILLS (1), CHAOS_REDIS_KILLS (1), CHAOS_POSTGRES_KILLS (1), CHAOS_ENGINE_RESTARTS (1),
 * CHAOS_RECONCILE_SECONDS (10). Everything it made is removed at the end, on failure and on Ctrl-C.
 */
import { randomInt } from 'node:crypto';
import { ChaosRun, formatReport } from '@labfleet/testing';

function count(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number >= 0, got '${raw}'`);
  return n;
}

async function main(): Promise<number> {
  const seed = count('CHAOS_SEED', randomInt(1, 2 ** 31));
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  log(`chaos seed ${seed} (replay with CHAOS_SEED=${seed})`);
  const run = new ChaosRun({
    seed,
    students: count('CHAOS_STUDENTS', 30),
    pool: count('CHAOS_POOL', 10),
    workers: count('CHAOS_WORKERS', 3),
    reconcileIntervalSeconds: count('CHAOS_RECONCILE_SECONDS', 10),
    faults: {
      worker: count('CHAOS_WORKER_KILLS', 20),
      api: count('CHAOS_API_KILLS', 1),
      redis: count('CHAOS_REDIS_KILLS', 1),
      postgres: count('CHAOS_POSTGRES_KILLS', 1),
      engine: count('CHAOS_ENGINE_RESTARTS', 1),
    },
    log,
  });
  let cleaned: Promise<void> | undefined;
  const cleanup = () => (cleaned ??= run.stop().catch((e: Error) => console.error(`clean-up failed: ${e.message}`)));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: removing what the run made...`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    const result = await run.run();
    console.log(`\n${formatReport(result)}`);
    return result.ok ? 0 : 1;
  } catch (e) {
    console.error(`chaos run failed (seed ${seed}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  } finally {
    log('removing the engine, the services and the processes the run made');
    await cleanup();
  }
}

void main().then((code) => process.exit(code));
