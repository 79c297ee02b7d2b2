import { KeyedMutex } from './keyed-mutex';

describe('KeyedMutex', () => {
  it('serialises tasks of one key, even when one fails', async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const task = (name: string, fail = false) => async () => {
      order.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, 10));
      order.push(`end ${name}`);
      if (fail) throw new Error(name);
    };
    await Promise.allSettled([mutex.run('a', task('1', true)), mutex.run('a', task('2'))]);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('runs different keys side by side', async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const task = (name: string) => async () => {
      order.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, 10));
      order.push(`end ${name}`);
    };
    await Promise.all([mutex.run('a', task('a')), mutex.run('b', task('b'))]);
    expect(order.slice(0, 2)).toEqual(['start a', 'start b']);
  });
});
