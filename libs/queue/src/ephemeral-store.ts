import { Inject, Injectable } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { QUEUES, QueueSet } from './queue.tokens';
import { redisCall } from './redis-guard';

/** Short-lived values shared by API processes (an OpenID login's state), read once. */
@Injectable()
export class EphemeralStore {
  private readonly prefix: string;

  constructor(
    @Inject(QUEUES) private readonly queues: QueueSet,
    config: LabfleetConfig,
  ) {
    this.prefix = `${config.redis.keyPrefix}:ephemeral`;
  }

  async put(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    await redisCall(() => this.queues.connection.set(`${this.prefix}:${key}`, JSON.stringify(value), 'EX', ttlSeconds));
  }

  /** The value, deleted as it is read, or null if it expired or was taken already. */
  async take<T>(key: string): Promise<T | null> {
    const raw = await redisCall(() => this.queues.connection.getdel(`${this.prefix}:${key}`));
    return raw === null ? null : (JSON.parse(raw) as T);
  }
}
