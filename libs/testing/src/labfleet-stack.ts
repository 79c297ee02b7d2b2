import { ApiClient } from './api-client';
import { LabfleetProcess } from './labfleet-process';
import { TEST_ADMIN_TOKEN, TestInstance } from './test-instance';

let nextPort = 3100 + (Number(process.env.JEST_WORKER_ID ?? 1) - 1) * 20;

/** An API and a worker of one test installation, started as real processes. */
export class LabfleetStack {
  readonly workers: LabfleetProcess[] = [];
  api!: LabfleetProcess;
  client!: ApiClient;
  readonly port = nextPort++;

  constructor(
    readonly instance: TestInstance,
    readonly overrides: Record<string, string> = {},
  ) {}

  static async start(overrides: Record<string, string> = {}, workers = 1): Promise<LabfleetStack> {
    const stack = new LabfleetStack(await TestInstance.create(), overrides);
    await stack.startApi();
    for (let i = 0; i < workers; i++) await stack.startWorker();
    return stack;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return this.instance.env({ PORT: String(this.port), ...this.overrides, ...extra });
  }

  async startApi(extra: Record<string, string> = {}): Promise<LabfleetProcess> {
    this.api = LabfleetProcess.start('api', `${this.instance.instance}-api`, this.env(extra));
    await this.api.waitForLog('Nest application successfully started');
    this.client = new ApiClient(`http://127.0.0.1:${this.port}`, TEST_ADMIN_TOKEN);
    return this.api;
  }

  async startWorker(extra: Record<string, string> = {}): Promise<LabfleetProcess> {
    const worker = LabfleetProcess.start('worker', `${this.instance.instance}-worker-${this.workers.length + 1}`, this.env(extra));
    this.workers.push(worker);
    await worker.waitForLog('"worker started"', 120_000);
    return worker;
  }

  async stop(): Promise<void> {
    await Promise.all([this.api?.stop(), ...this.workers.map((w) => w.stop())]);
    await this.instance.destroy();
  }
}
