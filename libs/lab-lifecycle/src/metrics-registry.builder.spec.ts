import { Histogram, Registry } from 'prom-client';
import { LabStatus } from '@labfleet/contracts';
import { endedCounts, PROVISION_BOUNDS_SECONDS, readCounts, readyCounts, requestCounts } from './lab-counters';
import { buildMetricsRegistry, MetricsSnapshot } from './metrics-registry.builder';

const DURATIONS_MS = [120, 480, 900, 900, 1750, 61_000, 130_000];

function hashOf(...increments: Record<string, number>[]): Record<string, number> {
  const hash: Record<string, number> = {};
  for (const inc of increments) for (const [field, n] of Object.entries(inc)) hash[field] = (hash[field] ?? 0) + n;
  return hash;
}

const snapshot = (over: Partial<MetricsSnapshot> = {}): MetricsSnapshot => ({
  host: 'lab-host-1',
  liveLabs: [
    { template: 'docker', status: LabStatus.Ready, pooled: false, count: 3 },
    { template: 'docker', status: LabStatus.Ready, pooled: true, count: 2 },
    { template: 'swarm "3"\\', status: LabStatus.Stopping, pooled: false, count: 1 },
  ],
  counts: readCounts(
    hashOf(
      ...DURATIONS_MS.map(readyCounts),
      requestCounts('pool'),
      requestCounts('cold'),
      requestCounts('cold'),
      endedCounts({ template: 'docker', status: LabStatus.Stopped, pooled: false }),
      endedCounts({ template: 'docker', status: LabStatus.Failed, pooled: true }),
      { 'reconcile-runs': 7, 'reconcile-mark-failed': 1 },
    ),
  ),
  pools: [{ template: 'docker', idle: 2, warming: 1, target: 3, scheduled: 0 }],
  waiting: 4,
  queues: [{ queue: 'lab-provision', state: 'active', count: 2 }],
  capacity: { cpus: 8, memoryMb: 16384 },
  reserved: { cpus: 1.5, memoryMb: 1024 },
  ...over,
});

/** The lines of one family (HELP, TYPE and samples) in a rendered text. */
function family(text: string, name: string): string[] {
  const samples = [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
  return text.split('\n').filter((line) => line.startsWith(`# HELP ${name} `) || line.startsWith(`# TYPE ${name} `) || samples.some((s) => line.startsWith(`${s}{`) || line.startsWith(`${s} `)));
}

describe('buildMetricsRegistry', () => {
  it('renders the live labs, ended labs and request sources with the labels dashboards use, label values escaped', async () => {
    const text = await buildMetricsRegistry(snapshot()).metrics();
    expect(family(text, 'labfleet_labs')).toEqual([
      '# HELP labfleet_labs Labs not yet ended, by state and template; pool="true" for unclaimed pool labs',
      '# TYPE labfleet_labs gauge',
      'labfleet_labs{status="ready",template="docker",pool="false"} 3',
      'labfleet_labs{status="ready",template="docker",pool="true"} 2',
      'labfleet_labs{status="stopping",template="swarm \\"3\\"\\\\",pool="false"} 1',
    ]);
    expect(family(text, 'labfleet_labs_ended_total')).toEqual([
      '# HELP labfleet_labs_ended_total Labs that ended (stopped or failed), by template; pool="true" for pool labs never claimed',
      '# TYPE labfleet_labs_ended_total counter',
      'labfleet_labs_ended_total{status="stopped",template="docker",pool="false"} 1',
      'labfleet_labs_ended_total{status="failed",template="docker",pool="true"} 1',
    ]);
    expect(text).toContain('labfleet_lab_requests_total{source="pool"} 1\nlabfleet_lab_requests_total{source="cold"} 2\n');
  });

  it('renders the provision histogram exactly as a prom-client Histogram that observed the same provisions', async () => {
    const text = await buildMetricsRegistry(snapshot()).metrics();
    const reference = new Registry();
    const histogram = new Histogram({ name: 'labfleet_provision_duration_seconds', help: 'Time from provisioning to ready', buckets: [...PROVISION_BOUNDS_SECONDS], registers: [reference] });
    for (const ms of DURATIONS_MS) histogram.observe(ms / 1000);
    const expected = (await reference.metrics()).trim().split('\n');
    expect(expected).toContain('labfleet_provision_duration_seconds_bucket{le="1"} 4');
    expect(expected).toContain('labfleet_provision_duration_seconds_bucket{le="+Inf"} 7');
    expect(family(text, 'labfleet_provision_duration_seconds')).toEqual(expected);
  });

  it('renders pools, waiting line, queues, reconcile counters and per-host capacity', async () => {
    const text = await buildMetricsRegistry(snapshot()).metrics();
    for (const line of [
      'labfleet_pool_labs{template="docker",state="idle"} 2',
      'labfleet_pool_labs{template="docker",state="warming"} 1',
      'labfleet_pool_labs{template="docker",state="target"} 3',
      'labfleet_pool_labs{template="docker",state="scheduled"} 0',
      'labfleet_admission_waiting 4',
      'labfleet_queue_jobs{queue="lab-provision",state="active"} 2',
      '# TYPE labfleet_reconcile_runs_total counter',
      'labfleet_reconcile_runs_total 7',
      'labfleet_reconcile_actions_total{action="adopt"} 0',
      'labfleet_reconcile_actions_total{action="mark-failed"} 1',
      'labfleet_reconcile_actions_total{action="requeue-destroy"} 0',
      'labfleet_capacity_cpus{host="lab-host-1"} 8',
      `labfleet_capacity_memory_bytes{host="lab-host-1"} ${16384 * 1048576}`,
      'labfleet_reserved_cpus{host="lab-host-1"} 1.5',
      `labfleet_reserved_memory_bytes{host="lab-host-1"} ${1024 * 1048576}`,
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  });

  it('starts every scrape afresh: what a previous snapshot had is gone, and zero counts still show', async () => {
    await buildMetricsRegistry(snapshot()).metrics();
    const text = await buildMetricsRegistry(snapshot({ liveLabs: [], counts: readCounts({}), pools: [], queues: [] })).metrics();
    expect(text).not.toMatch(/^labfleet_labs\{/m);
    expect(text).not.toMatch(/^labfleet_labs_ended_total\{/m);
    expect(text).toContain('labfleet_lab_requests_total{source="pool"} 0\nlabfleet_lab_requests_total{source="cold"} 0\n');
    expect(text).toContain('labfleet_provision_duration_seconds_bucket{le="+Inf"} 0\nlabfleet_provision_duration_seconds_sum 0\nlabfleet_provision_duration_seconds_count 0');
  });
});
