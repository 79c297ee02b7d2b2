import { once } from 'node:events';
import { createServer, get, Server } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { TunnelAgent, TunnelAgents } from './tunnel-agent';

/** A GET through `agent`; resolves with the body, rejects with the connection's error. */
function fetchVia(agent: TunnelAgent, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('TunnelAgents (streams standing in for the engine: TCP connections to a local server)', () => {
  let server: Server;
  let port: number;
  let opened: Duplex[];
  const open = (): Promise<Duplex> =>
    new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket)).once('error', reject);
      opened.push(socket);
    });

  beforeEach(async () => {
    opened = [];
    // Answers with the client's port: the same port twice means the same stream was reused.
    server = createServer((req, res) => res.end(String(req.socket.remotePort)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reuses a kept stream of a route, and forgets the route once its streams are closed', async () => {
    const agents = new TunnelAgents();
    const agent = agents.agentFor('/labs/a/ports/80@10.0.0.2', open);
    const first = await fetchVia(agent, port);
    expect(await fetchVia(agents.agentFor('/labs/a/ports/80@10.0.0.2', open), port)).toBe(first);
    expect(opened).toHaveLength(1);
    // Another lab on the same address is another route.
    expect(agents.agentFor('/labs/b/ports/80@10.0.0.2', open)).not.toBe(agent);

    // The agent forgets the route when its last stream closes (its own listener runs first).
    server.closeAllConnections();
    await Promise.all(opened.filter((s) => !s.closed).map((s) => once(s, 'close')));
    const again = agents.agentFor('/labs/a/ports/80@10.0.0.2', open);
    expect(again).not.toBe(agent);
    expect(await fetchVia(again, port)).not.toBe(first);
    again.destroy();
  });

  it('a stream that cannot be opened fails the request with its reason, and leaves nothing kept', async () => {
    const agents = new TunnelAgents();
    const refused = () => Promise.reject(new Error('Connection refused'));
    const agent = agents.agentFor('/labs/c/ports/81@10.0.0.3', refused);
    await expect(fetchVia(agent, port)).rejects.toThrow('Connection refused');
    expect(agents.agentFor('/labs/c/ports/81@10.0.0.3', refused)).not.toBe(agent);
  });
});
