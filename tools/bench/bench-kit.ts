/** What every benchmark script needs: options from the environment, percentiles, host load. */
import { readFileSync } from 'node:fs';

/** A whole-number option from the environment (`BENCH_*`), checked. */
export function count(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number >= ${min}, got '${raw}'`);
  return n;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const describe = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Nearest-rank percentile (with few samples, the high ones are the maximum). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The 1, 5 and 15 minute load averages. */
export function loadavg(): [number, number, number] {
  const [a, b, c] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return [a, b, c];
}

/** A text option from the environment (`BENCH_*`); unset or empty is undefined. */
export function text(name: string): string | undefined {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

/** An on/off option from the environment: `1` turns it on, `0` off, unset is `fallback`. */
export function flag(name: string, fallback = false): boolean {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : raw === '1';
}

/** Runs `cleanup` (once) when the run is interrupted, then exits 130. */
export function cleanUpOnSignal(cleanup: () => Promise<unknown>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: cleaning up...`);
      void cleanup().finally(() => process.exit(130));
    });
  }
}

/** `met`: whether the target was met; `null`/`undefined` where there is no target; a string is printed as is ('n/a'). */
export type MetricRow = readonly [metric: string, measured: string, target: string, met: boolean | null | undefined | string];

/** Every benchmark's closing table, metric | measured | target | met, as Markdown (it goes into notes as is). */
export function printMetricTable(rows: readonly MetricRow[]): void {
  const cells = rows.map(([metric, measured, target, met]) => [metric, measured, target, typeof met === 'string' ? met : met == null ? '' : met ? 'yes' : 'NO']);
  const header = ['metric', 'measured', 'target', 'met'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n'));
}
