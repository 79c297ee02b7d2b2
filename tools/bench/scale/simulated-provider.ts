/**
 * A lab backend that only pretends, for `bench:scale` alone: no container is made. It keeps which
 * labs "run" in one Redis hash (`<prefix>:simulated-labs`), so the API's exec and the worker's
 * provision, inspect and reconcile see the same labs from their separate processes, and answers
 * after a configurable latency, failing a configurable share of provisions and execs.
 * It is never in the product's provider factory: `simulated-provider.preload.ts` puts it there in
 * the benchmark's processes only.
 */
import IORedis from 'ioredis';
import type { LabfleetConfig } from '@labfleet/config';
import { ProviderKind } from '@labfleet/contracts';
import { ExecRequest, ExecResult, LabHandle, LabProvider, LabRuntime, LabSpec, ProviderError, Resources, TerminalSession } from '@labfleet/domain';

export interface SimulationSettings {
  /** How long provision takes. */
  readonly provisionMs: number;
  /** How long every other call to the "backend" takes (inspect, exec, destroy, list). */
  readonly callMs: number;
  /** Share (0..1) of provisions and execs that fail, as a busy backend's would. */
  readonly failureRate: number;
}

/** The settings from `SIMULATION_*` variables (milliseconds; a rate 0..1), checked. */
export function simulationSettings(env: NodeJS.ProcessEnv): SimulationSettings {
  const num = (name: string, fallback: number, max: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0 || n > max) throw new Error(`${name} must be a number from 0 to ${max}, got '${raw}'`);
    return n;
  };
  return { provisionMs: num('SIMULATION_PROVISION_MS', 300, 600_000), callMs: num('SIMULATION_CALL_MS', 2, 60_000), failureRate: num('SIMULATION_FAILURE_RATE', 0, 1) };
}

/** Room for any number of labs: admission's capacity count never says no. */
const SIMULATED_CAPACITY: Resources = { cpus: 100_000, memoryMb: 100_000_000 };

const pause = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

export class SimulatedProvider implements LabProvider {
  /** Labs it makes are recorded as Docker labs: the rest of the product treats them as such. */
  readonly kind = ProviderKind.Docker;
  private readonly redis: IORedis;
  private readonly key: string;

  constructor(
    config: LabfleetConfig,
    private readonly settings: SimulationSettings,
    private readonly random: () => number = Math.random,
  ) {
    this.redis = new IORedis(config.redis.url, { maxRetriesPerRequest: 3, connectionName: 'labfleet-simulation' });
    this.key = `${config.redis.keyPrefix}:simulated-labs`;
  }

  /** The hash that holds the simulation's labs (its memory is not the product's). */
  static keyOf(keyPrefix: string): string {
    return `${keyPrefix}:simulated-labs`;
  }

  prepare(): Promise<string[]> {
    return Promise.resolve([]);
  }

  async provision(spec: LabSpec): Promise<LabHandle> {
    await pause(this.settings.provisionMs);
    if (this.random() < this.settings.failureRate) throw new ProviderError(`simulated provision failure of lab ${spec.labId}`, true);
    const nodes = spec.nodes.map((n, i) => ({ name: n.name, hostname: n.hostname, runtimeId: `sim-${spec.labId}-${i}` }));
    await this.redis.hset(this.key, spec.labId, 'running');
    return { labId: spec.labId, provider: this.kind, nodes };
  }

  async inspect(labId: string): Promise<LabRuntime> {
    await pause(this.settings.callMs);
    return (await this.redis.hexists(this.key, labId)) ? { state: 'running' } : { state: 'gone', reason: 'not in the simulation' };
  }

  async destroy(labId: string): Promise<void> {
    await pause(this.settings.callMs);
    await this.redis.hdel(this.key, labId);
  }

  /** Every simulated lab runs: one read of the hash, after one call's latency. */
  async labRuntimes(): Promise<ReadonlyMap<string, LabRuntime>> {
    await pause(this.settings.callMs);
    return new Map((await this.redis.hkeys(this.key)).map((id) => [id, { state: 'running' }]));
  }

  async exec(labId: string, request: ExecRequest): Promise<ExecResult> {
    const started = Date.now();
    await pause(this.settings.callMs);
    if (!(await this.redis.hexists(this.key, labId))) throw new ProviderError(`lab ${labId} is not in the simulation`, false);
    if (this.random() < this.settings.failureRate) return { exitCode: 1, stdout: '', stderr: 'simulated failure\n', truncated: false, timedOut: false, durationMs: Date.now() - started };
    return { exitCode: 0, stdout: `${request.command.join(' ')}\n`, stderr: '', truncated: false, timedOut: false, durationMs: Date.now() - started };
  }

  attach(): Promise<TerminalSession> {
    return Promise.reject(new ProviderError('the simulation has no terminals', false));
  }

  copyIn(): Promise<void> {
    return Promise.reject(new ProviderError('the simulation has no files', false));
  }

  copyOut(): Promise<NodeJS.ReadableStream> {
    return Promise.reject(new ProviderError('the simulation has no files', false));
  }

  capacity(): Promise<Resources> {
    return Promise.resolve(SIMULATED_CAPACITY);
  }

  async ping(): Promise<void> {
    await pause(this.settings.callMs);
  }
}
