import { Inject, Injectable } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { QUEUES, QueueSet } from './queue.tokens';
import { redisCall } from './redis-guard';

/** Monotonic counters shared by every process (what reconcile did), for /metrics. */
@Injectable()
export class CounterStore {
  private readonly key: string;

  constructor(
    @Inject(QUEUES) private readonly queues: QueueSet,
    config: LabfleetConfig,
  ) {
    this.key = `${config.redis.keyPrefix}:counters`;
  }

  async add(counts: Record<string, number>): Promise<void> {
    const entries = Object.entries(counts).filter(([, n]) => n > 0);
    if (entries.length === 0) return;
    await redisCall(async () => {
      const tx = this.queues.connection.multi();
      for (const [field, n] of entries) tx.hincrby(this.key, field, n);
      await tx.exec();
    });
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
