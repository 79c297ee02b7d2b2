import { setTimeout as delay } from 'node:timers/promises';

export interface EventuallyOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** First pause between attempts; it grows ×1.5 up to 1 s (default 50 ms). */
  intervalMs?: number;
  /** What is awaited, for the failure message. */
  what?: string;
}

/**
 * Runs `probe` until it returns without throwing, and returns its value. A probe states what it
 * waits for with `expect(...)` or by throwing; on timeout the last failure is rethrown with
 * `what` and the time waited, so a test fails on what was wrong, not on "timeout". The one place
 * tests wait for something to happen: no fixed sleeps, no ad-hoc polling loops.
 */
export async function eventually<T>(probe: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const { timeoutMs = 30_000, what = 'condition' } = options;
  let pause = options.intervalMs ?? 50;
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await probe();
    } catch (error) {
      const waited = performance.now() - started;
      if (waited + pause > timeoutMs) {
        const reason = error instanceof Error ? error.message : String(error);
        throw Object.assign(new Error(`${what}: still failing after ${Math.round(waited)} ms (${attempt} attempts): ${reason}`), { cause: error });
      }
    }
    await delay(pause);
    pause = Math.min(pause * 1.5, 1000);
  }
}

/**
 * Checks that `probe` keeps passing for `forMs` (what must NOT happen, e.g. a second lab): the
 * one sanctioned wait of a fixed length, because absence can only be shown over time.
 */
export async function consistently<T>(probe: () => T | Promise<T>, options: { forMs: number; intervalMs?: number }): Promise<T> {
  const until = performance.now() + options.forMs;
  for (;;) {
    const value = await probe();
    if (performance.now() >= until) return value;
    await delay(Math.min(options.intervalMs ?? 100, Math.max(0, until - performance.now())));
  }
}
