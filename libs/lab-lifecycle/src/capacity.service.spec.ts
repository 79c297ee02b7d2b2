import { Logger } from '@nestjs/common';
import type { LabfleetConfig } from '@labfleet/config';
import type { LabProvider, Resources } from '@labfleet/domain';
import { CapacityService } from './capacity.service';

const config = { pool: { capacityCpus: null, capacityMemoryMb: 4096 } } as unknown as LabfleetConfig;

describe('CapacityService', () => {
  afterEach(() => jest.restoreAllMocks());

  it('asks the backend once for calls arriving together, again after a failure, and later renews in the background', async () => {
    const pending: { resolve: (r: Resources) => void; reject: (e: Error) => void }[] = [];
    const capacity = jest.fn(() => new Promise<Resources>((resolve, reject) => pending.push({ resolve, reject })));
    const service = new CapacityService(config, { capacity } as unknown as LabProvider);
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);

    const first = Promise.allSettled([service.current(), service.current()]);
    pending[0].reject(new Error('engine busy'));
    expect((await first).map((r) => r.status)).toEqual(['rejected', 'rejected']);

    const second = Promise.all([service.current(), service.current()]);
    pending[1].resolve({ cpus: 2, memoryMb: 24_000 });
    // The configured memory wins over the reported one.
    expect(await second).toEqual([{ cpus: 2, memoryMb: 4096 }, { cpus: 2, memoryMb: 4096 }]);
    expect(capacity).toHaveBeenCalledTimes(2);

    // Stale: the last answer at once, a new one asked for in the background, used once it arrives.
    now += 60_000;
    expect(await service.current()).toEqual({ cpus: 2, memoryMb: 4096 });
    expect(capacity).toHaveBeenCalledTimes(3);
    pending[2].resolve({ cpus: 4, memoryMb: 24_000 });
    await new Promise((r) => setImmediate(r));
    expect(await service.current()).toEqual({ cpus: 4, memoryMb: 4096 });
    expect(capacity).toHaveBeenCalledTimes(3);

    // A failed renewal keeps the last answer.
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    now += 60_000;
    expect(await service.current()).toEqual({ cpus: 4, memoryMb: 4096 });
    pending[3].reject(new Error('engine busy'));
    await new Promise((r) => setImmediate(r));
    expect(await service.current()).toEqual({ cpus: 4, memoryMb: 4096 });
    expect(capacity).toHaveBeenCalledTimes(5);
  });
});
