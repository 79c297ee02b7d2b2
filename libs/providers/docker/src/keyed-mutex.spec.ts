import { KeyedMutex } from './keyed-mutex';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** A task that logs its start, takes 10 ms (of fake time), logs its end and may fail. */
const task = (order: string[], name: string, fail = false) => async () => {
  order.push(`start ${name}`);
  await new Promise((r) => setTimeout(r, 10));
  order.push(`end ${name}`);
  if (fail) throw new Error(name);
};

describe('KeyedMutex', () => {
  it('serialises tasks of one key, even when one fails', async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const both = Promise.allSettled([mutex.run('a', task(order, '1', true)), mutex.run('a', task(order, '2'))]);
    await jest.advanceTimersByTimeAsync(9);
    expect(order).toEqual(['start 1']);
    await jest.advanceTimersByTimeAsync(1);
    expect(order).toEqual(['start 1', 'end 1', 'start 2']);
    await jest.advanceTimersByTimeAsync(10);
    expect((await both).map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('runs different keys side by side', async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const both = Promise.all([mutex.run('a', task(order, 'a')), mutex.run('b', task(order, 'b'))]);
    await jest.advanceTimersByTimeAsync(0);
    expect(order).toEqual(['start a', 'start b']);
    await jest.advanceTimersByTimeAsync(10);
    await both;
    expect(order).toEqual(['start a', 'start b', 'end a', 'end b']);
  });
});
