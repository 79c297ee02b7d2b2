import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { LabfleetConfig } from '@labfleet/config';
import { Batcher, RateLimitedError } from '@labfleet/domain';
import { QUEUES, QueueSet } from './queue.tokens';
import { redisCall } from './redis-guard';

const MAX_LOCK_MS = 15 * 60_000;
const FAILURE_MEMORY_MS = 15 * 60_000;

export interface RateLimit {
  readonly key: string;
  readonly perMinute: number;
  /** What is counted, for the refusal's message ("lab requests from this address"). */
  readonly what: string;
}

/**
 * Request limits and failed-login slow-down, kept in Redis so every API process shares them.
 * Fixed one-minute windows: simple, and at most twice the limit across a window edge.
 */
@Injectable()
export class RateLimiter {
  private readonly prefix: string;
  // Requests that arrive together (a classroom rush) count theirs in one round trip.
  private readonly counts = new Batcher<string[], number[]>(async (asks) => {
    const counts = await redisCall(async () => {
      const tx = this.queues.connection.multi();
      for (const key of asks.flat()) tx.incr(key).pexpire(key, 61_000);
      return ((await tx.exec()) as [unknown, number][]).filter((_, i) => i % 2 === 0).map(([, n]) => n);
    });
    let next = 0;
    return asks.map((keys) => ({ ok: true, value: keys.map(() => counts[next++]) }));
  });

  constructor(
    @Inject(QUEUES) private readonly queues: QueueSet,
    config: LabfleetConfig,
  ) {
    this.prefix = `${config.redis.keyPrefix}:limits`;
  }

  /** Counts one request against `key`; throws `RateLimitedError` past `perMinute`. */
  async consume(key: string, perMinute: number, what: string): Promise<void> {
    await this.consumeAll([{ key, perMinute, what }]);
  }

  /**
   * Counts one request against each limit in one Redis round trip (shared with the requests that
   * arrive with it); throws for the first one exceeded.
   * Returns what takes the count back, for a request the server could not judge.
   */
  async consumeAll(limits: readonly RateLimit[]): Promise<() => Promise<void>> {
    const now = Date.now();
    const window = Math.floor(now / 60_000);
    const keys = limits.map((l) => `${this.prefix}:rate:${l.key}:${window}`);
    const counts = await this.counts.submit(keys);
    const exceeded = limits.find((l, i) => counts[i] > l.perMinute);
    if (exceeded) {
      throw new RateLimitedError(`too many ${exceeded.what}: at most ${exceeded.perMinute} per minute`, Math.ceil(((window + 1) * 60_000 - now) / 1000));
    }
    return () =>
      redisCall(async () => {
        const tx = this.queues.connection.multi();
        for (const key of keys) tx.decr(key);
        await tx.exec();
      });
  }

  /**
   * Holds `key` for one caller at a time (across API processes) for at most `ms`; throws
   * `RateLimitedError` while another holds it. Returns the release.
   */
  async holdAlone(key: string, ms: number, what: string): Promise<() => Promise<void>> {
    const held = `${this.prefix}:held:${key}`;
    const token = randomUUID();
    const ok = await redisCall(() => this.queues.connection.set(held, token, 'PX', ms, 'NX'));
    if (ok !== 'OK') throw new RateLimitedError(`${what} is already running; wait for its result`, 1);
    // Deletes only our own hold: one that expired and was taken by another is left alone.
    return async () => {
      await redisCall(() => this.queues.connection.eval(`if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`, 1, held, token));
    };
  }

  /** Throws while `key` is locked after failed attempts. */
  async assertUnlocked(key: string, what: string): Promise<void> {
    const ttl = await redisCall(() => this.queues.connection.pttl(`${this.prefix}:lock:${key}`));
    if (ttl > 0) throw new RateLimitedError(`too many failed ${what}; try again later`, Math.ceil(ttl / 1000));
  }

  /** Records a failure; from `threshold` failures in a row on, each one locks the key for twice as long. */
  async recordFailure(key: string, threshold: number): Promise<void> {
    const failures = `${this.prefix}:failures:${key}`;
    await redisCall(async () => {
      const [[, n]] = (await this.queues.connection.multi().incr(failures).pexpire(failures, FAILURE_MEMORY_MS).exec()) as [[unknown, number]];
      if (n >= threshold) await this.queues.connection.set(`${this.prefix}:lock:${key}`, '1', 'PX', Math.min(1000 * 2 ** (n - threshold), MAX_LOCK_MS));
    });
  }

  async clearFailures(key: string): Promise<void> {
    await redisCall(() => this.queues.connection.del(`${this.prefix}:failures:${key}`, `${this.prefix}:lock:${key}`));
  }
}
