import { AddressInfo, createServer } from 'node:net';
import { ApiClient } from './api-client';
import { TcpBalancer } from './chaos/tcp-balancer';
import { eventually } from './eventually';
import { LabfleetProcess } from './labfleet-process';
import { TEST_ADMIN_TOKEN, TestInstance } from './test-instance';

/** A port nobody listens on now: stacks of parallel test files, benchmarks and dev servers never clash. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** An API and a worker of one test installation, started as real processes. */
export class LabfleetStack {
  readonly workers: LabfleetProcess[] = [];
  /** API processes after the first, on ports of their own, started by `balanceApis`. */
  readonly replicas: LabfleetProcess[] = [];
  api!: LabfleetProcess;
  client!: ApiClient;
  balancer?: TcpBalancer;

  constructor(
    readonly instance: TestInstance,
    readonly port: number,
    readonly overrides: Record<string, string> = {},
  ) {}

  /**
   * Starts an API and `workers` workers; on a failure half-way, removes what it made. `overrides`
   * may be a function of the API's port, for settings that name it (e.g. PUBLIC_URL).
   */
  static async start(overrides: Record<string, string> | ((port: number) => Record<string, string>) = {}, workers = 1): Promise<LabfleetStack> {
    const port = await freePort();
    const stack = new LabfleetStack(await TestInstance.create(), port, typeof overrides === 'function' ? overrides(port) : overrides);
    try {
      await stack.startApi();
      for (let i = 0; i < workers; i++) await stack.startWorker();
    } catch (e) {
      await stack.stop().catch(() => undefined);
      throw e;
    }
    return stack;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return this.instance.env({ PORT: String(this.port), ...this.overrides, ...extra });
  }

  async startApi(extra: Record<string, string> = {}): Promise<LabfleetProcess> {
    this.api = LabfleetProcess.start('api', `${this.instance.instance}-api`, this.env(extra));
    await this.api.waitForLog('Nest application successfully started');
    this.client = new ApiClient(`http://127.0.0.1:${this.port}`, TEST_ADMIN_TOKEN);
    // Nest says it started before its port is bound: ready is when the port answers (any status).
    await eventually(async () => (await fetch(`${this.client.baseUrl}/health`, { signal: AbortSignal.timeout(5000) })).arrayBuffer(), { timeoutMs: 30_000, intervalMs: 10, what: `the API on port ${this.port} to answer` });
    return this.api;
  }

  /**
   * Labs do not wait for the worker's image mirror warm-up, but tests pull images in them: by
   * default this waits for it too (`{ warm: false }` does not: a test of the warm-up itself).
   */
  async startWorker(extra: Record<string, string> = {}, { warm = true } = {}): Promise<LabfleetProcess> {
    const worker = LabfleetProcess.start('worker', `${this.instance.instance}-worker-${this.workers.length + 1}`, this.env(extra));
    this.workers.push(worker);
    await worker.waitForLog('"worker started"', 120_000);
    if (warm) await worker.waitForLog('"mirror warm-up done"', 300_000);
    return worker;
  }

  /**
   * Runs `count` API processes in all (the first one and `count - 1` more, each on a port of its
   * own) behind one loopback balancer, as a deployment runs replicas; `client` then goes through it.
   */
  async balanceApis(count: number): Promise<TcpBalancer> {
    const ports = [this.port];
    for (let i = 1; i < count; i++) {
      const port = await freePort();
      const replica = LabfleetProcess.start('api', `${this.instance.instance}-api-${i + 1}`, this.env({ PORT: String(port) }));
      this.replicas.push(replica);
      await replica.waitForLog('Nest application successfully started');
      await eventually(async () => (await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5000) })).arrayBuffer(), { timeoutMs: 30_000, intervalMs: 10, what: `API ${i + 1} on port ${port} to answer` });
      ports.push(port);
    }
    this.balancer = await TcpBalancer.start(ports);
    this.client = new ApiClient(`http://127.0.0.1:${this.balancer.port}`, TEST_ADMIN_TOKEN);
    return this.balancer;
  }

  async stop(): Promise<void> {
    await this.balancer?.stop();
    await Promise.all([this.api?.stop(), ...this.replicas.map((r) => r.stop()), ...this.workers.map((w) => w.stop())]);
    await this.instance.destroy();
  }
}
