import { Inject, Injectable } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { QUEUES, QueueSet } from './queue.tokens';
import { redisCall } from './redis-guard';

/** Keys outlive the longest lab (30 days): an idle lab whose key expired is idle all the same. */
const KEY_TTL_SECONDS = 31 * 86400;
/** Labs remembered by the throttle before it starts over (a process's working set is a class or two). */
const THROTTLE_MAX_LABS = 10_000;

export interface LabActivity {
  readonly lastActivityAt: Date | null;
  readonly warnedAt: Date | null;
}

/**
 * When each lab was last used (terminal input, exec, files, port proxy) and last warned of its
 * idleness, in Redis so every API process and worker shares them. A keystroke costs no round trip:
 * each process writes a lab's activity at most once per `ACTIVITY_WRITE_SECONDS`.
 */
@Injectable()
export class LabActivityStore {
  private readonly prefix: string;
  private readonly written = new Map<string, number>();

  constructor(
    @Inject(QUEUES) private readonly queues: QueueSet,
    private readonly config: LabfleetConfig,
  ) {
    this.prefix = `${config.redis.keyPrefix}:lab-activity`;
  }

  /** Records that the lab was used now. Best effort: never fails the action that used it. */
  touch(labId: string): void {
    const now = Date.now();
    if (now - (this.written.get(labId) ?? 0) < this.config.idle.activityWriteSeconds * 1000) return;
    if (this.written.size >= THROTTLE_MAX_LABS) this.written.clear();
    this.written.set(labId, now);
    redisCall(() => this.queues.connection.set(this.key('at', labId), String(now), 'EX', KEY_TTL_SECONDS)).catch(() => this.written.delete(labId));
  }

  /** Activity and warnings of the given labs, in one round trip. */
  async read(labIds: readonly string[]): Promise<Map<string, LabActivity>> {
    if (labIds.length === 0) return new Map();
    const keys = labIds.flatMap((id) => [this.key('at', id), this.key('warned', id)]);
    const values = await redisCall(() => this.queues.connection.mget(...keys));
    const date = (v: string | null) => (v === null ? null : new Date(Number(v)));
    return new Map(labIds.map((id, i) => [id, { lastActivityAt: date(values[2 * i]), warnedAt: date(values[2 * i + 1]) }]));
  }

  async markWarned(labId: string, at: Date): Promise<void> {
    await redisCall(() => this.queues.connection.set(this.key('warned', labId), String(at.getTime()), 'EX', KEY_TTL_SECONDS));
  }

  /** Drops what is kept of labs that ended. */
  async forget(labIds: readonly string[]): Promise<void> {
    if (labIds.length === 0) return;
    await redisCall(() => this.queues.connection.del(...labIds.flatMap((id) => [this.key('at', id), this.key('warned', id)])));
  }

  private key(kind: 'at' | 'warned', labId: string): string {
    return `${this.prefix}:${kind}:${labId}`;
  }
}
