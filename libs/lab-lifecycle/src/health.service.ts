import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LAB_PROVIDER, LabProvider, withTimeout } from '@labfleet/domain';
import type { MirrorWarmup } from '@labfleet/contracts';
import { LabJobsService, MirrorWarmupStore } from '@labfleet/queue';

export interface CheckResult {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
}

export interface HealthReport {
  readonly status: 'ok' | 'unavailable';
  readonly checks: Record<'database' | 'redis' | 'provider', CheckResult>;
  /** The image mirror's warm-up since the worker last started (null before any worker did, or Redis did not answer); never makes the status unavailable. */
  readonly mirror: MirrorWarmup | null;
}

const TIMEOUT_MS = 1000;

async function timed(fn: () => Promise<unknown>): Promise<CheckResult> {
  const started = Date.now();
  try {
    await withTimeout(fn(), TIMEOUT_MS);
    return { ok: true, latencyMs: Date.now() - started };
  } catch (e) {
    return { ok: false, latencyMs: Date.now() - started, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Database, Redis and the lab backend, each checked in parallel and bounded to a second. */
@Injectable()
export class HealthService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobs: LabJobsService,
    private readonly warmup: MirrorWarmupStore,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  async check(): Promise<HealthReport> {
    const [database, redis, provider, mirror] = await Promise.all([
      timed(() => this.db.query('SELECT 1')),
      timed(() => this.jobs.ping()),
      timed(() => this.provider.ping()),
      this.warmup.read().catch(() => null),
    ]);
    const ok = database.ok && redis.ok && provider.ok;
    return { status: ok ? 'ok' : 'unavailable', checks: { database, redis, provider }, mirror };
  }
}
