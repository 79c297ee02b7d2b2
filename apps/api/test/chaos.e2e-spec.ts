import { ChaosReport, ChaosRun, formatReport } from '@labfleet/testing';

jest.setTimeout(420_000);

/**
 * The short chaos suite (`npm run chaos` is the long one): 10 students rush a warm pool while
 * workers, an API process, Redis, Postgres and the labs' Docker engine are killed, on a fixed
 * seed. It runs on a Redis, a Postgres and a DinD engine of its own, never the machine's.
 */
describe('chaos: a rush with workers, an API process, Redis, Postgres and the engine killed', () => {
  const lines: string[] = [];
  const run = new ChaosRun({
    seed: 20_251_129,
    students: 10,
    pool: 4,
    workers: 2,
    reconcileIntervalSeconds: 5,
    faults: { worker: 3, api: 1, redis: 1, postgres: 1, engine: 1 },
    log: (line) => lines.push(line),
  });
  let report: ChaosReport;

  beforeAll(async () => {
    report = await run.run();
  }, 420_000);
  // Also when the run failed or timed out: nothing it started outlives the file.
  afterAll(async () => {
    console.log(`${lines.join('\n')}\n${report ? formatReport(report) : 'the run did not finish'}`);
    await run.stop();
  }, 120_000);

  it('loses nothing: every check holds and everything settles within its bound', () => {
    expect(report.violations).toEqual([]);
    expect(report.checks.filter((c) => c.outcome.startsWith('LOSS'))).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('injected every fault it planned', () => {
    expect(Object.fromEntries(report.faults.map((f) => [f.what, Number(f.count)]))).toEqual({
      'SIGKILL a worker (restarted)': 3,
      'SIGKILL an API process (restarted)': 1,
      'SIGKILL Redis (append-only file)': 1,
      'SIGKILL Postgres (postmaster and backends)': 1,
      'restart the Docker engine (SIGKILL)': 1,
    });
  });
});
