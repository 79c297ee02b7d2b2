import IORedis from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../eventually';
import { freePort } from '../labfleet-stack';
import { ServiceProcess } from './service-process';

/**
 * A Redis server of the chaos run's own, never the machine's: on a free loopback port, with an
 * append-only file in a directory of its own (as deploy's Compose runs it: `appendonly yes`,
 * `noeviction`), so that SIGKILL and a restart show what a real crash keeps and loses.
 */
export class OwnRedis {
  private process!: ServiceProcess;

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(name: string): Promise<OwnRedis> {
    const redis = new OwnRedis(name, await freePort(), mkdtempSync(join(tmpdir(), 'labfleet-chaos-redis-')));
    try {
      await redis.restart();
    } catch (e) {
      await redis.stop();
      throw e;
    }
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process?.running ?? false;
  }

  /** SIGKILL: whatever the append-only file had not written yet (up to a second of writes) is lost. */
  async kill(): Promise<void> {
    await this.process.kill();
  }

  /** Starts the server on the same port and directory; resolves once it answers after loading its file. */
  async restart(): Promise<void> {
    this.process = ServiceProcess.start(this.name, 'redis-server', [
      '--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir,
      '--appendonly', 'yes', '--maxmemory-policy', 'noeviction', '--save', '', '--protected-mode', 'yes',
    ]);
    await eventually(async () => {
      if (!this.process.running) throw new Error(`redis-server exited:\n${this.process.logs.slice(-1000)}`);
      const client = new IORedis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined); // connect() rejects with it too
      try {
        await client.connect();
        if ((await client.ping()) !== 'PONG') throw new Error('no PONG');
      } finally {
        client.disconnect();
      }
    }, { timeoutMs: 30_000, intervalMs: 50, what: `the chaos Redis on port ${this.port} to answer` });
  }

  async stop(): Promise<void> {
    await this.process?.stop('SIGTERM', 5000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
