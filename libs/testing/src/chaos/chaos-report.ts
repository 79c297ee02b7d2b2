import { ChaosChecks, CHECK_NAMES } from './chaos-checks';
import { ChaosLedger } from './chaos-ledger';
import { FAULT_TITLES, FaultKind, FaultRecord } from './chaos-faults';
import type { ProbeResult } from './api-statelessness';
import type { TcpBalancer } from './tcp-balancer';

export interface ChaosTimings {
  readonly setupMs: number;
  readonly rushMs: number;
  /** From the end of the last round until nothing is left (Infinity: never). */
  readonly settledMs: number;
  readonly settleBoundMs: number;
  readonly engineBoundMs: number;
}

export interface ChaosRow {
  readonly what: string;
  readonly count: string;
  readonly outcome: string;
}

export interface ChaosReport {
  readonly seed: number;
  readonly ok: boolean;
  readonly faults: ChaosRow[];
  readonly checks: ChaosRow[];
  /** Every violation, in full. */
  readonly violations: string[];
  readonly timings: ChaosTimings;
  readonly faultRecords: FaultRecord[];
}

const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'never');
const spread = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? `p50 ${s(sorted[Math.floor((sorted.length - 1) / 2)])}, max ${s(sorted[sorted.length - 1])}` : 'n/a';
};

interface ReportInput {
  readonly seed: number;
  readonly faults: FaultRecord[];
  readonly checks: ChaosChecks;
  readonly ledger: ChaosLedger;
  readonly probes: ProbeResult[];
  readonly balancer: TcpBalancer;
  readonly timings: ChaosTimings;
}

function faultOutcome(kind: FaultKind, records: FaultRecord[], ledger: ChaosLedger): string {
  const back = `back in ${spread(records.map((r) => r.recoveryMs))}`;
  switch (kind) {
    case 'worker':
      return `restarted as a supervisor would, ${back}`;
    case 'api':
      return `${back}; ${ledger.total(/ cut$/)} requests cut in the whole run, each sent again through the balancer`;
    case 'redis':
      return `reloaded its append-only file, ${back}; ${ledger.total(/ 503$/)} answers 503 (all causes) retried`;
    case 'postgres':
      return `crash recovery, ${back}`;
    case 'engine':
      return `${back}; ${records.map((r) => r.note).join('; ')}`;
  }
}

export function report(input: ReportInput): ChaosReport {
  const { checks, ledger, timings } = input;
  const kinds = Object.keys(FAULT_TITLES) as FaultKind[];
  const faults = kinds
    .map((kind) => ({ kind, records: input.faults.filter((f) => f.kind === kind) }))
    .filter(({ records }) => records.length > 0)
    .map(({ kind, records }) => ({ what: FAULT_TITLES[kind], count: String(records.length), outcome: faultOutcome(kind, records, ledger) }));
  const violations = [...checks.violations.values()].map((v) => `${v.check}: ${v.detail}`);
  const rows: ChaosRow[] = CHECK_NAMES.map((check) => {
    const n = checks.count(check);
    const first = [...checks.violations.values()].find((v) => v.check === check);
    return { what: check, count: String(n), outcome: n === 0 ? 'ok' : `LOSS: ${first!.detail}` };
  });
  rows.push({ what: 'longest legitimate wait', count: '1', outcome: `${s(checks.longestQueuedMs)} in the queue for a provision slot (pool labs go after students' labs)` });
  const requests = ledger.total(/^lab request /);
  rows.push({ what: 'lab requests', count: String(requests), outcome: `${ledger.total(/^lab request 202$/)} accepted, ${ledger.labs.size} labs in the students' hands, all found in Postgres with their events` });
  for (const p of input.probes) rows.push({ what: `2 API processes share: ${p.what}`, count: '1', outcome: `${p.ok ? 'ok' : 'LOSS'}: ${p.detail}` });
  rows.push({ what: 'connections per API process', count: String([...input.balancer.served.values()].reduce((a, b) => a + b, 0)), outcome: [...input.balancer.served].map(([port, n]) => `:${port} ${n}`).join(', ') });
  const settled = timings.settledMs <= timings.settleBoundMs;
  rows.push({ what: 'settled after the last fault', count: '1', outcome: `${settled ? 'ok' : 'LOSS'}: ${s(timings.settledMs)} (bound: reconcile interval + provision timeout + 30 s = ${s(timings.settleBoundMs)})` });
  const ok = violations.length === 0 && input.probes.every((p) => p.ok) && settled;
  return { seed: input.seed, ok, faults, checks: rows, violations, timings, faultRecords: input.faults };
}

/** The report as a plain-text table (fault → count → outcome, then the checks). */
export function formatReport(r: ChaosReport): string {
  const all = [{ what: 'fault', count: 'count', outcome: 'outcome' }, ...r.faults, { what: 'check', count: 'count', outcome: 'outcome' }, ...r.checks];
  const w = [Math.max(...all.map((x) => x.what.length)), Math.max(...all.map((x) => x.count.length))];
  const line = (x: ChaosRow) => `${x.what.padEnd(w[0])} | ${x.count.padStart(w[1])} | ${x.outcome}`;
  const rule = `${'-'.repeat(w[0])}-+-${'-'.repeat(w[1])}-+-${'-'.repeat(40)}`;
  return [
    `chaos seed ${r.seed} (replay: CHAOS_SEED=${r.seed})`,
    line(all[0]), rule, ...r.faults.map(line), rule,
    line(all[r.faults.length + 1]), rule, ...r.checks.map(line),
    `setup ${s(r.timings.setupMs)}, rush with faults ${s(r.timings.rushMs)}, settled ${s(r.timings.settledMs)}`,
    ...(r.violations.length ? ['VIOLATIONS:', ...r.violations.map((v) => `  ${v}`)] : []),
    r.ok ? 'result: no loss' : 'result: LOSS',
  ].join('\n');
}
