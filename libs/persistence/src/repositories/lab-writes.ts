import { EntityManager } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { LabEntity, LabEventEntity } from '../entities';
import type { NewLab } from './lab.repository';
import { labFromRow, LabRow } from './lab-rows';
import { ByIdsStatement, preparedByIds } from './prepared-query';

export type NewLabRow = NewLab & { readonly queuedAt?: Date | null; readonly actor: string };

/** Inserts a pending lab and its first event (in the caller's transaction). */
export async function insertLab(em: EntityManager, lab: NewLab & { queuedAt?: Date | null }, actor: string): Promise<LabEntity> {
  const [inserted] = await insertLabs(em, [{ ...lab, actor }]);
  return inserted;
}

/**
 * Inserts pending labs and their first events, then reads them back whole: three statements
 * however many labs (admission runs this under its platform-wide lock, which every lab request
 * waits for). Returns them in the order given.
 */
export async function insertLabs(em: EntityManager, labs: readonly NewLabRow[]): Promise<LabEntity[]> {
  if (labs.length === 0) return [];
  await em.insert(
    LabEntity,
    labs.map(({ actor: _actor, ...lab }) => em.create(LabEntity, { ...lab, status: LabStatus.Pending, failureReason: null, handle: null })),
  );
  await em.insert(
    LabEventEntity,
    labs.map((lab) => ({ labId: lab.id, fromStatus: null, toStatus: LabStatus.Pending, actor: lab.actor, detail: (lab.queuedAt ? { queued: true } : null) as LabEventEntity['detail'] & object })),
  );
  const byId = new Map((await findLabs(em, labs.map((l) => l.id))).map((l) => [l.id, l]));
  return labs.map((l) => byId.get(l.id)!);
}

const LABS: ByIdsStatement = {
  name: 'labs-by-id',
  column: 'l.id',
  sql: (where) => `SELECT to_jsonb(l) AS lab, to_jsonb(t) AS template, to_jsonb(u) AS owner,
       coalesce((SELECT jsonb_agg(to_jsonb(n) ORDER BY n.name) FROM lab_nodes n WHERE n.lab_id = l.id), '[]'::jsonb) AS nodes
  FROM labs l JOIN templates t ON t.id = l.template_id LEFT JOIN users u ON u.id = l.owner_id
 WHERE ${where}`,
};

/**
 * Labs with their template, nodes (in name order) and owner, in one prepared statement: every
 * request and job reads its lab, and TypeORM's `find` with relations cost Postgres a new plan
 * (0.8 ms) and the caller its hydration each time (`bench:scale`).
 */
export async function findLabs(em: EntityManager, ids: readonly string[]): Promise<LabEntity[]> {
  return (await preparedByIds<LabRow>(em, LABS, ids)).map((row) => labFromRow(em.connection, row));
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
