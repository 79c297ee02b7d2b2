import { Injectable } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { LabStatsRepository } from '@labfleet/persistence';
import { CounterStore } from '@labfleet/queue';
import { PoolService } from './pool.service';
import { PrometheusText } from './prometheus-text';

const PROVISION_BOUNDS = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];
const RECONCILE_ACTIONS = ['adopt', 'remove-orphan', 'mark-failed', 'requeue-provision', 'requeue-destroy'];

/** `/metrics`: computed at scrape time from Postgres and Redis, so any API process answers alike. */
@Injectable()
export class MetricsService {
  constructor(
    private readonly stats: LabStatsRepository,
    private readonly pools: PoolService,
    private readonly counters: CounterStore,
    private readonly config: LabfleetConfig,
  ) {}

  async render(): Promise<string> {
    const [labs, durations, sources, pools, counters, depths] = await Promise.all([
      this.stats.labsByStatus(),
      this.stats.provisionDurations(PROVISION_BOUNDS),
      this.stats.requestSources(),
      this.pools.status(),
      this.counters.all(),
      this.counters.queueDepths(),
    ]);
    const host = this.config.instance;
    const out = new PrometheusText().family('labfleet_labs', 'gauge', 'Labs by state and template; pool="true" for unclaimed pool labs');
    for (const l of labs) out.sample('labfleet_labs', l.count, { status: l.status, template: l.template, pool: String(l.pooled) });
    out.histogram('labfleet_provision_duration_seconds', 'Time from provisioning to ready', PROVISION_BOUNDS, durations.buckets, durations.count, durations.sumSeconds);
    out.family('labfleet_lab_requests_total', 'counter', 'Owned labs served from the warm pool or provisioned on request');
    out.sample('labfleet_lab_requests_total', sources.pool, { source: 'pool' }).sample('labfleet_lab_requests_total', sources.cold, { source: 'cold' });
    out.family('labfleet_pool_labs', 'gauge', 'Warm pool labs by state, and the target');
    for (const p of pools.pools) {
      for (const [state, value] of Object.entries({ idle: p.idle, warming: p.warming, target: p.target, scheduled: p.scheduled })) out.sample('labfleet_pool_labs', value, { template: p.template, state });
    }
    out.family('labfleet_admission_waiting', 'gauge', 'Lab requests waiting for capacity').sample('labfleet_admission_waiting', pools.waiting);
    out.family('labfleet_queue_jobs', 'gauge', 'Jobs by queue and state');
    for (const d of depths) out.sample('labfleet_queue_jobs', d.count, { queue: d.queue, state: d.state });
    out.family('labfleet_reconcile_runs_total', 'counter', 'Reconcile passes').sample('labfleet_reconcile_runs_total', counters['reconcile-runs'] ?? 0);
    out.family('labfleet_reconcile_actions_total', 'counter', 'What reconcile did');
    for (const action of RECONCILE_ACTIONS) out.sample('labfleet_reconcile_actions_total', counters[`reconcile-${action}`] ?? 0, { action });
    out.family('labfleet_capacity_cpus', 'gauge', 'CPUs labs may reserve, per host').sample('labfleet_capacity_cpus', pools.capacity.cpus, { host });
    out.family('labfleet_capacity_memory_bytes', 'gauge', 'Memory labs may reserve, per host').sample('labfleet_capacity_memory_bytes', pools.capacity.memoryMb * 1048576, { host });
    out.family('labfleet_reserved_cpus', 'gauge', 'CPUs reserved by running labs').sample('labfleet_reserved_cpus', pools.reserved.cpus, { host });
    out.family('labfleet_reserved_memory_bytes', 'gauge', 'Memory reserved by running labs').sample('labfleet_reserved_memory_bytes', pools.reserved.memoryMb * 1048576, { host });
    return out.toString();
  }
}
