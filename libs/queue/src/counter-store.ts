import { Inject, Injectable } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { Batcher, Outcome } from '@labfleet/domain';
import { QUEUES, QueueSet } from './queue.tokens';
import { redisCall } from './redis-guard';

/** Monotonic counters shared by every process (what reconcile did), for /metrics. */
@Injectable()
export class CounterStore {
  private readonly key: string;
  private readonly adds = new Batcher<Record<string, number>, void>((batch) => this.addAll(batch));

  constructor(
    @Inject(QUEUES) private readonly queues: QueueSet,
    config: LabfleetConfig,
  ) {
    this.key = `${config.redis.keyPrefix}:counters`;
  }

  /** Counts that arrive together (a class's lab requests) go to Redis in one round trip. */
  add(counts: Record<string, number>): Promise<void> {
    if (!Object.values(counts).some((n) => n > 0)) return Promise.resolve();
    return this.adds.submit(counts);
  }

  private async addAll(batch: Record<string, number>[]): Promise<Outcome<void>[]> {
    const sums = new Map<string, number>();
    for (const counts of batch) for (const [field, n] of Object.entries(counts)) if (n > 0) sums.set(field, (sums.get(field) ?? 0) + n);
    await redisCall(async () => {
      const tx = this.queues.connection.multi();
      for (const [field, n] of sums) tx.hincrby(this.key, field, n);
      await tx.exec();
    });
    return batch.map(() => ({ ok: true, value: undefined }));
  }

  async all(): Promise<Record<string, number>> {
    const raw = await redisCall(() => this.queues.connection.hgetall(this.key));
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }

  /** Jobs per state in each queue. */
  async queueDepths(): Promise<{ queue: string; state: string; count: number }[]> {
    const out: { queue: string; state: string; count: number }[] = [];
    for (const [name, queue] of this.queues.byName) {
      const counts = await redisCall(() => queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'));
      for (const [state, count] of Object.entries(counts)) out.push({ queue: name, state, count });
    }
    return out;
  }
}
