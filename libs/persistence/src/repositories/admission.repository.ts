import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { Batcher, fits, LIVE_STATUSES, Outcome, plus, QuotaExceededError, QuotaState, Resources, weekOf } from '@labfleet/domain';
import { LabEntity } from '../entities';
import type { Admit, NewLab } from './lab.repository';
import { quotaStates } from './lab-usage.queries';
import { findLabs, insertLab, lockAdmission, lockCourses } from './lab-writes';

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

/** One lab request waiting for its batch. */
interface Ask {
  readonly lab: OwnedLab;
  readonly actor: string;
  readonly admit: Admit;
  readonly limits: AdmissionLimits;
}

type Admitted = { lab: LabEntity; via: Admission };

const lockKey = (lab: OwnedLab) => (lab.courseWide ? lab.courseId : `${lab.courseId}:${lab.ownerId}`);
const failed = (error: unknown): Outcome<never> => ({ ok: false, error });

/**
 * Where course limits, the warm pool and capacity meet. Course checks hold the course's lock;
 * capacity decisions hold one platform-wide lock, so concurrent requests never overcommit.
 *
 * Requests that arrive together are decided in one transaction (`Batcher`): a classroom rush
 * costs a few round trips in all, not six per student.
 */
@Injectable()
export class AdmissionRepository {
  private readonly asks = new Batcher<Ask, Admitted>((batch) => this.admitAll(batch));

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  createOwned(lab: OwnedLab, actor: string, admit: Admit, limits: AdmissionLimits): Promise<Admitted> {
    return this.asks.submit({ lab, actor, admit, limits });
  }

  /**
   * In order: each request's limits (counting the ones before it in the batch), then idle pool
   * labs for all that passed in one statement, then for the rest a new lab or a place in line.
   */
  private admitAll(asks: Ask[]): Promise<Outcome<Admitted>[]> {
    return this.db.transaction(async (em) => {
      await lockCourses(em, asks.map((a) => lockKey(a.lab)));
      const states = await quotaStates(
        em,
        asks.map(({ lab }) => ({ courseId: lab.courseId, ownerId: lab.ownerId, week: weekOf(lab.createdAt), now: lab.createdAt, readUsage: lab.weeklyBudget })),
      );
      const outcomes: Outcome<Admitted>[] = new Array(asks.length);
      const passed: { i: number; expiresAt: Date }[] = [];
      asks.forEach((ask, i) => {
        let expiresAt: Date;
        try {
          expiresAt = ask.admit(states[i]);
        } catch (e) {
          outcomes[i] = failed(e);
          return;
        }
        passed.push({ i, expiresAt });
        // The requests after this one in the batch see its lab, as they would one transaction later.
        for (let j = i + 1; j < asks.length; j++) states[j] = countNewLab(states[j], asks[j].lab, ask.lab, expiresAt);
      });
      const claimed = await this.claimIdle(em, passed.map(({ i, expiresAt }) => ({ lab: asks[i].lab, actor: asks[i].actor, expiresAt })));
      const labs = new Map((await findLabs(em, [...claimed.values()])).map((l) => [l.id, l]));
      const rest = passed.filter(({ i }, k) => {
        const id = claimed.get(k);
        if (id) outcomes[i] = { ok: true, value: { lab: labs.get(id)!, via: 'pool' } };
        return !id;
      });
      if (rest.length > 0) {
        await lockAdmission(em);
        let reserved = await this.reserved(em);
        let waiting = await this.waitingCount(em);
        for (const { i, expiresAt } of rest) {
          const { limits, actor } = asks[i];
          const { reserve, courseWide: _courseWide, weeklyBudget: _weeklyBudget, ...row } = asks[i].lab;
          if (waiting === 0 && fits(limits.capacity, reserved, reserve)) {
            outcomes[i] = { ok: true, value: { lab: await insertLab(em, { ...row, expiresAt }, actor), via: 'provision' } };
            reserved = plus(reserved, reserve);
          } else if (waiting >= limits.queueMax) {
            outcomes[i] = failed(await this.queueFull(em, waiting, limits.queueMax));
          } else {
            outcomes[i] = { ok: true, value: { lab: await insertLab(em, { ...row, expiresAt, queuedAt: new Date() }, actor), via: 'queue' } };
            waiting++;
          }
        }
      }
      return outcomes;
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
        reserved = plus(reserved, reserve);
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
        reserved = plus(reserved, reserve);
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

  /**
   * Takes the oldest idle pool labs of each request's template for the requests, in order, with
   * their `claimed` events, in one statement. Returns request index → lab id for those served.
   */
  private async claimIdle(em: EntityManager, claims: { lab: OwnedLab; actor: string; expiresAt: Date }[]): Promise<Map<number, string>> {
    if (claims.length === 0) return new Map();
    const column = <T>(f: (c: (typeof claims)[number]) => T) => claims.map(f);
    const { records } = await em.queryRunner!.query(
      `WITH req AS (
         SELECT r.*, row_number() OVER (PARTITION BY r.template_id ORDER BY r.n) AS k
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::text[]) WITH ORDINALITY AS r(template_id, school_id, course_id, owner_id, expires_at, actor, n)),
       want AS (SELECT template_id, count(*) AS n FROM req GROUP BY template_id),
       pick AS (
         SELECT p.id, w.template_id, row_number() OVER (PARTITION BY w.template_id ORDER BY p.created_at, p.id) AS k
           FROM want w, LATERAL (SELECT id, created_at FROM labs WHERE template_id = w.template_id AND course_id IS NULL AND status = $7
                                  ORDER BY created_at LIMIT w.n FOR UPDATE SKIP LOCKED) p),
       claimed AS (
         UPDATE labs SET school_id = req.school_id, course_id = req.course_id, owner_id = req.owner_id, expires_at = req.expires_at, claimed_at = now(), updated_at = now()
           FROM pick JOIN req ON req.template_id = pick.template_id AND req.k = pick.k
          WHERE labs.id = pick.id RETURNING labs.id, req.n, req.actor),
       event AS (INSERT INTO lab_events (lab_id, from_status, to_status, actor, detail) SELECT id, $7, $7, actor, $8::jsonb FROM claimed)
       SELECT id, n::int AS n FROM claimed`,
      [
        column((c) => c.lab.templateId),
        column((c) => c.lab.schoolId),
        column((c) => c.lab.courseId),
        column((c) => c.lab.ownerId),
        column((c) => c.expiresAt),
        column((c) => c.actor),
        LabStatus.Ready,
        { action: 'claimed' },
      ],
      true,
    );
    return new Map((records as { id: string; n: number }[]).map((r) => [r.n - 1, r.id]));
  }

  private async queueFull(em: EntityManager, waiting: number, queueMax: number): Promise<QuotaExceededError> {
    const [next] = await em.query(`SELECT min(expires_at) AS at FROM labs WHERE status = ANY($1) AND queued_at IS NULL`, [LIVE_STATUSES]);
    return new QuotaExceededError({
      limit: 'admissionQueue',
      status: 429,
      message: `Labfleet is full and ${waiting} lab requests are already waiting; try again later`,
      limitValue: queueMax,
      current: waiting,
      retryAt: next.at ? new Date(next.at) : new Date(Date.now() + 60_000),
    });
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

/** `state` (of request `next`) once `admitted`'s new lab, ending at `expiresAt`, is counted. */
function countNewLab(state: QuotaState, next: OwnedLab, admitted: OwnedLab, expiresAt: Date): QuotaState {
  if (next.courseId !== admitted.courseId) return state;
  const plus = (live: QuotaState['courseLive']) => ({ count: live.count + 1, earliestExpiry: live.earliestExpiry && live.earliestExpiry < expiresAt ? live.earliestExpiry : expiresAt });
  return { ...state, courseLive: plus(state.courseLive), ownerLive: next.ownerId === admitted.ownerId ? plus(state.ownerLive) : state.ownerLive };
}
