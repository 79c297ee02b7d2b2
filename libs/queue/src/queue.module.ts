import { Module } from '@nestjs/common';
import { Queue } from 'bullmq';
import { LabfleetConfig } from '@labfleet/config';
import { CounterStore } from './counter-store';
import { EphemeralStore } from './ephemeral-store';
import { LabActivityStore } from './lab-activity.store';
import { LabJobsService } from './lab-jobs.service';
import { MirrorWarmupStore } from './mirror-warmup.store';
import { RateLimiter } from './rate-limiter';
import { QueueName } from './queue-name.enum';
import { QUEUES, QueueSet } from './queue.tokens';
import { createRedisConnection } from './redis-connection';

/** Producer side of the queues (the API and the worker's own follow-up jobs), and what else the API keeps in Redis. */
@Module({
  providers: [
    {
      provide: QUEUES,
      inject: [LabfleetConfig],
      useFactory: (config: LabfleetConfig): QueueSet => {
        const connection = createRedisConnection(config.redis.url, 'producer');
        connection.on('error', () => undefined); // reported through ping() and failed adds
        return { connection, byName: new Map(Object.values(QueueName).map((name) => [name, new Queue(name, { connection, prefix: config.redis.keyPrefix })])) };
      },
    },
    LabJobsService,
    RateLimiter,
    EphemeralStore,
    CounterStore,
    LabActivityStore,
    MirrorWarmupStore,
  ],
  exports: [LabJobsService, RateLimiter, EphemeralStore, CounterStore, LabActivityStore, MirrorWarmupStore, QUEUES],
})
export class QueueModule {}
