import { Inject, Injectable, Logger } from '@nestjs/common';
import type { MirrorWarmup } from '@labfleet/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { LAB_PROVIDER, LabProvider, ProviderError, warmupOrder, warmupProgress } from '@labfleet/domain';
import { PoolRepository, TemplateRepository } from '@labfleet/persistence';
import { MirrorWarmupStore } from '@labfleet/queue';

/** Tries per image when the provider says trying again can help, a second more after each. */
export const WARMUP_ATTEMPTS = 5;

/**
 * Fills the lab image mirror after the worker starts, beside the jobs rather than before them:
 * the warm pools' templates first, then the seed file's, then the rest. A lab being made pushes
 * its own images ahead of these (the provider's doing), so no lab waits for the warm-up.
 */
@Injectable()
export class MirrorWarmupService {
  private readonly logger = new Logger('MirrorWarmup');
  /** The pause before the second try; each later one waits as much longer. */
  retryPauseMs = 1000;

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
        finished.set(image, await this.prepare(image));
        await publish();
      }),
    );
    const progress = warmupProgress(order, finished, startedAt, new Date());
    this.logger.log({ msg: 'mirror warm-up done', images: progress.images, failed: progress.failed, seconds: (Date.now() - startedAt.getTime()) / 1000 });
    return progress;
  }

  /**
   * The image's problem, or null once it is in the mirror. Workers starting at once race to start
   * the mirror itself (a retryable error): the loser tries again instead of reporting every image failed.
   */
  private async prepare(image: string): Promise<string | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        const [problem = null] = await this.provider.prepare([image]);
        return problem;
      } catch (e) {
        if (!(e instanceof ProviderError && e.retryable) || attempt === WARMUP_ATTEMPTS) return (e as Error).message;
        await sleep(attempt * this.retryPauseMs);
      }
    }
  }

  /** What the last worker to start reported, or null before any did. */
  read(): Promise<MirrorWarmup | null> {
    return this.store.read();
  }
}
