import { EntityManager } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { LabEntity, LabEventEntity } from '../entities';
import type { NewLab } from './lab.repository';

/** Inserts a pending lab and its first event (in the caller's transaction). */
export async function insertLab(em: EntityManager, lab: NewLab & { queuedAt?: Date | null }, actor: string): Promise<LabEntity> {
  await em.insert(LabEntity, em.create(LabEntity, { ...lab, status: LabStatus.Pending, failureReason: null, handle: null }));
  await appendLabEvent(em, lab.id, null, LabStatus.Pending, actor, lab.queuedAt ? { queued: true } : undefined);
  return loadLab(em, lab.id);
}

/** A lab with its template, nodes and owner, in one query (`findOne` would make two: it pages the join). */
export async function loadLab(em: EntityManager, id: string): Promise<LabEntity> {
  const [lab] = await em.find(LabEntity, { where: { id }, relations: { template: true, nodes: true, owner: true }, order: { nodes: { name: 'ASC' } } });
  if (!lab) throw new Error(`lab ${id} not found`);
  return lab;
}

export async function appendLabEvent(
  em: EntityManager,
  labId: string,
  from: LabStatus | null,
  to: LabStatus,
  actor: string,
  detail?: Record<string, unknown>,
): Promise<void> {
  await em.insert(LabEventEntity, { labId, fromStatus: from, toStatus: to, actor, detail: (detail ?? null) as LabEventEntity['detail'] & object });
}

/** Serialises quota decisions of one course (or one person in it); released when the transaction ends. */
export async function lockCourse(em: EntityManager, key: string): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`course:${key}`]);
}

/** Serialises admission (capacity and the waiting line) across every API and worker process. */
export async function lockAdmission(em: EntityManager): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('admission', 0))`);
}
