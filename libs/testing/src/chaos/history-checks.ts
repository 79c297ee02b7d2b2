import type { Pool } from 'pg';

/** Something the history shows that must not be: `key` names its subject, once. */
export interface HistoryFinding {
  readonly key: string;
  readonly detail: string;
}

/** Labs whose events do not form one chain from creation (each step starting where the last ended) to their status. */
export async function brokenChains(db: Pool): Promise<HistoryFinding[]> {
  const { rows } = await db.query<{ lab_id: string; status: string; chain: { from: string | null; to: string }[] }>(
    `SELECT l.id AS lab_id, l.status, json_agg(json_build_object('from', e.from_status, 'to', e.to_status) ORDER BY e.created_at, e.id) AS chain
       FROM labs l LEFT JOIN lab_events e ON e.lab_id = l.id GROUP BY l.id, l.status`,
  );
  return rows
    .filter(({ status, chain }) => chain.some((step, i) => (i === 0 ? step.from !== null : step.from !== chain[i - 1].to)) || chain[chain.length - 1]?.to !== status)
    .map(({ lab_id: id, status, chain }) => ({ key: id, detail: `lab ${id} (${status}): events ${chain.map((s) => `${s.from}>${s.to}`).join(', ')}` }));
}

/** Pairs of labs one student had live at once (the course allows one), from the events, not the API. */
export async function overlappingLabs(db: Pool): Promise<HistoryFinding[]> {
  const { rows } = await db.query<{ owner: string; a: string; b: string }>(
    `WITH owned AS (
       SELECT l.id, l.owner_id,
              coalesce((SELECT min(e.created_at) FROM lab_events e WHERE e.lab_id = l.id AND e.detail->>'action' = 'claimed'), l.created_at) AS since,
              coalesce((SELECT min(e.created_at) FROM lab_events e WHERE e.lab_id = l.id AND e.to_status IN ('stopping', 'stopped', 'failed')), 'infinity') AS until
         FROM labs l WHERE l.owner_id IS NOT NULL)
     SELECT a.owner_id AS owner, a.id AS a, b.id AS b FROM owned a JOIN owned b ON a.owner_id = b.owner_id AND a.id < b.id
      WHERE a.since < b.until AND b.since < a.until`,
  );
  return rows.map((r) => ({ key: `${r.a}+${r.b}`, detail: `owner ${r.owner} had labs ${r.a} and ${r.b} live at once` }));
}

/**
 * Students whose lab-minutes in the course's usage report differ from what the events give
 * (from ready, or from the claim of a pool lab, until it began to end; a lab never ready: none).
 */
export async function usageDifferences(db: Pool, report: { email: string; minutes: number }[], from: Date): Promise<HistoryFinding[]> {
  const { rows } = await db.query<{ email: string; minutes: number }>(
    `WITH spans AS (
       SELECT l.owner_id,
              coalesce((SELECT min(e.created_at) FROM lab_events e WHERE e.lab_id = l.id AND e.detail->>'action' = 'claimed'),
                       (SELECT min(e.created_at) FROM lab_events e WHERE e.lab_id = l.id AND e.to_status = 'ready')) AS since,
              coalesce((SELECT min(e.created_at) FROM lab_events e WHERE e.lab_id = l.id AND e.to_status IN ('stopping', 'stopped', 'failed')), now()) AS until
         FROM labs l WHERE l.owner_id IS NOT NULL)
     SELECT u.email, round(sum(greatest(0, extract(epoch FROM s.until - greatest(s.since, $1)))) / 6)::float / 10 AS minutes
       FROM spans s JOIN users u ON u.id = s.owner_id WHERE s.since IS NOT NULL GROUP BY u.email`,
    [from],
  );
  const reported = new Map(report.map((p) => [p.email, p.minutes]));
  return rows
    .filter((r) => Math.abs((reported.get(r.email) ?? 0) - r.minutes) > 0.1)
    .map((r) => ({ key: r.email, detail: `${r.email}: usage report says ${reported.get(r.email) ?? 0} min, the events ${r.minutes} min` }));
}
