import { randomBytes } from 'node:crypto';
import { RateLimitedError } from '@labfleet/domain';
import { testConfig, removeRedisKeys } from '@labfleet/testing';
import { createRedisConnection, QueueSet, RateLimiter } from '../src';

const REDIS_URL = 'redis://127.0.0.1:6379';

/** A classroom rush counts its lab requests in one Redis round trip, and the limits still hold to the request. */
describe('RateLimiter (real Redis)', () => {
  const instance = `t${randomBytes(4).toString('hex')}`;
  const connection = createRedisConnection(REDIS_URL, 'producer');
  const queues: QueueSet = { connection, byName: new Map() };
  const limiter = new RateLimiter(queues, testConfig(instance, { REDIS_URL, REDIS_KEY_PREFIX: instance }));

  beforeAll(async () => {
    if (connection.status !== 'ready') await new Promise((resolve) => connection.once('ready', resolve));
  });

  afterAll(async () => {
    await removeRedisKeys(instance);
    await connection.quit();
  });

  it('counts 30 requests that arrive together in one transaction: the first 20 of a limit of 20 pass, each of its own account', async () => {
    const multi = jest.spyOn(connection, 'multi');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        limiter.consumeAll([
          { key: 'labs:address:10.0.0.1', perMinute: 20, what: 'lab requests from this address' },
          { key: `labs:account:${i}`, perMinute: 1, what: 'lab requests for this account' },
        ]),
      ),
    );
    expect(multi).toHaveBeenCalledTimes(1);
    multi.mockRestore();
    expect(outcomes.map((o) => o.status)).toEqual([...Array(20).fill('fulfilled'), ...Array(10).fill('rejected')]);
    const refused = outcomes[20] as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(RateLimitedError);
    expect(refused.reason.message).toBe('too many lab requests from this address: at most 20 per minute');

    // The accounts' own limits were counted too: a second request of account 0 is its second.
    await expect(limiter.consumeAll([{ key: 'labs:account:0', perMinute: 1, what: 'lab requests for this account' }])).rejects.toThrow('too many lab requests for this account: at most 1 per minute');
  });

  it('gives a count back when asked (a request the server could not judge)', async () => {
    const release = await limiter.consumeAll([{ key: 'logins:x', perMinute: 1, what: 'logins' }]);
    await release();
    await expect(limiter.consumeAll([{ key: 'logins:x', perMinute: 1, what: 'logins' }])).resolves.toBeInstanceOf(Function);
  });
});
