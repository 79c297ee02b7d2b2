import { LabStatus } from '@labfleet/contracts';
import { ReconcileAction } from '@labfleet/domain';

/**
 * What /metrics counts as it happens, as fields of the counter hash every process shares
 * (`CounterStore`, Redis): the counts cost the same to read whatever the history's length. The
 * field names are stored data: never rename one.
 */

/** Upper bounds (seconds) of the provision-duration histogram's buckets; part of the field names, so changed bounds count from zero. */
export const PROVISION_BOUNDS_SECONDS: readonly number[] = [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

type ReconcileKind = ReconcileAction['kind'];

/** What reconcile counts (`reconcile-<action>`, written by `ReconcilerService`); a new kind of action must be listed. */
export const RECONCILE_ACTIONS = Object.keys({
  adopt: 0,
  'remove-orphan': 0,
  'mark-failed': 0,
  'requeue-provision': 0,
  'requeue-destroy': 0,
} satisfies Record<ReconcileKind, 0>) as ReconcileKind[];

/** How an owned lab was served: an idle pool lab claimed, or a new one (provisioned at once or after waiting). */
export type RequestSource = 'pool' | 'cold';

export type EndStatus = LabStatus.Stopped | LabStatus.Failed;

/** A lab that ended: its template, how it ended, and whether it was still an unclaimed pool lab. */
export interface EndedLab {
  readonly template: string;
  readonly status: EndStatus;
  readonly pooled: boolean;
}

export interface ProvisionHistogram {
  /** Cumulative: provisions that took at most each bound of `PROVISION_BOUNDS_SECONDS`. */
  readonly buckets: readonly number[];
  readonly count: number;
  readonly sumSeconds: number;
}

export interface StoredCounts {
  readonly provision: ProvisionHistogram;
  readonly requests: Readonly<Record<RequestSource, number>>;
  readonly ended: readonly (EndedLab & { readonly count: number })[];
  readonly reconcileRuns: number;
  readonly reconcileActions: Readonly<Record<ReconcileKind, number>>;
}

const PROVISION_BUCKET = 'provision-le-';
const PROVISION_SUM_MS = 'provision-sum-ms';
const REQUESTS = 'lab-requests-';
const ENDED = 'labs-ended:';
const END_STATUSES: readonly string[] = [LabStatus.Stopped, LabStatus.Failed];

/** The one bucket a provision of `provisionMs` falls in (non-cumulative; `+Inf` beyond the last bound), and its time. */
export function readyCounts(provisionMs: number): Record<string, number> {
  const ms = Math.max(0, Math.round(provisionMs));
  const bound = PROVISION_BOUNDS_SECONDS.find((b) => ms <= b * 1000);
  return { [`${PROVISION_BUCKET}${bound ?? '+Inf'}`]: 1, [PROVISION_SUM_MS]: ms };
}

export function requestCounts(source: RequestSource): Record<string, number> {
  return { [`${REQUESTS}${source}`]: 1 };
}

export function endedCounts(lab: EndedLab): Record<string, number> {
  // The template comes last: a name may hold any character, the parts before it cannot.
  return { [`${ENDED}${lab.status}:${lab.pooled ? 'pool' : 'owned'}:${lab.template}`]: 1 };
}

/** Reads the shared counter hash back into what /metrics shows. Fields it does not know are ignored. */
export function readCounts(hash: Readonly<Record<string, number>>): StoredCounts {
  const at = (field: string) => hash[field] ?? 0;
  let cumulative = 0;
  const buckets = PROVISION_BOUNDS_SECONDS.map((b) => (cumulative += at(`${PROVISION_BUCKET}${b}`)));
  const ended: (EndedLab & { count: number })[] = [];
  for (const [field, count] of Object.entries(hash)) {
    if (!field.startsWith(ENDED)) continue;
    const [status, kind, ...template] = field.slice(ENDED.length).split(':');
    if (END_STATUSES.includes(status) && (kind === 'pool' || kind === 'owned')) {
      ended.push({ template: template.join(':'), status: status as EndStatus, pooled: kind === 'pool', count });
    }
  }
  return {
    provision: { buckets, count: cumulative + at(`${PROVISION_BUCKET}+Inf`), sumSeconds: at(PROVISION_SUM_MS) / 1000 },
    requests: { pool: at(`${REQUESTS}pool`), cold: at(`${REQUESTS}cold`) },
    ended,
    reconcileRuns: at('reconcile-runs'),
    reconcileActions: Object.fromEntries(RECONCILE_ACTIONS.map((a) => [a, at(`reconcile-${a}`)])) as StoredCounts['reconcileActions'],
  };
}
