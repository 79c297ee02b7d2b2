import { LabStatus } from '@labfleet/contracts';
import { DEFAULT_COURSE_ID, DEFAULT_SCHOOL_ID } from '@labfleet/persistence';

/** What runs SQL: a `pg` Client or Pool. */
export interface Sql {
  query(text: string, params?: unknown[]): Promise<unknown>;
}

type Step = readonly [from: LabStatus | null, to: LabStatus];

const { Pending, Provisioning, Ready, Stopping, Stopped, Failed } = LabStatus;
const TO_READY: Step[] = [
  [null, Pending],
  [Pending, Provisioning],
  [Provisioning, Ready],
];

/** The events a lab in each status has left (a failed lab was extended once, then failed): five for an ended lab. */
const STEPS: Record<LabStatus, readonly Step[]> = {
  [Pending]: TO_READY.slice(0, 1),
  [Provisioning]: TO_READY.slice(0, 2),
  [Ready]: TO_READY,
  [Stopping]: [...TO_READY, [Ready, Stopping]],
  [Stopped]: [...TO_READY, [Ready, Stopping], [Stopping, Stopped]],
  [Failed]: [...TO_READY, [Ready, Ready], [Ready, Failed]],
};

/** Events per ended lab (`stopped` or `failed`). */
export const EVENTS_PER_ENDED_LAB = 5;

export interface LabRows {
  readonly templateId: string;
  readonly status: LabStatus;
  readonly count: number;
  /** An unclaimed pool lab (no course); otherwise a lab of the default course. */
  readonly pooled?: boolean;
  /** Taken from the warm pool by its owner (`claimed_at` set). */
  readonly claimed?: boolean;
  /** When the labs were created, one second apart going back (default: 30 days ago). */
  readonly createdAt?: Date;
  /** When ended labs ended (default: an hour after they were created). */
  readonly endedAt?: Date;
}

/** Inserts a template named `name` with test sizes; returns its id. */
export async function insertTemplate(db: Sql, name: string): Promise<string> {
  const { rows } = (await db.query(`INSERT INTO templates (id, name, cpus, memory_mb, pids_limit, ttl_seconds) VALUES (gen_random_uuid(), $1, 1, 1024, 256, 3600) RETURNING id`, [name])) as {
    rows: { id: string }[];
  };
  return rows[0].id;
}

/**
 * Inserts `count` labs and the events their status implies (a `ready` event with
 * `detail.provisionMs`, as the worker writes it), in one statement, as history for tests and
 * benchmarks of what reads it. Returns the number of events inserted.
 */
export async function insertLabs(db: Sql, labs: LabRows): Promise<number> {
  if (labs.count === 0) return 0;
  const steps = STEPS[labs.status];
  const ended = labs.status === Stopped || labs.status === Failed;
  const createdAt = labs.createdAt ?? new Date(Date.now() - 30 * 86_400_000);
  await db.query(
    `WITH made AS (
       INSERT INTO labs (id, template_id, status, provider, created_at, expires_at, ready_at, ended_at, school_id, course_id, claimed_at)
       SELECT gen_random_uuid(), $1, $2, 'docker', c.at, c.at + interval '2 hours', CASE WHEN $9 THEN c.at + interval '2 seconds' END,
              CASE WHEN $10 THEN coalesce($11, c.at + interval '1 hour') END,
              CASE WHEN $4 THEN NULL ELSE $5::uuid END, CASE WHEN $4 THEN NULL ELSE $6::uuid END, CASE WHEN $7 THEN c.at + interval '3 seconds' END
         FROM generate_series(1, $3::int) g, LATERAL (SELECT $8::timestamptz - g * interval '1 second' AS at) c
       RETURNING id, created_at)
     INSERT INTO lab_events (lab_id, from_status, to_status, actor, detail, created_at)
     SELECT made.id, s.from_status, s.to_status, 'worker',
            CASE WHEN s.from_status = 'provisioning' AND s.to_status = 'ready' THEN jsonb_build_object('provisionMs', 800 + (random() * 2000)::int) END,
            made.created_at + s.k * interval '1 second'
       FROM made, unnest($12::text[], $13::text[]) WITH ORDINALITY AS s(from_status, to_status, k)`,
    [
      labs.templateId,
      labs.status,
      labs.count,
      labs.pooled ?? false,
      DEFAULT_SCHOOL_ID,
      DEFAULT_COURSE_ID,
      labs.claimed ?? false,
      createdAt,
      steps.length >= TO_READY.length,
      ended,
      labs.endedAt ?? null,
      steps.map(([from]) => from),
      steps.map(([, to]) => to),
    ],
  );
  return labs.count * steps.length;
}

/** The two templates a history is spread over. */
export interface HistoryTemplates {
  readonly docker: string;
  readonly swarm: string;
}

/**
 * `labs` labs that ended weeks ago, each with its five events: 45 % claimed from the pool and
 * stopped, 30 % provisioned on request and stopped, 10 % pool labs retired unclaimed, 15 % failed.
 * Returns the number of events inserted (`EVENTS_PER_ENDED_LAB` per lab).
 */
export async function insertEndedHistory(db: Sql, templates: HistoryTemplates, labs: number): Promise<number> {
  const claimed = Math.round(labs * 0.45);
  const cold = Math.round(labs * 0.3);
  const retired = Math.round(labs * 0.1);
  const parts: LabRows[] = [
    { templateId: templates.docker, status: LabStatus.Stopped, count: claimed, claimed: true },
    { templateId: templates.docker, status: LabStatus.Stopped, count: cold },
    { templateId: templates.swarm, status: LabStatus.Stopped, count: retired, pooled: true },
    { templateId: templates.swarm, status: LabStatus.Failed, count: labs - claimed - cold - retired },
  ];
  let events = 0;
  for (const part of parts) events += await insertLabs(db, part);
  return events;
}
