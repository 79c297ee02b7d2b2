import { Agent, ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';

/** Below the 5 s after which Node's HTTP servers close an idle connection: a kept stream is rarely stale. */
const IDLE_MS = 4000;

/** What a request through the engine adds to its options: which kept streams fit it, and how to open one. */
export interface TunnelRoute {
  readonly tunnelKey: string;
  readonly open: () => Promise<Duplex>;
}

/**
 * Keeps streams through the engine open between requests, as the default agent keeps TCP
 * connections: opening one runs an exec in the lab node (~60 ms), reusing one costs about a
 * millisecond. Keyed by lab, node and port; closed after `IDLE_MS` unused.
 */
export class TunnelAgent extends Agent {
  constructor() {
    super({ keepAlive: true, maxFreeSockets: 6 });
  }

  override getName(options: ClientRequestArgs & Partial<TunnelRoute>): string {
    return options.tunnelKey ?? super.getName(options);
  }

  override createConnection(options: ClientRequestArgs & Partial<TunnelRoute>, oncreate?: (error: Error | null, stream: Duplex) => void): undefined {
    const { open } = options;
    if (!open || !oncreate) throw new Error('a request through the tunnel agent needs a route and a callback');
    open().then(
      (stream) => oncreate(null, keepable(stream)),
      (error: Error) => oncreate(error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}

/** The socket methods the agent calls on a connection it keeps; `unref` (kept idle) starts the idle timer, `ref` (reused) stops it. */
function keepable(stream: Duplex): Duplex {
  let idle: NodeJS.Timeout | undefined;
  const self = () => stream;
  return Object.assign(stream, {
    setKeepAlive: self,
    setNoDelay: self,
    setTimeout: self,
    unref: () => {
      idle = setTimeout(() => stream.destroy(), IDLE_MS);
      return stream;
    },
    ref: () => {
      clearTimeout(idle);
      return stream;
    },
  });
}
