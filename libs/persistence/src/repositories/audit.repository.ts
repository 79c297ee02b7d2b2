import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditTarget, Caller } from '@labfleet/domain';
import { AuditEventEntity } from '../entities';

export type NewAuditEvent = Omit<AuditEventEntity, 'id' | 'createdAt'>;

export interface AuditFilter {
  readonly schoolId?: string;
  readonly action?: string;
  readonly actorId?: string;
  readonly since?: Date;
  readonly limit: number;
  readonly offset: number;
}

@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Records that `caller` did `action` (e.g. `course.policy-changed`) to `target`. */
  log(caller: Caller, action: string, target: AuditTarget, detail: Record<string, unknown> | null = null): Promise<void> {
    return this.record({
      schoolId: target.schoolId ?? caller.principal.schoolId,
      actorId: caller.principal.userId,
      actorLabel: caller.principal.label,
      action,
      targetType: target.type,
      targetId: target.id,
      detail,
      ip: caller.ip,
    });
  }

  async record(event: NewAuditEvent): Promise<void> {
    const repository = this.db.getRepository(AuditEventEntity);
    await repository.save(repository.create(event));
  }

  async list(filter: AuditFilter): Promise<{ items: AuditEventEntity[]; total: number }> {
    const query = this.db.getRepository(AuditEventEntity).createQueryBuilder('a');
    if (filter.schoolId) query.andWhere('a.school_id = :schoolId', { schoolId: filter.schoolId });
    if (filter.action) query.andWhere('a.action = :action', { action: filter.action });
    if (filter.actorId) query.andWhere('a.actor_id = :actorId', { actorId: filter.actorId });
    if (filter.since) query.andWhere('a.created_at >= :since', { since: filter.since });
    const [items, total] = await query.orderBy('a.created_at', 'DESC').addOrderBy('a.id', 'ASC').take(filter.limit).skip(filter.offset).getManyAndCount();
    return { items, total };
  }
}
