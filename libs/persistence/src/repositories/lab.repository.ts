import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, SelectQueryBuilder } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { LabHandle, LabNodeHandle, LabScope, LIVE_STATUSES, Period, QuotaState, sourcesOf, weekOf } from '@labfleet/domain';
import { LabEntity, LabEventEntity, LabNodeEntity } from '../entities';
import { OwnerUsage, quotaState, usageByOwner } from './lab-usage.queries';
import { appendLabEvent, findLab, insertLab, lockCourses } from './lab-writes';

export interface NewLab {
  readonly id: string;
  readonly templateId: string;
  /** The template's version when the lab was asked for (`TemplateEntity.version`). */
  readonly templateVersion: number;
  readonly provider: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly schoolId: string | null;
  readonly courseId: string | null;
  readonly ownerId: string | null;
}

export interface LabFilter {
  readonly scope: LabScope;
  readonly statuses?: LabStatus[];
  readonly courseId?: string;
  readonly ownerId?: string;
  readonly limit: number;
  readonly offset: number;
}

/** Given what counts against the course now, returns when the lab must end, or throws a refusal. */
export type Admit = (state: QuotaState) => Date;

export interface TransitionPatch {
  readonly failureReason?: string;
  readonly readyAt?: Date;
  readonly endedAt?: Date;
  readonly handle?: LabHandle;
  readonly waitReason?: string | null;
  readonly waitingSince?: Date | null;
}

export interface TransitionRequest {
  readonly to: LabStatus;
  /** Only from these of the states the state machine allows (all of them when left out). */
  readonly from?: readonly LabStatus[];
  readonly actor: string;
  readonly patch?: TransitionPatch;
  readonly detail?: Record<string, unknown>;
}

export interface LabPage {
  readonly items: LabEntity[];
  readonly total: number;
}

const PATCH_COLUMNS: Record<keyof TransitionPatch, string> = {
  failureReason: 'failure_reason',
  readyAt: 'ready_at',
  endedAt: 'ended_at',
  handle: 'handle',
  waitReason: 'wait_reason',
  waitingSince: 'waiting_since',
};

/** Labs and their history. Every state change is a conditional update plus an event, in one transaction. */
@Injectable()
export class LabRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Inserts a pending lab and its first event. The caller enqueues only after this commits: a
   * worker must never pick up a job for a row it cannot see yet.
   */
  async create(lab: NewLab, actor: string): Promise<LabEntity> {
    return this.db.transaction((em) => insertLab(em, lab, actor));
  }

  /** Moves a live lab's end, under the same lock and checks as its creation. Null if the lab is no longer live. */
  async extendWithinQuota(lab: LabEntity, actor: string, decide: Admit): Promise<Date | null> {
    return this.db.transaction(async (em) => {
      // Both keys a creation may hold: the course's (course-wide limits) and its owner's in it.
      if (lab.courseId) await lockCourses(em, [lab.courseId, `${lab.courseId}:${lab.ownerId}`]);
      const now = new Date();
      const next = decide(await quotaState(em, lab.courseId!, lab.ownerId, weekOf(now), now));
      const { records } = await em.queryRunner!.query(
        `UPDATE labs SET expires_at = $2, updated_at = now() WHERE id = $1 AND status = ANY($3) RETURNING status`,
        [lab.id, next, LIVE_STATUSES],
        true,
      );
      const rows = records as { status: LabStatus }[];
      if (rows.length === 0) return null;
      await appendLabEvent(em, lab.id, rows[0].status, rows[0].status, actor, { action: 'extended', from: lab.expiresAt.toISOString(), to: next.toISOString() });
      return next;
    });
  }

  /** Each owner's usable time in the course's labs within `period` (see `usageByOwner`). */
  usageByOwner(courseId: string, period: Period, now: Date): Promise<OwnerUsage[]> {
    return usageByOwner(this.db.manager, courseId, period, now);
  }


  /**
   * Undoes a claim whose jobs could not be queued: the lab goes back to the warm pool with its pool
   * expiry, and its history says so (a pool lab's history is kept, unlike a new lab's in `discard`).
   * Does nothing when the lab has moved on since (it is then no longer the caller's to give back).
   */
  async unclaim(labId: string, actor: string): Promise<void> {
    await this.db.transaction(async (em) => {
      const rows: unknown[] = await em.query(
        `UPDATE labs SET school_id = NULL, course_id = NULL, owner_id = NULL, claimed_at = NULL, updated_at = now(),
                expires_at = (SELECT (detail->>'poolExpiresAt')::timestamptz FROM lab_events
                               WHERE lab_id = $1 AND detail->>'action' = 'claimed' ORDER BY created_at DESC LIMIT 1)
          WHERE id = $1 AND status = $2 AND claimed_at IS NOT NULL RETURNING id`,
        [labId, LabStatus.Ready],
      );
      if (rows.length) await appendLabEvent(em, labId, LabStatus.Ready, LabStatus.Ready, actor, { action: 'claim-undone' });
    });
  }

  /** Undoes `create` when its job could not be queued: the caller answered that nothing happened. */
  async discard(labId: string): Promise<void> {
    await this.db.transaction(async (em) => {
      await em.delete(LabEventEntity, { labId });
      await em.delete(LabEntity, { id: labId });
    });
  }

  /**
   * Moves a lab to `request.to` only from a state the state machine allows, so two workers racing
   * on one lab cannot both win. Returns the status it came from, or null when nothing changed.
   */
  async transition(labId: string, request: TransitionRequest): Promise<LabStatus | null> {
    return this.db.transaction(async (em) => {
      const params: unknown[] = [labId, sourcesOf(request.to).filter((s) => !request.from || request.from.includes(s)), request.to];
      const sets = ['status = $3', 'updated_at = now()'];
      for (const [key, value] of Object.entries(request.patch ?? {}) as [keyof TransitionPatch, unknown][]) {
        if (value === undefined) continue;
        params.push(key === 'handle' ? JSON.stringify(value) : value);
        sets.push(`${PATCH_COLUMNS[key]} = $${params.length}`);
      }
      // Structured result: for an UPDATE, TypeORM's plain query() returns [rows, count], not rows.
      const { records } = await em.queryRunner!.query(
        `WITH prev AS (SELECT id, status FROM labs WHERE id = $1 AND status = ANY($2) FOR UPDATE)
         UPDATE labs SET ${sets.join(', ')} FROM prev WHERE labs.id = prev.id RETURNING prev.status AS from_status`,
        params,
        true,
      );
      const rows = records as { from_status: LabStatus }[];
      if (rows.length === 0) return null;
      const from = rows[0].from_status;
      await appendLabEvent(em, labId, from, request.to, request.actor, request.detail);
      return from;
    });
  }

  /** Records why a pending lab still waits for room; `since` stays the first time it had to wait. */
  async setWaiting(labId: string, reason: string, since: Date): Promise<void> {
    await this.db.query(`UPDATE labs SET wait_reason = $2, waiting_since = $3 WHERE id = $1 AND status = 'pending'`, [labId, reason, since]);
  }

  findById(id: string): Promise<LabEntity | null> {
    return findLab(this.db.manager, id);
  }

  /** Labs within the caller's scope, newest first. */
  async list(filter: LabFilter): Promise<LabPage> {
    const query = this.db
      .getRepository(LabEntity)
      .createQueryBuilder('lab')
      .leftJoinAndSelect('lab.template', 'template')
      .leftJoinAndSelect('lab.nodes', 'nodes')
      .leftJoinAndSelect('lab.owner', 'owner');
    whereInScope(query, filter.scope);
    if (filter.statuses?.length) query.andWhere('lab.status IN (:...statuses)', { statuses: filter.statuses });
    if (filter.courseId) query.andWhere('lab.course_id = :courseId', { courseId: filter.courseId });
    if (filter.ownerId) query.andWhere('lab.owner_id = :ownerId', { ownerId: filter.ownerId });
    const [items, total] = await query.orderBy('lab.createdAt', 'DESC').addOrderBy('lab.id', 'ASC').addOrderBy('nodes.name', 'ASC').take(filter.limit).skip(filter.offset).getManyAndCount();
    return { items, total };
  }

  /** Labs that are live or being stopped: the ones reconcile holds the backend to. */
  findUnended(): Promise<LabEntity[]> {
    return this.db.getRepository(LabEntity).findBy({ status: In([...LIVE_STATUSES, LabStatus.Stopping]) });
  }

  /** These labs, whatever their state (rows without nodes or template: for reconcile). */
  async findRows(ids: readonly string[]): Promise<LabEntity[]> {
    return ids.length ? this.db.getRepository(LabEntity).findBy({ id: In([...ids]) }) : [];
  }

  async saveNodes(labId: string, nodes: readonly LabNodeHandle[]): Promise<void> {
    if (nodes.length === 0) return;
    await this.db
      .createQueryBuilder()
      .insert()
      .into(LabNodeEntity)
      .values(nodes.map((n) => ({ labId, name: n.name, hostname: n.hostname, runtimeId: n.runtimeId, address: n.address ?? null })))
      .orUpdate(['hostname', 'runtime_id', 'address'], ['lab_id', 'name'])
      .execute();
  }

  async events(labId: string): Promise<LabEventEntity[]> {
    return this.db.getRepository(LabEventEntity).find({ where: { labId }, order: { createdAt: 'ASC' } });
  }

}

/** The same rule as `inLabScope`, as SQL. */
function whereInScope(query: SelectQueryBuilder<LabEntity>, scope: LabScope): void {
  if (scope.all) return;
  const alternatives: string[] = [];
  if (scope.schoolId) alternatives.push('lab.school_id = :scopeSchool');
  if (scope.courseIds?.length) alternatives.push('lab.course_id IN (:...scopeCourses)');
  if (scope.ownerId) alternatives.push('lab.owner_id = :scopeOwner');
  query.andWhere(alternatives.length ? `(${alternatives.join(' OR ')})` : 'false', {
    scopeSchool: scope.schoolId,
    scopeCourses: scope.courseIds,
    scopeOwner: scope.ownerId,
  });
}
