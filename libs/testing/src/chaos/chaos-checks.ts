import { Queue } from 'bullmq';
import type Docker from 'dockerode';
import { Pool } from 'pg';
import { JOB_QUEUE, JobName } from '@labfleet/queue';
import { eventually } from '../eventually';
import type { ChaosLedger } from './chaos-ledger';
import type { DindEngine } from './dind-engine';
import { CHAOS_PG_CONNECT_TIMEOUT_MS } from './own-postgres';
import { brokenChains, overlappingLabs, usageDifferences } from './history-checks';

export type CheckName = 'unanswered or 5xx' | 'stuck in a transient state' | 'more containers than nodes' | 'orphans' | 'lost records' | 'duplicate labs' | 'quota and usage' | 'engine losses not marked';

export const CHECK_NAMES: readonly CheckName[] = ['unanswered or 5xx', 'stuck in a transient state', 'more containers than nodes', 'orphans', 'lost records', 'duplicate labs', 'quota and usage', 'engine losses not marked'];

export interface CheckLimits {
  /** A pending (not waiting in line), provisioning or stopping lab unchanged this long is stuck. */
  readonly stuckAfterMs: number;
  /** A resource of a lab that is not live may stay this long (reconcile removes it). */
  readonly orphanGraceMs: number;
  /** A lab may still be live this long after it expired. */
  readonly expiryGraceMs: number;
}

interface LabRow {
  id: string;
  status: string;
  nodes: number;
}

const RESOURCE_FILTER = (instance: string) => ({ label: [`labfleet.instance=${instance}`, 'labfleet.role=lab'] });

/**
 * The invariants a chaos run holds Labfleet to, read from its own Postgres and its own engine. A
 * violation is recorded once per subject (a lab, a resource), with what was seen.
 */
export class ChaosChecks {
  readonly violations = new Map<string, { check: CheckName; detail: string }>();
  /** The longest a lab waited in the queue for a provision slot (behind students' labs, for a pool lab). */
  longestQueuedMs = 0;
  private readonly db: Pool;
  private readonly queues: Record<JobName.ProvisionLab | JobName.DestroyLab, Queue>;
  private readonly orphanSince = new Map<string, number>();
  private readonly seenEvents = new Set<string>();

  constructor(
    databaseUrl: string,
    redisUrl: string,
    private readonly instance: string,
    private readonly engine: DindEngine,
    private readonly ledger: ChaosLedger,
    private readonly limits: CheckLimits,
  ) {
    this.db = new Pool({ connectionString: databaseUrl, max: 3, connectionTimeoutMillis: CHAOS_PG_CONNECT_TIMEOUT_MS });
    this.db.on('error', () => undefined); // a killed Postgres drops idle connections: the next query reconnects
    const queue = (job: JobName) => {
      const q = new Queue(JOB_QUEUE[job], { connection: { url: redisUrl, maxRetriesPerRequest: 1, enableOfflineQueue: false }, prefix: instance });
      q.on('error', () => undefined); // a killed Redis: the checks retry
      return q;
    };
    this.queues = { [JobName.ProvisionLab]: queue(JobName.ProvisionLab), [JobName.DestroyLab]: queue(JobName.DestroyLab) };
  }

  count(check: CheckName): number {
    return [...this.violations.values()].filter((v) => v.check === check).length;
  }

  /** The checks that hold at any moment, even mid-rush. */
  async round(): Promise<void> {
    await this.retrying(async () => {
      this.answers();
      const labs = await this.labs();
      await this.stuck();
      await this.resources(labs, this.limits.orphanGraceMs);
      await this.records();
    });
  }

  /** Once everything has ended: nothing left anywhere, every record and event kept, usage as the events say. */
  async final(usage: (from: Date, to: Date) => Promise<{ email: string; minutes: number }[]>, from: Date): Promise<void> {
    await this.retrying(async () => {
      this.answers();
      await this.resources(await this.labs(), 0);
      await this.records();
      for (const f of await brokenChains(this.db)) this.violation('lost records', `chain:${f.key}`, f.detail);
      for (const f of await overlappingLabs(this.db)) this.violation('duplicate labs', f.key, f.detail);
      for (const f of await usageDifferences(this.db, await usage(from, new Date(Date.now() + 60_000)), from)) this.violation('quota and usage', f.key, f.detail);
    });
  }

  /** Labs that are live or ending, or whose resources are still on the engine. */
  async unsettled(): Promise<string[]> {
    const rows = await this.db.query<{ id: string; status: string }>(`SELECT id, status FROM labs WHERE status IN ('pending', 'provisioning', 'ready', 'stopping')`);
    const onEngine = [...(await this.resourcesByLab()).keys()].filter((id) => !rows.rows.some((r) => r.id === id));
    return [...rows.rows.map((r) => `${r.id} ${r.status}`), ...onEngine.map((id) => `${id} resources on the engine`)];
  }

  /** Ids of the labs that are ready now. */
  async readyLabs(): Promise<string[]> {
    return (await this.db.query<{ id: string }>(`SELECT id FROM labs WHERE status = 'ready'`)).rows.map((r) => r.id);
  }

  /** How each of `ids` stands: its status and failure reason. */
  async statusOf(ids: readonly string[]): Promise<{ id: string; status: string; failure_reason: string | null }[]> {
    return (await this.db.query(`SELECT id, status, failure_reason FROM labs WHERE id = ANY($1)`, [ids])).rows;
  }

  violation(check: CheckName, key: string, detail: string): void {
    if (!this.violations.has(`${check}:${key}`)) this.violations.set(`${check}:${key}`, { check, detail });
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.close().catch(() => undefined)));
    await this.db.end();
  }

  private retrying(fn: () => Promise<void>): Promise<void> {
    return eventually(fn, { timeoutMs: 60_000, intervalMs: 500, what: 'the chaos checks to read Postgres and the engine' });
  }

  private answers(): void {
    this.ledger.problems.forEach((p, i) => this.violation('unanswered or 5xx', String(i), p));
    for (const id of this.ledger.sharedLabs) this.violation('duplicate labs', id, `lab ${id} given to two students`);
  }

  private async labs(): Promise<Map<string, LabRow>> {
    const { rows } = await this.db.query<LabRow>(`SELECT l.id, l.status, t.nodes FROM labs l JOIN templates t ON t.id = l.template_id`);
    return new Map(rows.map((r) => [r.id, r]));
  }

  /**
   * A lab long in a transient state is stuck unless its job still waits for a slot in the queue
   * (a pool lab behind students' labs, on a machine slower than the rush): no job for it, a job
   * that failed for good, or one running past the timeouts, and nothing will ever move it.
   */
  private async stuck(): Promise<void> {
    const { rows } = await this.db.query<{ id: string; status: string; age: number }>(
      `SELECT id, status, extract(epoch FROM now() - updated_at) * 1000 AS age FROM labs
        WHERE (status = 'pending' AND queued_at IS NULL OR status IN ('provisioning', 'stopping')) AND updated_at < now() - $1 * interval '1 millisecond'`,
      [this.limits.stuckAfterMs],
    );
    for (const r of rows) {
      const job = r.status === 'stopping' ? JobName.DestroyLab : JobName.ProvisionLab;
      const found = await this.queues[job].getJob(`${job}-${r.id}`);
      const state = found ? await found.getState() : 'no job';
      const runningFor = found?.processedOn ? Date.now() - found.processedOn : 0;
      if (['waiting', 'prioritized', 'delayed', 'waiting-children'].includes(state) || (state === 'active' && runningFor < this.limits.stuckAfterMs)) {
        this.longestQueuedMs = Math.max(this.longestQueuedMs, r.age);
        continue;
      }
      this.violation('stuck in a transient state', r.id, `lab ${r.id} ${r.status} for ${Math.round(r.age / 1000)} s, its ${job} job: ${state}${found?.failedReason ? ` (${found.failedReason})` : ''}`);
    }
    // A lab's end is a timeout too: one still live well past it was never expired.
    const { rows: overdue } = await this.db.query<{ id: string; status: string; late: number }>(
      `SELECT id, status, extract(epoch FROM now() - expires_at) AS late FROM labs
        WHERE status IN ('pending', 'provisioning', 'ready') AND expires_at < now() - $1 * interval '1 millisecond'`,
      [this.limits.expiryGraceMs],
    );
    for (const r of overdue) this.violation('stuck in a transient state', `${r.id}:expiry`, `lab ${r.id} still ${r.status} ${Math.round(r.late)} s after it expired`);
  }

  /** Resources by lab id: containers (running or not), networks, volumes, and disks on the engine's host. */
  private async resourcesByLab(): Promise<Map<string, { containers: number; names: string[] }>> {
    const engine: Docker = this.engine.engine;
    const filters = RESOURCE_FILTER(this.instance);
    const [containers, networks, volumes, disks] = await Promise.all([
      engine.listContainers({ all: true, filters }),
      engine.listNetworks({ filters }),
      engine.listVolumes({ filters }),
      this.engine.hostShell(`ls /var/lib/labfleet/disks/${this.instance} 2>/dev/null | grep '\\.img$' || true`),
    ]);
    const byLab = new Map<string, { containers: number; names: string[] }>();
    const add = (id: string | undefined, name: string, container = false) => {
      if (!id) return;
      const entry = byLab.get(id) ?? { containers: 0, names: [] };
      entry.names.push(name);
      if (container) entry.containers++;
      byLab.set(id, entry);
    };
    for (const c of containers) add(c.Labels['labfleet.lab-id'], `container ${c.Names[0]} (${c.State})`, true);
    for (const n of networks) add(n.Labels?.['labfleet.lab-id'], `network ${n.Name}`);
    for (const v of volumes.Volumes ?? []) add(v.Labels?.['labfleet.lab-id'], `volume ${v.Name}`);
    for (const file of disks.split('\n').filter(Boolean)) add(file.split('-').slice(0, 5).join('-'), `disk ${file}`);
    return byLab;
  }

  private async resources(labs: Map<string, LabRow>, graceMs: number): Promise<void> {
    const now = Date.now();
    const byLab = await this.resourcesByLab();
    for (const [id, { containers, names }] of byLab) {
      const lab = labs.get(id);
      if (lab && containers > lab.nodes) this.violation('more containers than nodes', id, `lab ${id} (${lab.nodes} node(s)) has ${containers} containers`);
      if (lab && ['pending', 'provisioning', 'ready', 'stopping'].includes(lab.status)) {
        this.orphanSince.delete(id);
        continue;
      }
      const since = this.orphanSince.get(id) ?? now;
      this.orphanSince.set(id, since);
      if (now - since >= graceMs) this.violation('orphans', id, `${names.join(', ')} of ${lab ? `${lab.status} lab` : 'unknown lab'} ${id}, there for ${Math.round((now - since) / 1000)} s or more`);
    }
    for (const id of this.orphanSince.keys()) if (!byLab.has(id)) this.orphanSince.delete(id);
  }

  /** Every lab a student was told of still exists, every event once seen is still there, and a lab seen ready has its ready event. */
  private async records(): Promise<void> {
    const ids = [...this.ledger.labs.keys()];
    const { rows: labs } = await this.db.query<{ id: string; ready: boolean }>(
      `SELECT l.id, EXISTS (SELECT 1 FROM lab_events e WHERE e.lab_id = l.id AND e.to_status = 'ready') AS ready FROM labs l WHERE l.id = ANY($1)`,
      [ids],
    );
    const found = new Map(labs.map((l) => [l.id, l.ready]));
    for (const lab of this.ledger.labs.values()) {
      if (!found.has(lab.id)) this.violation('lost records', lab.id, `lab ${lab.id} (${lab.via}${lab.status ? ` ${lab.status}` : ''} for ${lab.owner} at ${new Date(lab.askedAt).toISOString()}) is not in the database`);
      else if (lab.sawReady && !found.get(lab.id)) this.violation('lost records', `${lab.id}:ready`, `lab ${lab.id} was seen ready but has no ready event`);
    }
    const { rows: events } = await this.db.query<{ id: string }>(`SELECT id FROM lab_events`);
    const present = new Set(events.map((e) => e.id));
    for (const id of this.seenEvents) if (!present.has(id)) this.violation('lost records', `event:${id}`, `lab_events row ${id} disappeared`);
    for (const id of present) this.seenEvents.add(id);
  }
}
