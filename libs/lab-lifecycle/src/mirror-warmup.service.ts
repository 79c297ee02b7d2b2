import { Inject, Injectable, Logger } from '@nestjs/common';
import type { MirrorWarmup } from '@labfleet/contracts';
import { LAB_PROVIDER, LabProvider, warmupOrder, warmupProgress } from '@labfleet/domain';
import { PoolRepository, TemplateRepository } from '@labfleet/persistence';
import { MirrorWarmupStore } from '@labfleet/queue';

/**
 * Fills the lab image mirror after the worker starts, beside the jobs rather than before them:
 * the warm pools' templates first, then the seed file's, then the rest. A lab being made pushes
 * its own images ahead of these (the provider's doing), so no lab waits for the warm-up.
 */
@Injectable()
export class MirrorWarmupService {
  private readonly logger = new Logger('MirrorWarmup');

  constructor(
    private readonly templates: TemplateRepository,
    private readonly pools: PoolRepository,
    private readonly store: MirrorWarmupStore,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  /** Resolves with the final progress once every image was pushed or failed (a push's failure is progress, not an error). */
  async run(seedOrder: readonly string[]): Promise<MirrorWarmup> {
    const [templates, pools] = await Promise.all([this.templates.list(), this.pools.settings()]);
    const pooled = pools.filter((p) => p.minIdle > 0 && p.template).sort((a, b) => b.minIdle - a.minIdle).map((p) => p.template!.name);
    const order = warmupOrder(templates.filter((t) => !t.retiredAt), [...pooled, ...seedOrder]);
    const startedAt = new Date();
    const finished = new Map<string, string | null>();
    // Writes go out on one connection in call order, so the last one written is the newest.
    const publish = () => this.store.write(warmupProgress(order, finished, startedAt, new Date())).catch((e: Error) => this.logger.warn({ msg: 'warm-up progress not shared', error: e.message }));
    await publish();
    this.logger.log({ msg: 'mirror warm-up started', images: order });
    // All asked at once: the mirror pushes one at a time, in this order, after any lab's own.
    await Promise.all(
      order.map(async (image) => {
        const [problem = null] = await this.provider.prepare([image]).catch((e: Error) => [e.message]);
        finished.set(image, problem);
        await publish();
      }),
    );
    const progress = warmupProgress(order, finished, startedAt, new Date());
    this.logger.log({ msg: 'mirror warm-up done', images: progress.images, failed: progress.failed, seconds: (Date.now() - startedAt.getTime()) / 1000 });
    return progress;
  }

  /** What the last worker to start reported, or null before any did. */
  read(): Promise<MirrorWarmup | null> {
    return this.store.read();
  }
}
