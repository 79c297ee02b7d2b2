import IORedis, { RedisOptions } from 'ioredis';

/**
 * Producers (the API) fail fast when Redis is down, so a request answers 503 at once instead of
 * hanging in ioredis' offline queue. Workers wait and reconnect: BullMQ needs that.
 */
export function createRedisConnection(url: string, role: 'producer' | 'worker'): IORedis {
  const options: RedisOptions =
    role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000, retryStrategy: () => 500 }
      : { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, 2000) };
  return new IORedis(url, { ...options, lazyConnect: false });
}
