import { randomBytes } from 'node:crypto';
import { runMigrations } from '@labfleet/persistence';
import { ApiClient } from '../api-client';
import { eventually } from '../eventually';
import { LabfleetProcess } from '../labfleet-process';
import { freePort } from '../labfleet-stack';
import { TEST_ADMIN_TOKEN, TEST_JWT_SECRET, TEST_LAB_IMAGE } from '../test-instance';
import { DindEngine } from './dind-engine';
import { OwnPostgres } from './own-postgres';
import { OwnRedis } from './own-redis';
import { TcpBalancer } from './tcp-balancer';

export interface ChaosStackOptions {
  readonly workers: number;
  readonly apis: number;
  /** Labfleet settings for every process (RECONCILE_INTERVAL_SECONDS...). */
  readonly settings: Record<string, string>;
  /** Says what is being started, for the run's log. */
  readonly log: (line: string) => void;
}

/**
 * Everything a chaos run kills, on services of its own: a Redis, a Postgres cluster and a Docker
 * Engine (DinD) that nothing else uses, and Labfleet itself as real processes (several workers,
 * several API processes behind one loopback balancer). Every part can be SIGKILLed and restarted.
 */
export class ChaosStack {
  readonly instance = `c${randomBytes(4).toString('hex')}`;
  /**
   * Set by `stop`: a fault's supervised restart still retrying (a run that outlived its bound) then
   * ends instead of starting processes against a removed Postgres and directory.
   */
  private stopping = false;
  readonly apis: LabfleetProcess[] = [];
  readonly apiPorts: number[] = [];
  readonly workers: LabfleetProcess[] = [];
  redis?: OwnRedis;
  postgres?: OwnPostgres;
  engine?: DindEngine;
  balancer?: TcpBalancer;
  databaseUrl = '';
  private spawned = 0;

  constructor(private readonly options: ChaosStackOptions) {}

  /** The API through the balancer, as the platform's admin (the bootstrap token). */
  get admin(): ApiClient {
    return new ApiClient(this.baseUrl, TEST_ADMIN_TOKEN);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.balancer!.port}`;
  }

  /** One API process directly, bypassing the balancer. */
  apiUrl(i: number): string {
    return `http://127.0.0.1:${this.apiPorts[i]}`;
  }

  /** Starts the services, then Labfleet. On failure, the caller's `stop()` removes what was made. */
  async start(): Promise<void> {
    const { log } = this.options;
    log(`starting a Redis, a Postgres cluster and a Docker Engine (DinD, TLS on 127.0.0.1) of the run's own; instance ${this.instance}; labs: the default confined profile, no registry mirror`);
    [this.redis, this.postgres, this.engine] = await Promise.all([
      OwnRedis.start(`${this.instance}-redis`),
      OwnPostgres.start(`${this.instance}-postgres`),
      DindEngine.start([TEST_LAB_IMAGE]),
    ]);
    this.databaseUrl = await this.postgres.createDatabase('labfleet');
    await runMigrations(this.databaseUrl);
    for (let i = 0; i < this.options.apis; i++) this.apiPorts.push(await freePort());
    this.balancer = await TcpBalancer.start(this.apiPorts);
    log(`starting ${this.options.apis} API processes (ports ${this.apiPorts.join(', ')}, behind 127.0.0.1:${this.balancer.port}) and ${this.options.workers} workers`);
    const indexes = (n: number) => Array.from({ length: n }, (_, i) => i);
    // Pushed as they are spawned (not once all are up), so that stop() finds them all.
    await Promise.all([
      ...indexes(this.options.apis).map((i) => this.startApi(i)),
      ...indexes(this.options.workers).map((i) => this.startWorker(i)),
    ]);
  }

  env(): Record<string, string> {
    return {
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redis!.url,
      REDIS_KEY_PREFIX: this.instance,
      LABFLEET_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      LABFLEET_JWT_SECRET: TEST_JWT_SECRET,
      LABFLEET_INSTANCE: this.instance,
      TEMPLATES_FILE: 'deploy/templates.json',
      ...this.engine!.env(),
      // The registry mirror would need the templates' images in this engine too; labs work without it.
      REGISTRY_MODE: 'off',
      // The API runs outside the engine's host: the port proxy goes through the engine's API.
      PORT_PROXY_ROUTE: 'engine',
      ...this.options.settings,
    };
  }

  /** Restarts API `i` on its port (after a kill) and waits until it answers; nothing once the stack is stopping. */
  async restartApi(i: number): Promise<void> {
    if (!this.stopping) await this.startApi(i);
  }

  async restartWorker(i: number): Promise<void> {
    if (!this.stopping) await this.startWorker(i);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.apis, ...this.workers].map((p) => p.stop('SIGTERM', 5000).catch(() => undefined)));
    await this.balancer?.stop().catch(() => undefined);
    await Promise.all([this.engine?.stop(), this.redis?.stop(), this.postgres?.stop()].map((p) => p?.catch(() => undefined)));
  }

  private async startApi(i: number): Promise<LabfleetProcess> {
    const api = LabfleetProcess.start('api', `${this.instance}-api-${i + 1}-${++this.spawned}`, { ...this.env(), PORT: String(this.apiPorts[i]) });
    this.apis[i] = api;
    await this.upOrKilled(api, async () => {
      await api.waitForLog('Nest application successfully started', 60_000);
      await eventually(async () => (await fetch(`${this.apiUrl(i)}/health`, { signal: AbortSignal.timeout(5000) })).arrayBuffer(), {
        timeoutMs: 30_000,
        intervalMs: 20,
        what: `API ${i + 1} to answer`,
      });
    });
    return api;
  }

  private async startWorker(i: number): Promise<LabfleetProcess> {
    const worker = LabfleetProcess.start('worker', `${this.instance}-worker-${i + 1}-${++this.spawned}`, this.env());
    this.workers[i] = worker;
    await this.upOrKilled(worker, () => worker.waitForLog('"worker started"', 120_000));
    return worker;
  }

  /** A process that did not come up is killed, so the next try starts from nothing (a free port). */
  private async upOrKilled(process: LabfleetProcess, up: () => Promise<unknown>): Promise<void> {
    try {
      await up();
    } catch (e) {
      await process.stop('SIGKILL');
      throw e;
    }
  }
}
