import { allInOrder } from './all-in-order';

const later = <T>(ms: number, value: T, fail = false): Promise<T> => new Promise((resolve, reject) => setTimeout(() => (fail ? reject(value) : resolve(value)), ms));

describe('allInOrder', () => {
  it('answers every value in argument order', async () => {
    await expect(allInOrder([later(20, 'a'), later(1, 2), Promise.resolve(null)])).resolves.toEqual(['a', 2, null]);
  });

  it('rejects with the first failure by argument order, once all have settled', async () => {
    let settled = false;
    const slow = later(30, 'slow').then((v) => ((settled = true), v));
    await expect(allInOrder([later(20, new Error('first'), true), later(1, new Error('second'), true), slow])).rejects.toThrow('first');
    expect(settled).toBe(true);
  });
});
