import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { LabHandle, LabNodeHandle, LIVE_STATUSES, sourcesOf } from '@labfleet/domain';
import { LabEntity, LabEventEntity, LabNodeEntity } from '../entities';

export interface NewLab {
  readonly id: string;
  readonly templateId: string;
  readonly provider: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export interface TransitionPatch {
  readonly failureReason?: string;
  readonly readyAt?: Date;
  readonly endedAt?: Date;
  readonly handle?: LabHandle;
}

export interface TransitionRequest {
  readonly to: LabStatus;
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
    return this.db.transaction(async (em) => {
      await em.insert(LabEntity, em.create(LabEntity, { ...lab, status: LabStatus.Pending, failureReason: null, handle: null }));
      await this.appendEvent(em, lab.id, null, LabStatus.Pending, actor);
      return em.findOneOrFail(LabEntity, { where: { id: lab.id }, relations: { template: true, nodes: true } });
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
      const params: unknown[] = [labId, sourcesOf(request.to), request.to];
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
      await this.appendEvent(em, labId, from, request.to, request.actor, request.detail);
      return from;
    });
  }

  async findById(id: string): Promise<LabEntity | null> {
    return this.db.getRepository(LabEntity).findOne({
      where: { id },
      relations: { template: true, nodes: true },
      order: { nodes: { name: 'ASC' } },
    });
  }

  async list(filter: { statuses?: LabStatus[]; limit: number; offset: number }): Promise<LabPage> {
    const [items, total] = await this.db.getRepository(LabEntity).findAndCount({
      where: filter.statuses?.length ? { status: In(filter.statuses) } : {},
      relations: { template: true, nodes: true },
      order: { createdAt: 'DESC', id: 'ASC' },
      take: filter.limit,
      skip: filter.offset,
    });
    return { items, total };
  }

  /** Labs that are live or being stopped, plus the given ids whatever their state. */
  async findForReconcile(ids: readonly string[]): Promise<LabEntity[]> {
    const statuses = [...LIVE_STATUSES, LabStatus.Stopping];
    return this.db
      .getRepository(LabEntity)
      .createQueryBuilder('lab')
      .where('lab.status IN (:...statuses)', { statuses })
      .orWhere(ids.length ? 'lab.id IN (:...ids)' : 'false', { ids })
      .getMany();
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

  private async appendEvent(
    em: EntityManager,
    labId: string,
    from: LabStatus | null,
    to: LabStatus,
    actor: string,
    detail?: Record<string, unknown>,
  ): Promise<void> {
    await em.insert(LabEventEntity, { labId, fromStatus: from, toStatus: to, actor, detail: (detail ?? null) as LabEventEntity['detail'] & object });
  }
}
