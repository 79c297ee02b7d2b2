/** CPU time of the processes a benchmark runs on this host, by role, from /proc (Linux). */
import { readdirSync, readFileSync } from 'node:fs';
import { readStat } from './bench-pool';

export const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time one process has used (utime + stime), in ms; NaN once it has gone. */
export function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}

/** The pids whose command name is `comm` (every backend of a Postgres server, say). */
export function pidsNamed(comm: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/comm`, 'utf8').trim() === comm;
      } catch {
        return false;
      }
    })
    .map(Number);
}

export interface CpuSplit {
  /** Share of one core per role over the window, in %; `rest` is the host's busy time no role holds. */
  readonly byRole: Record<string, number>;
  /** The host's busy share of all its cores, in %. */
  readonly host: number;
}

/**
 * Where a window's CPU went: `start()` then `stop()`. Roles name their pids, looked up again at each
 * read (Postgres starts a backend per connection): one that started inside the window counts whole,
 * one that also ended inside it counts as `rest`.
 */
export class ProcessCpu {
  private first?: { at: number; host: number; byPid: Map<string, number> };

  constructor(
    private readonly roles: Record<string, () => number[]>,
    private readonly cores: number,
  ) {}

  private read(): { at: number; host: number; byPid: Map<string, number> } {
    const byPid = new Map<string, number>();
    for (const [role, pids] of Object.entries(this.roles)) for (const pid of pids()) byPid.set(`${role}:${pid}`, processCpuMs(pid));
    return { at: Date.now(), host: readStat().busy * TICK_MS, byPid };
  }

  start(): void {
    this.first = this.read();
  }

  stop(): CpuSplit {
    const first = this.first!;
    const last = this.read();
    const wall = Math.max(1, last.at - first.at);
    const byRole: Record<string, number> = Object.fromEntries(Object.keys(this.roles).map((r) => [r, 0]));
    let held = 0;
    for (const [key, ms] of last.byPid) {
      if (Number.isNaN(ms)) continue;
      const used = ms - (first.byPid.get(key) ?? 0);
      byRole[key.split(':')[0]] += used;
      held += used;
    }
    const hostMs = last.host - first.host;
    byRole.rest = Math.max(0, hostMs - held);
    return {
      byRole: Object.fromEntries(Object.entries(byRole).map(([r, ms]) => [r, (100 * ms) / wall])),
      host: (100 * hostMs) / (wall * this.cores),
    };
  }
}

export const cpuSplitLine = (split: CpuSplit) =>
  `CPU (% of one core) ${Object.entries(split.byRole)
    .map(([role, pct]) => `${role} ${pct.toFixed(0)}`)
    .join(', ')}; host ${split.host.toFixed(0)} % of its cores`;
