/**
 * Wraps `run` so at most one call is under way: a value given meanwhile waits, and a newer one
 * replaces it. A terminal's resizes go to the backend this way: a client sending thousands (a
 * window dragged, or a flood) costs one backend call at a time, and the last size wins.
 */
export function latestOnly<T>(run: (value: T) => Promise<unknown>): (value: T) => void {
  let running = false;
  let waiting: { value: T } | undefined;
  const next = (value: T): void => {
    running = true;
    void run(value)
      .catch(() => undefined)
      .finally(() => {
        running = false;
        const queued = waiting;
        waiting = undefined;
        if (queued) next(queued.value);
      });
  };
  return (value) => {
    if (running) waiting = { value };
    else next(value);
  };
}
