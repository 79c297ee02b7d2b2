import { Inject, Injectable, Logger } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { LAB_PROVIDER, LabProvider, Resources } from '@labfleet/domain';

const CACHE_MS = 15_000;
const UNBOUNDED: Resources = { cpus: Number.MAX_SAFE_INTEGER, memoryMb: Number.MAX_SAFE_INTEGER };

/** What labs may reserve in all: configured, else what the backend reports (cached briefly). */
@Injectable()
export class CapacityService {
  private readonly logger = new Logger('Capacity');
  private cached?: { value: Resources; at: number };

  constructor(
    private readonly config: LabfleetConfig,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  async current(): Promise<Resources> {
    const { capacityCpus, capacityMemoryMb } = this.config.pool;
    if (capacityCpus !== null && capacityMemoryMb !== null) return { cpus: capacityCpus, memoryMb: capacityMemoryMb };
    if (!this.cached || Date.now() - this.cached.at > CACHE_MS) this.cached = { value: await this.reported(), at: Date.now() };
    return { cpus: capacityCpus ?? this.cached.value.cpus, memoryMb: capacityMemoryMb ?? this.cached.value.memoryMb };
  }

  private async reported(): Promise<Resources> {
    if (!this.provider.capacity) {
      this.logger.warn({ msg: `the ${this.provider.kind} backend reports no capacity; set CAPACITY_CPUS and CAPACITY_MEMORY_MB to bound admission` });
      return UNBOUNDED;
    }
    return this.provider.capacity();
  }
}
