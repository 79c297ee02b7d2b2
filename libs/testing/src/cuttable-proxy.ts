import { createConnection, createServer, Server, Socket } from 'node:net';
import { rmSync } from 'node:fs';

type Endpoint = { port: number } | { path: string };

/**
 * A TCP or unix-socket relay in front of Postgres, Redis or the Docker socket, on loopback.
 * `cut()` drops every connection and refuses new ones (the service "goes down" for the process
 * behind the proxy only); `restore()` brings it back on the same address.
 */
export class CuttableProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly target: Endpoint,
    private listenOn: Endpoint,
  ) {}

  static async start(target: Endpoint, listenOn: Endpoint = { port: 0 }): Promise<CuttableProxy> {
    const proxy = new CuttableProxy(target, listenOn);
    await proxy.restore();
    return proxy;
  }

  get port(): number {
    return (this.listenOn as { port: number }).port;
  }

  get path(): string {
    return (this.listenOn as { path: string }).path;
  }

  restore(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection(this.target as never);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server = server;
    if ('path' in this.listenOn) rmSync(this.listenOn.path, { force: true });
    return new Promise((resolve) =>
      server.listen(this.listenOn as never, () => {
        const address = server.address();
        if (typeof address === 'object' && address) this.listenOn = { port: address.port };
        resolve();
      }),
    );
  }

  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}
