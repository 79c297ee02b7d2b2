/** The fuzzer's table (operation × role → cases, statuses, failures), its totals and one JSON summary line. */
import type { Cell, Failure } from './fuzz-runner';

export interface ProbeResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface Summary {
  readonly seed: number;
  readonly runsPerCell: number;
  readonly operations: number;
  readonly roles: number;
  readonly cases: number;
  readonly statuses: Record<string, number>;
  readonly failures: number;
  readonly failuresByKind: Record<string, number>;
  readonly probes: readonly ProbeResult[];
  /** What went wrong beyond single answers: a process that died, crash signs in a log, a file written outside a lab. */
  readonly incidents: readonly string[];
  readonly seconds: number;
}

const statusText = (statuses: ReadonlyMap<number, number> | Map<number, number>) =>
  [...statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s === 0 ? 'none' : s}×${n}`)
    .join(' ');

export function summarise(cells: readonly Cell[], probes: readonly ProbeResult[], incidents: readonly string[], seed: number, runsPerCell: number, seconds: number): Summary {
  const statuses = new Map<number, number>();
  const byKind: Record<string, number> = {};
  for (const c of cells) {
    for (const [s, n] of c.statuses) statuses.set(s, (statuses.get(s) ?? 0) + n);
    for (const f of c.failures) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
  }
  return {
    seed,
    runsPerCell,
    operations: new Set(cells.map((c) => c.op)).size,
    roles: new Set(cells.map((c) => c.role)).size,
    cases: cells.reduce((n, c) => n + c.cases, 0),
    statuses: Object.fromEntries([...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => [String(s), n])),
    failures: cells.reduce((n, c) => n + c.failures.length, 0) + probes.filter((p) => !p.ok).length + incidents.length,
    failuresByKind: byKind,
    probes,
    incidents,
    seconds,
  };
}

export function printReport(cells: readonly Cell[], summary: Summary): void {
  const w = [48, 15, 6, 6];
  console.log('');
  console.log(`${'operation'.padEnd(w[0])}${'role'.padEnd(w[1])}${'cases'.padStart(w[2])}${'fail'.padStart(w[3])}  statuses`);
  for (const c of cells) {
    console.log(`${c.op.padEnd(w[0])}${c.role.padEnd(w[1])}${String(c.cases).padStart(w[2])}${String(c.failures.length).padStart(w[3])}  ${statusText(c.statuses)}`);
  }
  const failures: Failure[] = cells.flatMap((c) => c.failures);
  for (const kind of new Set(failures.map((f) => f.kind))) {
    const ofKind = failures.filter((f) => f.kind === kind);
    console.log(`\n${kind} failures: ${ofKind.length}${ofKind.length > 12 ? ' (the first 12)' : ''}`);
    for (const f of ofKind.slice(0, 12)) console.log(`  ${f.role}: ${f.method} ${f.target} (${f.variant}) → ${f.detail}`);
  }
  console.log('\nlimits and slow clients:');
  for (const p of summary.probes) console.log(`  ${p.ok ? 'ok  ' : 'FAIL'} ${p.name}: ${p.detail}`);
  for (const c of summary.incidents) console.log(`  FAIL ${c}`);
  console.log(
    `\ntotals: ${summary.operations} operations × ${summary.roles} roles × ${summary.runsPerCell} cases = ${summary.cases} requests in ${summary.seconds.toFixed(0)} s; ` +
      `statuses ${Object.entries(summary.statuses).map(([s, n]) => `${s === '0' ? 'none' : s}×${n}`).join(' ')}; failures ${summary.failures}` +
      (summary.failures ? ` (${Object.entries(summary.failuresByKind).map(([k, n]) => `${k} ${n}`).join(', ')})` : ''),
  );
  console.log(`seed ${summary.seed} (replay: FUZZ_SEED=${summary.seed} FUZZ_RUNS=${summary.runsPerCell} npm run fuzz)`);
  console.log(`FUZZ_SUMMARY ${JSON.stringify(summary)}`);
}
