import { Injectable, Logger } from '@nestjs/common';
import { CounterStore } from '@labfleet/queue';
import { EndedLab, endedCounts, readyCounts, RequestSource, requestCounts } from './lab-counters';

/**
 * Counts what happens to labs, as it happens, in the counters every API and worker process shares
 * (Redis), for /metrics. Best effort: a count lost to a Redis outage never fails the lab itself
 * (Prometheus sees a counter that grew less, not an error).
 */
@Injectable()
export class LabCountersService {
  private readonly logger = new Logger('LabCounters');

  constructor(private readonly counters: CounterStore) {}

  /** A lab became ready `provisionMs` after its provision began. */
  labReady(provisionMs: number): Promise<void> {
    return this.add(readyCounts(provisionMs));
  }

  /** An owned lab was handed out: claimed from the pool, or new (provisioned at once or after waiting). */
  labRequested(source: RequestSource): Promise<void> {
    return this.add(requestCounts(source));
  }

  labEnded(lab: EndedLab): Promise<void> {
    return this.add(endedCounts(lab));
  }

  private async add(counts: Record<string, number>): Promise<void> {
    await this.counters.add(counts).catch((e: unknown) => this.logger.warn({ msg: 'metric counters not updated', counts, error: e instanceof Error ? e.message : String(e) }));
  }
}
