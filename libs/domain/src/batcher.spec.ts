import { Batcher, Outcome } from './batcher';

describe('Batcher', () => {
  it('runs a lone call at once, and groups the calls made while a batch runs', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new Batcher<number, number>(async (inputs) => {
      batches.push(inputs);
      if (batches.length === 1) await gate;
      return inputs.map((n): Outcome<number> => ({ ok: true, value: n * 10 }));
    });
    const first = batcher.submit(1);
    await new Promise((r) => setImmediate(r));
    const rest = [2, 3, 4].map((n) => batcher.submit(n));
    release();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('fails only the items that failed, or the whole batch when the run throws', async () => {
    const odd = new Batcher<number, number>(async (inputs) => inputs.map((n) => (n % 2 ? { ok: false, error: new Error(`odd ${n}`) } : { ok: true, value: n })));
    const results = await Promise.allSettled([1, 2, 3].map((n) => odd.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    let down = true;
    const flaky = new Batcher<number, number>(async (inputs) => {
      if (down) throw new Error('database gone');
      return inputs.map((n) => ({ ok: true, value: n }));
    });
    await expect(Promise.all([flaky.submit(1), flaky.submit(2)])).rejects.toThrow('database gone');
    // The next batch runs as usual.
    down = false;
    await expect(flaky.submit(5)).resolves.toBe(5);
  });

  it('never puts more than max items in one batch', async () => {
    const sizes: number[] = [];
    const batcher = new Batcher<number, number>(async (inputs) => {
      sizes.push(inputs.length);
      return inputs.map((n) => ({ ok: true, value: n }));
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
    expect(sizes).toEqual([2, 2, 1]);
  });
});
