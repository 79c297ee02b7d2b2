import type { Queue } from 'bullmq';
import type IORedis from 'ioredis';
import type { QueueName } from './queue-name.enum';

/** Nest token for the producer `QueueSet`. */
export const QUEUES = Symbol('QUEUES');

/** One BullMQ `Queue` per `QueueName`, sharing one fail-fast Redis connection. */
export interface QueueSet {
  readonly connection: IORedis;
  readonly byName: ReadonlyMap<QueueName, Queue>;
}
