import { DependencyUnavailableError, withTimeout } from '@labfleet/domain';

/** Runs a Redis call with a 1 s bound; any failure is `DependencyUnavailableError('redis')`. */
export async function redisCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await withTimeout(fn(), 1000);
  } catch (e) {
    throw new DependencyUnavailableError('redis', e instanceof Error ? e.message : String(e));
  }
}
