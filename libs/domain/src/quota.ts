import { CoursePolicy, QuotaLimit } from './course-policy';
import { Period } from './lab-usage';

export interface LiveLabs {
  readonly count: number;
  /** When the first of them is due to end: when a slot frees up at the latest. */
  readonly earliestExpiry: Date | null;
}

/** What counts against a course's limits right now, for one person. */
export interface QuotaState {
  readonly courseLive: LiveLabs;
  readonly ownerLive: LiveLabs;
  readonly usedSeconds: number;
  readonly grantedMinutes: number;
  readonly week: Period;
}

export interface QuotaRefusal {
  readonly limit: QuotaLimit;
  /** 409 when the request itself is over a limit, 429 when waiting frees room. */
  readonly status: 409 | 429;
  readonly message: string;
  readonly limitValue: number | readonly string[];
  readonly current?: number;
  /** When the limit frees up, where that is known. */
  readonly retryAt?: Date;
}

export type Decision<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refusal: QuotaRefusal };

const refuse = <T>(refusal: QuotaRefusal): Decision<T> => ({ ok: false, refusal });

function weeklyRemainingSeconds(policy: CoursePolicy, state: QuotaState): number {
  if (policy.weeklyMinutesPerStudent === null) return Infinity;
  return (policy.weeklyMinutesPerStudent + state.grantedMinutes) * 60 - state.usedSeconds;
}

function budgetRefusal(policy: CoursePolicy, state: QuotaState): QuotaRefusal {
  return {
    limit: 'weeklyMinutesPerStudent',
    status: 429,
    message: `weekly lab time used up: ${Math.round(state.usedSeconds / 60)} of ${policy.weeklyMinutesPerStudent! + state.grantedMinutes} minutes this week`,
    limitValue: policy.weeklyMinutesPerStudent!,
    current: Math.round(state.usedSeconds / 60),
    retryAt: state.week.end,
  };
}

/**
 * Whether a new lab fits the course's limits, and for how long it may live (the template's TTL,
 * capped by the course's longest TTL and by what is left of the weekly budget).
 */
export function admitLab(
  policy: CoursePolicy,
  request: { template: string; templateTtlSeconds: number; ttlSeconds?: number },
  state: QuotaState,
): Decision<number> {
  if (policy.allowedTemplates && !policy.allowedTemplates.includes(request.template)) {
    const allowed = policy.allowedTemplates;
    return refuse({ limit: 'allowedTemplates', status: 409, message: `template '${request.template}' is not allowed in this course (allowed: ${allowed.join(', ') || 'none'})`, limitValue: allowed });
  }
  if (policy.maxTtlSeconds !== null && request.ttlSeconds !== undefined && request.ttlSeconds > policy.maxTtlSeconds) {
    return refuse({ limit: 'maxTtlSeconds', status: 409, message: `a lab may live at most ${policy.maxTtlSeconds} s in this course; asked for ${request.ttlSeconds} s`, limitValue: policy.maxTtlSeconds });
  }
  if (state.ownerLive.count >= policy.labsPerStudent) {
    return refuse({
      limit: 'labsPerStudent',
      status: 409,
      message: `you already have ${state.ownerLive.count} running lab(s) in this course (limit ${policy.labsPerStudent}); stop one first`,
      limitValue: policy.labsPerStudent,
      current: state.ownerLive.count,
      retryAt: state.ownerLive.earliestExpiry ?? undefined,
    });
  }
  if (policy.maxConcurrentLabs !== null && state.courseLive.count >= policy.maxConcurrentLabs) {
    return refuse({
      limit: 'maxConcurrentLabs',
      status: 429,
      message: `the course has ${state.courseLive.count} running labs, its limit; try again when one ends`,
      limitValue: policy.maxConcurrentLabs,
      current: state.courseLive.count,
      retryAt: state.courseLive.earliestExpiry ?? undefined,
    });
  }
  const remaining = weeklyRemainingSeconds(policy, state);
  if (remaining < 60) return refuse(budgetRefusal(policy, state));
  const ttl = Math.min(request.ttlSeconds ?? request.templateTtlSeconds, policy.maxTtlSeconds ?? Infinity, Math.floor(remaining));
  return { ok: true, value: ttl };
}

/**
 * The new end of a lab extended by `seconds`. Teachers and admins (`manager`) set the limits and
 * are not held to them; a student stays within the longest TTL and the weekly budget, counting
 * the time the lab will still run anyway.
 */
export function extendLab(
  policy: CoursePolicy,
  lab: { createdAt: Date; expiresAt: Date },
  seconds: number,
  state: QuotaState,
  now: Date,
  manager: boolean,
): Decision<Date> {
  const next = new Date(lab.expiresAt.getTime() + seconds * 1000);
  if (manager) return { ok: true, value: next };
  const lifetime = (next.getTime() - lab.createdAt.getTime()) / 1000;
  if (policy.maxTtlSeconds !== null && lifetime > policy.maxTtlSeconds) {
    const left = Math.max(0, Math.floor(policy.maxTtlSeconds - (lab.expiresAt.getTime() - lab.createdAt.getTime()) / 1000));
    return refuse({ limit: 'maxTtlSeconds', status: 409, message: `a lab may live at most ${policy.maxTtlSeconds} s in this course; it can be extended by ${left} s more`, limitValue: policy.maxTtlSeconds });
  }
  const stillPlanned = Math.max(0, (lab.expiresAt.getTime() - now.getTime()) / 1000);
  const left = Math.max(0, Math.floor(weeklyRemainingSeconds(policy, state) - stillPlanned));
  if (seconds > left) {
    return refuse({ ...budgetRefusal(policy, state), message: `this week's lab time allows extending by ${Math.floor(left / 60)} min more (${left} s), counting the time the lab is already set to run` });
  }
  return { ok: true, value: next };
}
