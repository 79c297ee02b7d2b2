import { Logger } from '@nestjs/common';
import type { KubernetesObject, Watch } from '@kubernetes/client-node';
import { statusOf } from './kube-errors';

export interface ListResult<T> {
  readonly items: T[];
  readonly metadata?: { readonly resourceVersion?: string };
}

/** Longest wait between two attempts to reconnect a broken watch. */
const MAX_BACKOFF_MS = 30_000;

const keyOf = (o: KubernetesObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/**
 * A label-filtered cache of one kind of object, kept by list + watch: the watch resumes from the
 * last resourceVersion it saw (bookmarks keep that fresh), and a `410 Gone` (history compacted
 * past it) starts over with a list. Other failures reconnect with backoff. Callers wait on it
 * instead of polling the API server.
 */
export class LabInformer<T extends KubernetesObject> {
  private readonly logger = new Logger('LabInformer');
  private readonly objects = new Map<string, T>();
  private readonly listeners = new Set<() => void>();
  private resourceVersion = '';
  private started: Promise<void> | null = null;
  private abort: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  private attempt = 0;
  private failures = 0;
  private expired = false;
  private stopped = false;
  /** True while a watch is open: only then is the cache known to be current. */
  connected = false;

  constructor(
    private readonly watch: Watch,
    private readonly path: string,
    private readonly labelSelector: string,
    private readonly list: () => Promise<ListResult<T>>,
    /** Objects the selector matches that are not this cache's to hold (a student's pods labelled as a lab's). */
    private readonly keep: (o: T) => boolean = () => true,
  ) {}

  /** Resolves once the first list is in the cache; when that fails it rejects, and the next call tries again. */
  start(): Promise<void> {
    this.stopped = false;
    this.started ??= this.relist()
      .then(() => this.openWatch())
      .catch((e: unknown) => {
        this.started = null;
        throw e;
      });
    return this.started;
  }

  stop(): void {
    this.stopped = true;
    this.connected = false;
    this.started = null;
    if (this.timer) clearTimeout(this.timer);
    this.abort?.abort();
    this.abort = null;
  }

  get(namespace: string, name: string): T | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  items(): T[] {
    return [...this.objects.values()];
  }

  /**
   * Resolves with the first value `check` returns other than undefined, evaluated now and after
   * every change to the cache; resolves undefined when `timeoutMs` passes first.
   */
  waitFor<R>(check: () => R | undefined, timeoutMs: number): Promise<R | undefined> {
    const now = check();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve) => {
      const done = (value: R | undefined) => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(value);
      };
      const listener = () => {
        const value = check();
        if (value !== undefined) done(value);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.listeners.add(listener);
    });
  }

  /** Runs every pending `waitFor` check again: something they read besides the cache changed. */
  recheck(): void {
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private async relist(): Promise<void> {
    const list = await this.list();
    this.objects.clear();
    for (const item of list.items.filter(this.keep)) this.objects.set(keyOf(item), item);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.expired = false;
    this.notify();
  }

  private async openWatch(): Promise<void> {
    if (this.stopped) return;
    const attempt = ++this.attempt;
    let ended = false;
    const query = { labelSelector: this.labelSelector, resourceVersion: this.resourceVersion, allowWatchBookmarks: true };
    const abort = await this.watch.watch(
      this.path,
      query,
      (type: string, object: T) => this.onEvent(type, object),
      (err: unknown) => {
        ended = true;
        if (attempt === this.attempt) this.onEnd(err);
      },
    );
    if (attempt !== this.attempt || this.stopped) return void abort.abort();
    this.abort = abort;
    if (!ended) {
      this.connected = true;
      this.failures = 0;
    }
  }

  private onEvent(type: string, object: T): void {
    if (type === 'ERROR') {
      // The watch could not start where we asked: the server ends it next.
      if ((object as { code?: number }).code === 410) this.expired = true;
      return;
    }
    const version = object.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
    if (!this.keep(object)) return;
    if (type === 'ADDED' || type === 'MODIFIED') this.objects.set(keyOf(object), object);
    else if (type === 'DELETED') this.objects.delete(keyOf(object));
    if (type !== 'BOOKMARK') this.notify();
  }

  /** A watch ends when the server closes it (normal: resume at once), on 410, or on an error. */
  private onEnd(err: unknown): void {
    this.connected = false;
    this.abort = null;
    if (this.stopped) return;
    const gone = this.expired || statusOf(err) === 410;
    let delay = 0;
    if (err && statusOf(err) !== 410) {
      this.failures++;
      delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** (this.failures - 1));
      this.logger.warn({ msg: 'watch failed; reconnecting', path: this.path, error: err instanceof Error ? err.message : String(err), delayMs: delay });
    }
    this.timer = setTimeout(() => void this.resume(gone), delay);
  }

  private async resume(relist: boolean): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    try {
      if (relist) await this.relist();
      await this.openWatch();
    } catch (e) {
      this.onEnd(e);
    }
  }
}
