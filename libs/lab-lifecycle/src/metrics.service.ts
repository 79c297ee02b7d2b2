import { Injectable } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { LabStatsRepository } from '@labfleet/persistence';
import { CounterStore } from '@labfleet/queue';
import { readCounts } from './lab-counters';
import { buildMetricsRegistry } from './metrics-registry.builder';
import { PoolService } from './pool.service';

/**
 * `/metrics`, from Postgres and Redis at scrape time, so any API process answers alike. What grows
 * with the history (provisions, requests, ended labs) is counted in Redis as it happens
 * (`LabCountersService`); Postgres is asked about live labs only. A scrape therefore costs the
 * same with 100 or 100 000 labs behind it (`metrics-cost.int-spec.ts`, `npm run bench:metrics`).
 */
@Injectable()
export class MetricsService {
  constructor(
    private readonly stats: LabStatsRepository,
    private readonly pools: PoolService,
    private readonly counters: CounterStore,
    private readonly config: LabfleetConfig,
  ) {}

  /** The Prometheus text exposition format, version 0.0.4. */
  async render(): Promise<string> {
    const [liveLabs, pools, counts, queues] = await Promise.all([this.stats.liveLabs(), this.pools.status(), this.counters.all(), this.counters.queueDepths()]);
    const registry = buildMetricsRegistry({
      host: this.config.instance,
      liveLabs,
      counts: readCounts(counts),
      pools: pools.pools,
      waiting: pools.waiting,
      queues,
      capacity: pools.capacity,
      reserved: pools.reserved,
    });
    return registry.metrics();
  }
}
