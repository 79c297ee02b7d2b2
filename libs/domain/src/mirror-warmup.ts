import type { MirrorWarmup } from '@labfleet/contracts';

export interface WarmupTemplate {
  readonly name: string;
  readonly images: readonly string[];
}

/**
 * The order the mirror is filled in: the images of the templates named in `first` (in that order:
 * the warm pools', then the seed file's), then every other template's by name; each image once.
 */
export function warmupOrder(templates: readonly WarmupTemplate[], first: readonly string[]): string[] {
  const rank = (name: string) => {
    const i = first.indexOf(name);
    return i === -1 ? first.length : i;
  };
  const ordered = [...templates].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  return [...new Set(ordered.flatMap((t) => t.images))];
}

/** What is done and what is left of a warm-up over `order`, given each finished image's problem (null: pushed). */
export function warmupProgress(order: readonly string[], finished: ReadonlyMap<string, string | null>, startedAt: Date, now: Date): MirrorWarmup {
  const pending = order.filter((image) => !finished.has(image));
  const failed = order.flatMap((image) => {
    const problem = finished.get(image);
    return problem ? [{ image, problem }] : [];
  });
  return {
    warming: pending.length > 0,
    images: { done: order.length - pending.length - failed.length, total: order.length },
    pending,
    failed,
    startedAt: startedAt.toISOString(),
    finishedAt: pending.length > 0 ? null : now.toISOString(),
  };
}
