/** What the idle pass knows about one ready lab of a course with an idle limit. */
export interface IdleLab {
  /** The course's idle limit. */
  readonly limitSeconds: number;
  /** When the lab became the student's (ready, or claimed from the pool): activity before that does not exist. */
  readonly since: Date;
  /** The last activity recorded in Redis (terminal input, exec, files, port proxy), if any. */
  readonly lastActivityAt: Date | null;
  /** When the lab was last warned of its idleness, if ever. */
  readonly warnedAt: Date | null;
}

export type IdleDecision =
  | { readonly kind: 'nothing' }
  /** Tell the student; the lab stops at `stopAt` unless used before. */
  | { readonly kind: 'warn'; readonly idleSeconds: number; readonly stopAt: Date }
  | { readonly kind: 'stop'; readonly idleSeconds: number; readonly lastActivityAt: Date; readonly warnedAt: Date };

/**
 * How long before the stop the warning comes: `warningSeconds`, but at most half the limit, so a
 * short limit still leaves the student some time before being warned.
 */
export function idleWarningLead(limitSeconds: number, warningSeconds: number): number {
  return Math.min(warningSeconds, limitSeconds / 2);
}

/** The lab's last activity: the latest of its sources, never before the student had it. */
export function lastActivity(lab: Pick<IdleLab, 'since' | 'lastActivityAt'>): Date {
  return lab.lastActivityAt && lab.lastActivityAt > lab.since ? lab.lastActivityAt : lab.since;
}

/**
 * When an idle lab stops, as JupyterHub's idle culler does for servers: at `limit` after its last
 * activity, but never sooner than the full warning lead after the warning of this idle stretch
 * (a pass that comes late moves the stop later, never the warning closer to it). Null while the
 * stretch has no warning yet.
 */
export function idleStopAt(lab: IdleLab, warningSeconds: number): Date | null {
  const last = lastActivity(lab);
  if (!lab.warnedAt || lab.warnedAt < last) return null;
  const lead = idleWarningLead(lab.limitSeconds, warningSeconds) * 1000;
  return new Date(Math.max(last.getTime() + lab.limitSeconds * 1000, lab.warnedAt.getTime() + lead));
}

/**
 * Warn, stop or leave one lab, at `now`. Activity after a warning starts a new idle stretch: the
 * old warning no longer counts, and a new one comes before any stop.
 */
export function decideIdle(lab: IdleLab, now: Date, warningSeconds: number): IdleDecision {
  const last = lastActivity(lab);
  const idleSeconds = Math.max(0, (now.getTime() - last.getTime()) / 1000);
  const stopAt = idleStopAt(lab, warningSeconds);
  if (stopAt) return now >= stopAt ? { kind: 'stop', idleSeconds, lastActivityAt: last, warnedAt: lab.warnedAt! } : { kind: 'nothing' };
  const lead = idleWarningLead(lab.limitSeconds, warningSeconds);
  if (idleSeconds < lab.limitSeconds - lead) return { kind: 'nothing' };
  return { kind: 'warn', idleSeconds, stopAt: new Date(Math.max(last.getTime() + lab.limitSeconds * 1000, now.getTime() + lead * 1000)) };
}
