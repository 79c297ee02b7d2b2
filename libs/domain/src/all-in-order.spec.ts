import { allInOrder } from './all-in-order';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** Settles with `value` after `ms` of fake time. */
const later = <T>(ms: number, value: T, fail = false): Promise<T> => new Promise((resolve, reject) => setTimeout(() => (fail ? reject(value) : resolve(value)), ms));

describe('allInOrder', () => {
  it('answers every value in argument order', async () => {
    const all = allInOrder([later(20, 'a'), later(1, 2), Promise.resolve(null)]);
    await jest.advanceTimersByTimeAsync(20);
    await expect(all).resolves.toEqual(['a', 2, null]);
  });

  it('rejects with the first failure by argument order, once all have settled', async () => {
    let failure: unknown;
    const all = allInOrder([later(20, new Error('first'), true), later(1, new Error('second'), true), later(30, 'slow')]).catch((e: unknown) => (failure = e));
    await jest.advanceTimersByTimeAsync(29);
    expect(failure).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    await all;
    expect(failure).toEqual(new Error('first'));
  });
});
