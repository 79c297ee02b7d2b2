import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A TCP load balancer on loopback in front of several API processes, as a deployment puts one in
 * front of its replicas: each new connection goes to the next backend in turn; a backend that
 * refuses the connection (killed) is skipped for that connection. It keeps no state of its own.
 */
export class TcpBalancer {
  private readonly sockets = new Set<Socket>();
  private next = 0;
  /** Connections handed to each backend port. */
  readonly served = new Map<number, number>();

  private constructor(
    private readonly server: Server,
    readonly backends: number[],
  ) {}

  static async start(backends: number[]): Promise<TcpBalancer> {
    const server = createServer();
    const balancer = new TcpBalancer(server, backends);
    server.on('connection', (client) => balancer.relay(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return balancer;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private relay(client: Socket, tried = 0): void {
    this.track(client);
    if (tried >= this.backends.length) {
      client.destroy();
      return;
    }
    const port = this.backends[this.next++ % this.backends.length];
    const upstream = createConnection({ host: '127.0.0.1', port });
    upstream.once('connect', () => {
      this.served.set(port, (this.served.get(port) ?? 0) + 1);
      this.track(upstream);
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    upstream.once('error', (e: NodeJS.ErrnoException) => {
      if (upstream.connecting || e.code === 'ECONNREFUSED') this.relay(client, tried + 1);
      else client.destroy();
    });
  }

  private track(socket: Socket): void {
    if (this.sockets.has(socket)) return;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }
}
