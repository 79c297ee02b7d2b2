import { Agent } from 'node:http';
import type { Duplex } from 'node:stream';

/** Below the 5 s after which Node's HTTP servers close an idle connection: a kept connection is rarely stale. */
export const IDLE_MS = 4000;

/**
 * Keeps streams through the engine to one port of one lab node open between requests, as an agent
 * keeps TCP connections: opening one runs an exec in the lab node (~60 ms), reusing one costs about
 * a millisecond. A stream is closed after `IDLE_MS` unused.
 */
export class TunnelAgent extends Agent {
  private streams = 0;

  constructor(
    private readonly open: () => Promise<Duplex>,
    private readonly onEmpty: () => void,
  ) {
    super({ keepAlive: true, maxFreeSockets: 6 });
  }

  override createConnection(_options: unknown, oncreate?: (error: Error | null, stream: Duplex) => void): undefined {
    if (!oncreate) throw new Error('the tunnel agent opens streams asynchronously: it needs a callback');
    this.streams++;
    this.open().then(
      (stream) => {
        stream.once('close', () => this.release());
        oncreate(null, keepable(stream));
      },
      (error: Error) => {
        this.release();
        oncreate(error, undefined as unknown as Duplex);
      },
    );
    return undefined;
  }

  private release(): void {
    if (--this.streams === 0) this.onEmpty();
  }
}

/**
 * One `TunnelAgent` per route (lab, node, port): the proxy library hands an agent only the options
 * it knows, so the route is the agent's own. An agent whose streams are all closed is forgotten.
 */
export class TunnelAgents {
  private readonly agents = new Map<string, TunnelAgent>();

  /** `key` names the route for good: a lab's address is reused by later labs, its port path is not. */
  agentFor(key: string, open: () => Promise<Duplex>): TunnelAgent {
    const kept = this.agents.get(key);
    if (kept) return kept;
    const agent = new TunnelAgent(open, () => this.agents.get(key) === agent && this.agents.delete(key));
    this.agents.set(key, agent);
    return agent;
  }
}

/** The socket methods the agent calls on a connection it keeps; `unref` (kept idle) starts the idle timer, `ref` (reused) stops it. */
function keepable(stream: Duplex): Duplex {
  let idle: NodeJS.Timeout | undefined;
  const self = () => stream;
  stream.once('close', () => clearTimeout(idle));
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
