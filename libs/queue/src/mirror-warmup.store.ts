import { Inject, Injectable } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import type { MirrorWarmup } from '@labfleet/contracts';
import { QUEUES, QueueSet } from './queue.tokens';
import { redisCall } from './redis-guard';

/** The worker's image mirror warm-up, as it last wrote it, for the API's `/health` (another process). */
@Injectable()
export class MirrorWarmupStore {
  private readonly key: string;

  constructor(
    @Inject(QUEUES) private readonly queues: QueueSet,
    config: LabfleetConfig,
  ) {
    this.key = `${config.redis.keyPrefix}:mirror-warmup`;
  }

  async write(progress: MirrorWarmup): Promise<void> {
    await redisCall(() => this.queues.connection.set(this.key, JSON.stringify(progress)));
  }

  /** Null until a worker has started. */
  async read(): Promise<MirrorWarmup | null> {
    const raw = await redisCall(() => this.queues.connection.get(this.key));
    return raw === null ? null : (JSON.parse(raw) as MirrorWarmup);
  }
}
