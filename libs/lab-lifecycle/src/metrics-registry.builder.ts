import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import { LabStatus } from '@labfleet/contracts';
import { Resources } from '@labfleet/domain';
import { PROVISION_BOUNDS_SECONDS, ProvisionHistogram, StoredCounts } from './lab-counters';

/** Everything one scrape shows, read beforehand from Postgres (live labs only) and Redis. */
export interface MetricsSnapshot {
  /** `LABFLEET_INSTANCE`: the `host` label of the capacity gauges. */
  readonly host: string;
  /** Labs not yet ended, by template, status and whether they are unclaimed pool labs. */
  readonly liveLabs: readonly { readonly template: string; readonly status: LabStatus; readonly pooled: boolean; readonly count: number }[];
  readonly counts: StoredCounts;
  readonly pools: readonly { readonly template: string; readonly idle: number; readonly warming: number; readonly target: number; readonly scheduled: number }[];
  readonly waiting: number;
  readonly queues: readonly { readonly queue: string; readonly state: string; readonly count: number }[];
  readonly capacity: Resources;
  readonly reserved: Resources;
}

const PROVISION_HISTOGRAM = 'labfleet_provision_duration_seconds';
const MIB = 1048576;

/**
 * The scrape's registry (never prom-client's global one). A new one per scrape: every value comes
 * from the snapshot, so nothing is carried over from a previous scrape, and two scrapes at once
 * cannot mix their values.
 */
export function buildMetricsRegistry(s: MetricsSnapshot): Registry {
  const registry = new Registry();
  const registers = [registry];

  const labs = new Gauge({ name: 'labfleet_labs', help: 'Labs not yet ended, by state and template; pool="true" for unclaimed pool labs', labelNames: ['status', 'template', 'pool'], registers });
  for (const l of s.liveLabs) labs.set({ status: l.status, template: l.template, pool: String(l.pooled) }, l.count);

  const ended = new Counter({ name: 'labfleet_labs_ended_total', help: 'Labs that ended (stopped or failed), by template; pool="true" for pool labs never claimed', labelNames: ['status', 'template', 'pool'], registers });
  for (const e of s.counts.ended) ended.inc({ status: e.status, template: e.template, pool: String(e.pooled) }, e.count);

  const requests = new Counter({ name: 'labfleet_lab_requests_total', help: 'Owned labs served from the warm pool or provisioned on request', labelNames: ['source'], registers });
  requests.inc({ source: 'pool' }, s.counts.requests.pool);
  requests.inc({ source: 'cold' }, s.counts.requests.cold);

  const pools = new Gauge({ name: 'labfleet_pool_labs', help: 'Warm pool labs by state, and the target', labelNames: ['template', 'state'], registers });
  for (const p of s.pools) {
    for (const [state, value] of Object.entries({ idle: p.idle, warming: p.warming, target: p.target, scheduled: p.scheduled })) pools.set({ template: p.template, state }, value);
  }
  new Gauge({ name: 'labfleet_admission_waiting', help: 'Lab requests waiting for capacity', registers }).set(s.waiting);

  const queues = new Gauge({ name: 'labfleet_queue_jobs', help: 'Jobs by queue and state', labelNames: ['queue', 'state'], registers });
  for (const q of s.queues) queues.set({ queue: q.queue, state: q.state }, q.count);

  new Counter({ name: 'labfleet_reconcile_runs_total', help: 'Reconcile passes', registers }).inc(s.counts.reconcileRuns);
  const actions = new Counter({ name: 'labfleet_reconcile_actions_total', help: 'What reconcile did', labelNames: ['action'], registers });
  for (const [action, n] of Object.entries(s.counts.reconcileActions)) actions.inc({ action }, n);

  const host = { host: s.host };
  const perHost = (name: string, help: string, value: number) => new Gauge({ name, help, labelNames: ['host'], registers }).set(host, value);
  perHost('labfleet_capacity_cpus', 'CPUs labs may reserve, per host', s.capacity.cpus);
  perHost('labfleet_capacity_memory_bytes', 'Memory labs may reserve, per host', s.capacity.memoryMb * MIB);
  perHost('labfleet_reserved_cpus', 'CPUs reserved by running labs', s.reserved.cpus);
  perHost('labfleet_reserved_memory_bytes', 'Memory reserved by running labs', s.reserved.memoryMb * MIB);

  return Registry.merge([registry, provisionRegistry(s.counts.provision)]);
}

/**
 * The provision-duration histogram from its stored bucket counts. prom-client's `Histogram` can
 * only observe one value at a time (replaying every provision would cost as much as the history);
 * `AggregatorRegistry.aggregate` is its public way to render metric values gathered elsewhere
 * (made for cluster workers' `getMetricsAsJSON()`; here the one source is the shared counters),
 * so the text is prom-client's own histogram format.
 */
function provisionRegistry(h: ProvisionHistogram): Registry {
  const bucket = (le: number | string, value: number) => ({ metricName: `${PROVISION_HISTOGRAM}_bucket`, labels: { le }, value });
  const metric = {
    name: PROVISION_HISTOGRAM,
    help: 'Time from provisioning to ready',
    type: 'histogram',
    aggregator: 'sum',
    values: [
      ...PROVISION_BOUNDS_SECONDS.map((le, i) => bucket(le, h.buckets[i])),
      bucket('+Inf', h.count),
      { metricName: `${PROVISION_HISTOGRAM}_sum`, labels: {}, value: h.sumSeconds },
      { metricName: `${PROVISION_HISTOGRAM}_count`, labels: {}, value: h.count },
    ],
  };
  return AggregatorRegistry.aggregate([[metric]]);
}
