/**
 * `Promise.all` that waits for every promise, then rejects with the first failure in argument
 * order rather than in time: which error a caller hears does not depend on which call was
 * faster, and nothing is still running when the caller reacts to it.
 */
export async function allInOrder<T extends readonly unknown[] | []>(values: T): Promise<{ -readonly [P in keyof T]: Awaited<T[P]> }> {
  const results = await Promise.allSettled(values);
  for (const result of results) if (result.status === 'rejected') throw result.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as { -readonly [P in keyof T]: Awaited<T[P]> };
}
