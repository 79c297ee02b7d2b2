/** A connection's byte counters, as `net.Socket` keeps them. */
export interface TrafficCounters {
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

/** Whether bytes moved either way between two looks at the same connection's counters. */
export const movedBetween = (before: TrafficCounters, now: TrafficCounters): boolean =>
  now.bytesRead !== before.bytesRead || now.bytesWritten !== before.bytesWritten;

/**
 * Calls `onTraffic` once per `everyMs` in which bytes moved through `connection` in either
 * direction, until the returned stop is called. Looking at the counters costs nothing per frame
 * and never touches the stream itself (a `data` listener would change how the proxy's pipes flow).
 */
export function watchTraffic(connection: TrafficCounters, everyMs: number, onTraffic: () => void): () => void {
  let last = { bytesRead: connection.bytesRead, bytesWritten: connection.bytesWritten };
  const timer = setInterval(() => {
    const now = { bytesRead: connection.bytesRead, bytesWritten: connection.bytesWritten };
    if (movedBetween(last, now)) onTraffic();
    last = now;
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
