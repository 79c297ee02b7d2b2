import { EntityManager, In } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { LabEntity, LabEventEntity } from '../entities';
import type { NewLab } from './lab.repository';

/** Inserts a pending lab and its first event (in the caller's transaction). */
export async function insertLab(em: EntityManager, lab: NewLab & { queuedAt?: Date | null }, actor: string): Promise<LabEntity> {
  await em.insert(LabEntity, em.create(LabEntity, { ...lab, status: LabStatus.Pending, failureReason: null, handle: null }));
  await appendLabEvent(em, lab.id, null, LabStatus.Pending, actor, lab.queuedAt ? { queued: true } : undefined);
  return loadLab(em, lab.id);
}

/** Labs with their template, nodes and owner, in one query (`findOne` would make two: it pages the join). */
export function findLabs(em: EntityManager, ids: readonly string[]): Promise<LabEntity[]> {
  return em.find(LabEntity, { where: { id: In([...ids]) }, relations: { template: true, nodes: true, owner: true }, order: { nodes: { name: 'ASC' } } });
}

export async function findLab(em: EntityManager, id: string): Promise<LabEntity | null> {
  const [lab] = await findLabs(em, [id]);
  return lab ?? null;
}

export async function loadLab(em: EntityManager, id: string): Promise<LabEntity> {
  const lab = await findLab(em, id);
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

/**
 * Serialises quota decisions of courses (or of persons in them); released when the transaction
 * ends. Several are taken in one sorted order, so two transactions never wait on each other.
 */
export async function lockCourses(em: EntityManager, keys: readonly string[]): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (SELECT DISTINCT k FROM unnest($1::text[]) AS k ORDER BY k) AS sorted`, [
    keys.map((key) => `course:${key}`),
  ]);
}

/** Serialises admission (capacity and the waiting line) across every API and worker process. */
export async function lockAdmission(em: EntityManager): Promise<void> {
  await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('admission', 0))`);
}
