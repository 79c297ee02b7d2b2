import { Inject, Injectable, Logger } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { LAB_PROVIDER, LabProvider, Resources } from '@labfleet/domain';

const CACHE_MS = 15_000;

/**
 * What labs may reserve in all: configured, else what the backend reports. The backend's answer
 * (`docker info`, slow on a busy engine) is renewed in the background once older than CACHE_MS:
 * capacity seldom changes, and a student taking a pool lab should not wait for it. Only the
 * first call waits, and calls arriving together share one question.
 */
@Injectable()
export class CapacityService {
  private readonly logger = new Logger('Capacity');
  private known?: { value: Resources; at: number };
  private asking?: Promise<Resources>;

  constructor(
    private readonly config: LabfleetConfig,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  async current(): Promise<Resources> {
    const { capacityCpus, capacityMemoryMb } = this.config.pool;
    if (capacityCpus !== null && capacityMemoryMb !== null) return { cpus: capacityCpus, memoryMb: capacityMemoryMb };
    const reported = await this.reportedRecently();
    return { cpus: capacityCpus ?? reported.cpus, memoryMb: capacityMemoryMb ?? reported.memoryMb };
  }

  private reportedRecently(): Promise<Resources> {
    if (!this.asking && (!this.known || Date.now() - this.known.at > CACHE_MS)) {
      this.asking = this.provider
        .capacity()
        .then((value) => (this.known = { value, at: Date.now() }).value)
        .finally(() => (this.asking = undefined));
      // Callers with an older answer do not wait: a failed renewal is then only a warning, and a later call tries again.
      if (this.known) this.asking.catch((e: Error) => this.logger.warn({ msg: 'could not renew the backend capacity; using the last answer', error: e.message }));
    }
    return this.known ? Promise.resolve(this.known.value) : this.asking!;
  }
}
