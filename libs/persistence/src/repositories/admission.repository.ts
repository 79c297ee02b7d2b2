import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { admitFromLine, Batcher, CapacitySnapshot, checkLimits, LIVE_STATUSES, Outcome, planNewLabs, poolLabsToMake, QuotaExceededError, queueFullRefusal, Resources, weekOf } from '@labfleet/domain';
import { LabEntity } from '../entities';
import type { Admit, NewLab } from './lab.repository';
import { quotaStates } from './lab-usage.queries';
import { labFromRow, LabRow } from './lab-rows';
import { insertLabs, lockAdmission, lockCourses, NewLabRow } from './lab-writes';

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

/** How a request got its lab: a claimed idle pool lab, a new one to provision now, or a place in line. */
export type Admission = 'pool' | 'provision' | 'queue';

// Waiting labs reserve nothing until they are let through.
const CAPACITY_SQL = `SELECT coalesce(sum(t.reserved_cpus) FILTER (WHERE l.queued_at IS NULL), 0)::float AS cpus,
       coalesce(sum(t.reserved_memory_mb) FILTER (WHERE l.queued_at IS NULL), 0)::int AS memory,
       count(*) FILTER (WHERE l.queued_at IS NOT NULL AND l.status = $2)::int AS waiting
  FROM labs l JOIN templates t ON t.id = l.template_id WHERE l.status = ANY($1)`;

/** One lab request waiting for its batch. */
interface Ask {
  readonly lab: OwnedLab;
  readonly actor: string;
  readonly admit: Admit;
  readonly limits: AdmissionLimits;
}

type Admitted = { lab: LabEntity; via: Admission };

/** A request that passed its limits, asking for an idle pool lab of its template. */
interface PoolClaim {
  readonly lab: OwnedLab;
  readonly actor: string;
  readonly expiresAt: Date;
}

const lockKey = (lab: OwnedLab) => (lab.courseWide ? lab.courseId : `${lab.courseId}:${lab.ownerId}`);

/**
 * Admission's reads and writes; what to decide is the domain's (`admission-plan.ts`). Course
 * checks hold the course's lock; capacity decisions hold one platform-wide lock, so concurrent
 * requests never overcommit.
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
   * Decides a batch in one transaction, as `checkLimits` and `planNewLabs` say: the course limits
   * under the course locks, then claims of idle pool labs for all that passed in one statement,
   * then (under the admission lock, taken only if some request got no claim) new labs or places
   * in line for the rest.
   */
  private admitAll(asks: Ask[]): Promise<Outcome<Admitted>[]> {
    return this.db.transaction(async (em) => {
      await lockCourses(em, asks.map((a) => lockKey(a.lab)));
      const states = await quotaStates(
        em,
        asks.map(({ lab }) => ({ courseId: lab.courseId, ownerId: lab.ownerId, week: weekOf(lab.createdAt), now: lab.createdAt, readUsage: lab.weeklyBudget })),
      );
      const limits = checkLimits(
        asks.map(({ lab, admit }) => ({ courseId: lab.courseId, ownerId: lab.ownerId, admit })),
        states,
      );
      const outcomes: Outcome<Admitted>[] = new Array(asks.length);
      const passed: { i: number; expiresAt: Date }[] = [];
      limits.forEach((limit, i) => {
        if (limit.ok) passed.push({ i, expiresAt: limit.value });
        else outcomes[i] = limit;
      });
      const claimed = await this.claimPoolLabs(em, passed.map(({ i, expiresAt }) => ({ lab: asks[i].lab, actor: asks[i].actor, expiresAt })));
      const rest = passed.filter(({ i }, k) => {
        const lab = claimed.get(k);
        if (lab) outcomes[i] = { ok: true, value: { lab, via: 'pool' } };
        return !lab;
      });
      if (rest.length > 0) {
        await lockAdmission(em);
        const plan = planNewLabs(
          rest.map(({ i }) => ({ reserve: asks[i].lab.reserve, ...asks[i].limits })),
          await this.capacitySnapshot(em),
        );
        const made: { i: number; via: 'provision' | 'queue'; row: NewLabRow }[] = [];
        let nextEnd: Promise<Date | null> | undefined;
        for (const [k, decision] of plan.entries()) {
          const { i, expiresAt } = rest[k];
          const { reserve: _reserve, courseWide: _courseWide, weeklyBudget: _weeklyBudget, ...row } = asks[i].lab;
          if (decision.via === 'refuse') {
            nextEnd ??= this.nextEnd(em);
            outcomes[i] = { ok: false, error: new QuotaExceededError(queueFullRefusal(decision, await nextEnd, new Date())) };
          } else {
            made.push({ i, via: decision.via, row: { ...row, expiresAt, actor: asks[i].actor, queuedAt: decision.via === 'queue' ? new Date() : null } });
          }
        }
        const labs = await insertLabs(em, made.map((m) => m.row));
        made.forEach(({ i, via }, k) => (outcomes[i] = { ok: true, value: { lab: labs[k], via } }));
      }
      return outcomes;
    });
  }

  /** Inserts the first of `labs` (unowned pool labs), as many as `poolLabsToMake` allows. Returns their ids. */
  async createPoolLabs(labs: readonly NewLab[], reserve: Resources, capacity: Resources): Promise<string[]> {
    return this.db.transaction(async (em) => {
      await lockAdmission(em);
      const made = labs.slice(0, poolLabsToMake(labs.length, reserve, capacity, await this.capacitySnapshot(em)));
      await insertLabs(em, made.map((lab) => ({ ...lab, actor: 'pool' })));
      return made.map((lab) => lab.id);
    });
  }

  /**
   * Lets the waiting labs `admitFromLine` picks through. Returns their ids. Most passes (one per lab
   * end and per pool tick) find nobody waiting: those neither wait for nor hold the lock that every
   * cold lab request takes. A lab put in line by a transaction not yet committed is let through by
   * the next pass.
   */
  async admitWaiting(capacity: Resources): Promise<string[]> {
    const [{ waiting }] = await this.db.query(`SELECT EXISTS (SELECT 1 FROM labs WHERE queued_at IS NOT NULL AND status = $1) AS waiting`, [LabStatus.Pending]);
    if (!waiting) return [];
    return this.db.transaction(async (em) => {
      await lockAdmission(em);
      const { reserved } = await this.capacitySnapshot(em);
      const line: { id: string; cpus: number; memory: number }[] = await em.query(
        `SELECT l.id, t.reserved_cpus::float AS cpus, t.reserved_memory_mb AS memory FROM labs l JOIN templates t ON t.id = l.template_id
          WHERE l.queued_at IS NOT NULL AND l.status = $1 ORDER BY l.queued_at, l.id`,
        [LabStatus.Pending],
      );
      const admitted = admitFromLine(
        line.map((w) => ({ id: w.id, reserve: { cpus: w.cpus, memoryMb: w.memory } })),
        capacity,
        reserved,
      ).map((w) => w.id);
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
  usage(): Promise<CapacitySnapshot> {
    return this.capacitySnapshot(this.db.manager);
  }

  /**
   * Takes the oldest idle pool labs of each request's template for the requests, in order, with
   * their `claimed` events, in one statement that also returns them whole (template, owner, nodes).
   * Returns claim index → lab for those served. The
   * event keeps the lab's pool expiry, so that `LabRepository.unclaim` can give it back.
   */
  private async claimPoolLabs(em: EntityManager, claims: readonly PoolClaim[]): Promise<Map<number, LabEntity>> {
    if (claims.length === 0) return new Map();
    const column = <T>(f: (c: (typeof claims)[number]) => T) => claims.map(f);
    const { records } = await em.queryRunner!.query(
      `WITH req AS (
         SELECT r.*, row_number() OVER (PARTITION BY r.template_id, r.template_version ORDER BY r.n) AS k
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::text[], $9::int[]) WITH ORDINALITY AS r(template_id, school_id, course_id, owner_id, expires_at, actor, template_version, n)),
       want AS (SELECT template_id, template_version, count(*) AS n FROM req GROUP BY template_id, template_version),
       -- Only labs of the version asked for: a pool lab made before the template's last edit is never handed out.
       pick AS (
         SELECT p.id, p.expires_at, w.template_id, w.template_version, row_number() OVER (PARTITION BY w.template_id, w.template_version ORDER BY p.created_at, p.id) AS k
           FROM want w, LATERAL (SELECT id, created_at, expires_at FROM labs WHERE template_id = w.template_id AND template_version = w.template_version AND course_id IS NULL AND status = $7
                                  ORDER BY created_at LIMIT w.n FOR UPDATE SKIP LOCKED) p),
       claimed AS (
         UPDATE labs SET school_id = req.school_id, course_id = req.course_id, owner_id = req.owner_id, expires_at = req.expires_at, claimed_at = now(), updated_at = now()
           FROM pick JOIN req ON req.template_id = pick.template_id AND req.template_version = pick.template_version AND req.k = pick.k
          WHERE labs.id = pick.id RETURNING labs.id, labs.template_id, labs.owner_id, to_jsonb(labs) AS lab, req.n, req.actor, pick.expires_at AS pool_expires_at),
       -- The claim's own moment, not its transaction's start (now()): a request that waited for a lock
       -- may have begun before the lab it claims was ready, and the history must read ready, then claimed.
       event AS (INSERT INTO lab_events (lab_id, from_status, to_status, actor, detail, created_at) SELECT id, $7, $7, actor, $8::jsonb || jsonb_build_object('poolExpiresAt', pool_expires_at), clock_timestamp() FROM claimed)
       -- The lab as the answer shows it, so that no second query reads it back.
       SELECT c.n::int AS n, c.lab, to_jsonb(t) AS template, to_jsonb(u) AS owner,
              coalesce((SELECT jsonb_agg(to_jsonb(ln) ORDER BY ln.name) FROM lab_nodes ln WHERE ln.lab_id = c.id), '[]'::jsonb) AS nodes
         FROM claimed c JOIN templates t ON t.id = c.template_id LEFT JOIN users u ON u.id = c.owner_id`,
      [
        column((c) => c.lab.templateId),
        column((c) => c.lab.schoolId),
        column((c) => c.lab.courseId),
        column((c) => c.lab.ownerId),
        column((c) => c.expiresAt),
        column((c) => c.actor),
        LabStatus.Ready,
        { action: 'claimed' },
        column((c) => c.lab.templateVersion),
      ],
      true,
    );
    return new Map((records as (LabRow & { n: number })[]).map((r) => [r.n - 1, labFromRow(this.db, r)]));
  }

  /** When the first running lab is due to end. */
  private async nextEnd(em: EntityManager): Promise<Date | null> {
    const [next] = await em.query(`SELECT min(expires_at) AS at FROM labs WHERE status = ANY($1) AND queued_at IS NULL`, [LIVE_STATUSES]);
    return next.at ? new Date(next.at) : null;
  }

  /** What running labs (and those being made) reserve, and how many wait, in one statement. */
  private async capacitySnapshot(em: EntityManager): Promise<CapacitySnapshot> {
    const [row] = await em.query(CAPACITY_SQL, [LIVE_STATUSES, LabStatus.Pending]);
    return { reserved: { cpus: row.cpus, memoryMb: row.memory }, waiting: row.waiting };
  }
}
