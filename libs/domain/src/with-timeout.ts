/** Rejects with `Error('no answer within <ms> ms')` when `promise` takes longer; clears its timer either way. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Something that emits events, such as a stream or a socket. */
export interface EventSource {
  on(event: string, listener: () => void): unknown;
}

/** True when `source` emits one of `events` within `ms`, false when the time runs out first. */
export function endsWithin(source: EventSource, events: readonly string[], ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    for (const event of events) {
      source.on(event, () => {
        clearTimeout(timer);
        resolve(true);
      });
    }
  });
}

/** Awaits an API call, turning the given HTTP statuses (404 gone, 409 already exists) into `undefined`. */
export async function tolerateStatuses<T>(call: Promise<T>, statuses: readonly number[], statusOf: (e: unknown) => number | undefined): Promise<T | undefined> {
  try {
    return await call;
  } catch (e) {
    if (statuses.includes(statusOf(e) ?? 0)) return undefined;
    throw e;
  }
}
