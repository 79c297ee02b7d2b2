import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { fits, LIVE_STATUSES, QuotaExceededError, Resources, weekOf } from '@labfleet/domain';
import { LabEntity } from '../entities';
import type { Admit, NewLab } from './lab.repository';
import { quotaState } from './lab-usage.queries';
import { insertLab, loadLab, lockAdmission, lockCourse } from './lab-writes';

export interface OwnedLab extends Omit<NewLab, 'expiresAt'> {
  readonly courseId: string;
  readonly schoolId: string;
  /** What the template reserves: a new lab is admitted only if this fits. */
  readonly reserve: Resources;
  /**
   * Whether a limit spans the whole course (`maxConcurrentLabs`): then requests of the course are
   * checked one at a time; otherwise only one person's are, and a class rush runs in parallel.
   */
  readonly courseWide: boolean;
  /** Whether the course has a weekly budget (`weeklyMinutesPerStudent`): only then is the week's usage read. */
  readonly weeklyBudget: boolean;
}

export interface AdmissionLimits {
  readonly capacity: Resources;
  readonly queueMax: number;
}

/** How a request got its lab: an idle pool lab, a new one to provision now, or a place in line. */
export type Admission = 'pool' | 'provision' | 'queue';

const RESERVED_SQL = `SELECT coalesce(sum(t.reserved_cpus), 0)::float AS cpus, coalesce(sum(t.reserved_memory_mb), 0)::int AS memory
  FROM labs l JOIN templates t ON t.id = l.template_id WHERE l.status = ANY($1) AND l.queued_at IS NULL`;

/**
 * Where course limits, the warm pool and capacity meet. Course checks hold the course's lock;
 * capacity decisions hold one platform-wide lock, so concurrent requests never overcommit.
 */
@Injectable()
export class AdmissionRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async createOwned(lab: OwnedLab, actor: string, admit: Admit, limits: AdmissionLimits): Promise<{ lab: LabEntity; via: Admission }> {
    return this.db.transaction(async (em) => {
      await lockCourse(em, lab.courseWide ? lab.courseId : `${lab.courseId}:${lab.ownerId}`);
      const expiresAt = admit(await quotaState(em, lab.courseId, lab.ownerId, weekOf(lab.createdAt), lab.createdAt, lab.weeklyBudget));
      const claimed = await this.claimIdle(em, lab, expiresAt, actor);
      if (claimed) return { lab: claimed, via: 'pool' as const };
      await lockAdmission(em);
      const reserved = await this.reserved(em);
      const waiting = await this.waitingCount(em);
      const { reserve, courseWide: _courseWide, weeklyBudget: _weeklyBudget, ...row } = lab;
      if (waiting === 0 && fits(limits.capacity, reserved, reserve)) return { lab: await insertLab(em, { ...row, expiresAt }, actor), via: 'provision' as const };
      if (waiting >= limits.queueMax) {
        const [next] = await em.query(`SELECT min(expires_at) AS at FROM labs WHERE status = ANY($1) AND queued_at IS NULL`, [LIVE_STATUSES]);
        throw new QuotaExceededError({
          limit: 'admissionQueue',
          status: 429,
          message: `Labfleet is full and ${waiting} lab requests are already waiting; try again later`,
          limitValue: limits.queueMax,
          current: waiting,
          retryAt: next.at ? new Date(next.at) : new Date(Date.now() + 60_000),
        });
      }
      return { lab: await insertLab(em, { ...row, expiresAt, queuedAt: new Date() }, actor), via: 'queue' as const };
    });
  }

  /** Inserts up to `count` unowned pool labs, as many as capacity allows; never ahead of someone waiting. */
  async createPoolLabs(labs: readonly NewLab[], reserve: Resources, capacity: Resources): Promise<string[]> {
    return this.db.transaction(async (em) => {
      await lockAdmission(em);
      if ((await this.waitingCount(em)) > 0) return [];
      let reserved = await this.reserved(em);
      const made: string[] = [];
      for (const lab of labs) {
        if (!fits(capacity, reserved, reserve)) break;
        await insertLab(em, lab, 'pool');
        reserved = { cpus: reserved.cpus + reserve.cpus, memoryMb: reserved.memoryMb + reserve.memoryMb };
        made.push(lab.id);
      }
      return made;
    });
  }

  /** Lets waiting labs through in order (people before pool refills), while they fit. Returns their ids. */
  async admitWaiting(capacity: Resources): Promise<string[]> {
    return this.db.transaction(async (em) => {
      await lockAdmission(em);
      let reserved = await this.reserved(em);
      const waiting: { id: string; cpus: number; memory: number }[] = await em.query(
        `SELECT l.id, t.reserved_cpus::float AS cpus, t.reserved_memory_mb AS memory FROM labs l JOIN templates t ON t.id = l.template_id
          WHERE l.queued_at IS NOT NULL AND l.status = $1 ORDER BY l.queued_at, l.id`,
        [LabStatus.Pending],
      );
      const admitted: string[] = [];
      for (const w of waiting) {
        const reserve = { cpus: w.cpus, memoryMb: w.memory };
        // Strictly in order: a big lab at the head is not starved by small ones behind it.
        if (!fits(capacity, reserved, reserve)) break;
        reserved = { cpus: reserved.cpus + reserve.cpus, memoryMb: reserved.memoryMb + reserve.memoryMb };
        admitted.push(w.id);
      }
      if (admitted.length) await em.query(`UPDATE labs SET queued_at = NULL, updated_at = now() WHERE id = ANY($1)`, [admitted]);
      return admitted;
    });
  }

  /** 1-based place in the waiting line, or null when the lab is not waiting. */
  async queuePosition(lab: Pick<LabEntity, 'id' | 'queuedAt'>): Promise<number | null> {
    if (!lab.queuedAt) return null;
    const [row] = await this.db.query(
      `SELECT count(*)::int AS ahead FROM labs WHERE queued_at IS NOT NULL AND status = $3 AND (queued_at, id) < ($1, $2)`,
      [lab.queuedAt, lab.id, LabStatus.Pending],
    );
    return row.ahead + 1;
  }

  /** What running labs (and those being made) reserve now, and how many wait. */
  async usage(): Promise<{ reserved: Resources; waiting: number }> {
    return { reserved: await this.reserved(this.db.manager), waiting: await this.waitingCount(this.db.manager) };
  }

  /** Takes the oldest idle pool lab for `lab`'s owner, with its `claimed` event, in one statement. */
  private async claimIdle(em: EntityManager, lab: OwnedLab, expiresAt: Date, actor: string): Promise<LabEntity | null> {
    const { records } = await em.queryRunner!.query(
      `WITH pick AS (SELECT id FROM labs WHERE template_id = $1 AND course_id IS NULL AND status = $6 ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED),
       claimed AS (UPDATE labs SET school_id = $2, course_id = $3, owner_id = $4, expires_at = $5, claimed_at = now(), updated_at = now()
         FROM pick WHERE labs.id = pick.id RETURNING labs.id),
       event AS (INSERT INTO lab_events (lab_id, from_status, to_status, actor, detail) SELECT id, $6, $6, $7, $8::jsonb FROM claimed)
       SELECT id FROM claimed`,
      [lab.templateId, lab.schoolId, lab.courseId, lab.ownerId, expiresAt, LabStatus.Ready, actor, { action: 'claimed' }],
      true,
    );
    const rows = records as { id: string }[];
    return rows.length === 0 ? null : loadLab(em, rows[0].id);
  }

  private async reserved(em: EntityManager): Promise<Resources> {
    const [row] = await em.query(RESERVED_SQL, [LIVE_STATUSES]);
    return { cpus: row.cpus, memoryMb: row.memory };
  }

  private async waitingCount(em: EntityManager): Promise<number> {
    const [row] = await em.query(`SELECT count(*)::int AS n FROM labs WHERE queued_at IS NOT NULL AND status = $1`, [LabStatus.Pending]);
    return row.n;
  }
}
