import { latestOnly } from './latest-only';

describe('latestOnly', () => {
  it('runs one call at a time, and of the values given meanwhile only the last', async () => {
    const started: number[] = [];
    const finish: (() => void)[] = [];
    const call = latestOnly((n: number) => {
      started.push(n);
      return new Promise<void>((resolve) => finish.push(resolve));
    });
    for (let n = 1; n <= 1000; n++) call(n);
    expect(started).toEqual([1]);
    finish[0]();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([1, 1000]);
    finish[1]();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([1, 1000]);
  });

  it('goes on after a call that fails', async () => {
    const seen: string[] = [];
    const call = latestOnly(async (s: string) => {
      seen.push(s);
      if (s === 'bad') throw new Error('the backend said no');
    });
    call('bad');
    call('good');
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['bad', 'good']);
  });
});
