import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LAB_PROVIDER, LabProvider, withTimeout } from '@labfleet/domain';
import { LabJobsService } from '@labfleet/queue';

export interface CheckResult {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
}

export interface HealthReport {
  readonly status: 'ok' | 'unavailable';
  readonly checks: Record<'database' | 'redis' | 'provider', CheckResult>;
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
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  async check(): Promise<HealthReport> {
    const [database, redis, provider] = await Promise.all([
      timed(() => this.db.query('SELECT 1')),
      timed(() => this.jobs.ping()),
      timed(() => this.provider.ping()),
    ]);
    const ok = database.ok && redis.ok && provider.ok;
    return { status: ok ? 'ok' : 'unavailable', checks: { database, redis, provider } };
  }
}
