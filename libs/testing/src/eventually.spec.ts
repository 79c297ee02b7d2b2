import { consistently, eventually } from './eventually';

describe('eventually', () => {
  it('returns the probe value once the probe stops throwing', async () => {
    let calls = 0;
    const value = await eventually(() => {
      calls++;
      if (calls < 3) throw new Error('not yet');
      return calls;
    }, { intervalMs: 1 });
    expect(value).toBe(3);
  });

  it('rethrows the last failure with what was awaited when time runs out', async () => {
    let calls = 0;
    const failure = eventually(() => {
      calls++;
      expect(calls).toBe(-1);
    }, { timeoutMs: 1000, intervalMs: 5, what: 'the lab to be ready' });
    await expect(failure).rejects.toThrow(/^the lab to be ready: still failing after \d+ ms \(\d+ attempts\): .*toBe/s);
    expect(calls).toBeGreaterThan(1);
  });
});

describe('consistently', () => {
  it('fails as soon as the probe fails within the window', async () => {
    let calls = 0;
    const check = consistently(() => {
      if (++calls === 3) throw new Error('a second lab appeared');
    }, { forMs: 1000, intervalMs: 1 });
    await expect(check).rejects.toThrow('a second lab appeared');
  });

  it('passes when the probe holds for the whole window', async () => {
    const started = performance.now();
    await consistently(() => true, { forMs: 40, intervalMs: 5 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(39);
  });
});
