import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@labfleet/testing';

jest.setTimeout(240_000);

/** A fixed seed, so CI runs the same cases each time; `npm run fuzz` picks a new one each run. */
const SEED = 20261129;
const RUNS = 2;

/**
 * `npm run fuzz`, short: its own stack, every operation of the OpenAPI document as every role with
 * RUNS cases each, the limit and slow-client probes (fewer and shorter), and its oracles (no 5xx,
 * no crash, no cross-tenant data, a message on every 4xx). The compiled script, as `npm run fuzz`
 * runs it; its output lands in test-artifacts/api-fuzz.log.
 */
describe('API fuzzing (npm run fuzz, short)', () => {
  it(`finds nothing with seed ${SEED} and ${RUNS} cases per operation and role`, async () => {
    const child = spawn(process.execPath, ['dist/tools/fuzz/fuzz-api.js'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, FUZZ_SEED: String(SEED), FUZZ_RUNS: String(RUNS), FUZZ_SLOW_CONNECTIONS: '100', FUZZ_WS_MESSAGES: '5000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    writeFileSync(join(REPO_ROOT, 'test-artifacts', 'api-fuzz.log'), output);

    const line = /^FUZZ_SUMMARY (.*)$/m.exec(output);
    if (!line) throw new Error(`the fuzzer printed no summary (exit ${code}):\n${output.slice(-3000)}`);
    const summary = JSON.parse(line[1]) as { operations: number; roles: number; cases: number; failures: number; statuses: Record<string, number>; probes: { ok: boolean }[] };
    const table = output.slice(output.indexOf('\noperation '));
    expect({ failures: summary.failures, code, report: summary.failures ? table : '' }).toEqual({ failures: 0, code: 0, report: '' });
    expect(summary.roles).toBe(5);
    expect(summary.operations).toBeGreaterThanOrEqual(50);
    expect(summary.cases).toBe(summary.operations * summary.roles * RUNS);
    expect(summary.probes.map((p) => p.ok)).toEqual([true, true, true, true]);
    // The cases reach past authentication and validation: successes, and every kind of refusal.
    for (const status of ['200', '400', '401', '403', '404']) expect(summary.statuses[status]).toBeGreaterThan(0);
  });
});
