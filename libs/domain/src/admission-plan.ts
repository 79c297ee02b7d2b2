import { Outcome } from './batcher';
import { fits, plus, Resources } from './capacity';
import { QuotaRefusal, QuotaState } from './quota';

/**
 * Admission: what happens to lab requests that arrive together (one batch, one transaction).
 * These functions decide; the admission repository reads what they decide from under its locks
 * and writes what they say. A request goes, in order:
 *
 * 1. through its course's limits ({@link checkLimits}), counting the labs granted to the requests
 *    before it in the batch;
 * 2. to a **claim**: the oldest idle pool lab of its template, already ready. Which pool labs are
 *    free is only known under their row locks (`FOR UPDATE SKIP LOCKED`), so the claim is taken in
 *    one SQL statement rather than planned here: the warm path costs no extra round trip;
 * 3. failing a claim, to a new lab, a place in the waiting line, or a 429 ({@link planNewLabs}).
 *
 * Pool refills ({@link poolLabsToMake}) and the line moving on ({@link admitFromLine}) share the
 * rule that capacity goes to people in the order they asked, before the pool.
 */

/** One request's course limits: whose they are, and the course policy's verdict on a state. */
export interface LimitCheck {
  readonly courseId: string;
  readonly ownerId: string | null;
  /** The lab's end if the course's limits allow it in `state`; throws the refusal otherwise. */
  readonly admit: (state: QuotaState) => Date;
}

/**
 * Each request's limits, in order, with `states[i]` read for request `i` before the batch. A
 * request sees the labs of the ones before it in the same course (and its owner's), exactly as it
 * would have one transaction later. Refused requests count for nothing.
 */
export function checkLimits(requests: readonly LimitCheck[], states: readonly QuotaState[]): Outcome<Date>[] {
  const seen = [...states];
  return requests.map((request, i) => {
    let expiresAt: Date;
    try {
      expiresAt = request.admit(seen[i]);
    } catch (error) {
      return { ok: false, error };
    }
    for (let j = i + 1; j < requests.length; j++) seen[j] = withNewLab(seen[j], requests[j], request, expiresAt);
    return { ok: true, value: expiresAt };
  });
}

/** `state` (of request `next`) once `admitted`'s new lab, ending at `expiresAt`, is counted. */
function withNewLab(state: QuotaState, next: LimitCheck, admitted: LimitCheck, expiresAt: Date): QuotaState {
  if (next.courseId !== admitted.courseId) return state;
  const plusOne = (live: QuotaState['courseLive']) => ({
    count: live.count + 1,
    earliestExpiry: live.earliestExpiry && live.earliestExpiry < expiresAt ? live.earliestExpiry : expiresAt,
  });
  return { ...state, courseLive: plusOne(state.courseLive), ownerLive: next.ownerId === admitted.ownerId ? plusOne(state.ownerLive) : state.ownerLive };
}

/** What labs reserve now (those being made included, the waiting ones not), and how many wait. */
export interface CapacitySnapshot {
  readonly reserved: Resources;
  readonly waiting: number;
}

/** A request no pool lab was claimed for: what its new lab reserves, and the limits it meets. */
export interface NewLabRequest {
  readonly reserve: Resources;
  readonly capacity: Resources;
  /** How many may wait in line at most; one more is refused. */
  readonly queueMax: number;
}

/** A new lab to provision now, a place at the end of the line, or a refusal with the line's numbers. */
export type NewLabDecision =
  | { readonly via: 'provision' }
  | { readonly via: 'queue' }
  | { readonly via: 'refuse'; readonly waiting: number; readonly queueMax: number };

/**
 * In order: a new lab when it fits and nobody waits (no one jumps the line, even a small lab behind
 * a big one), else a place in line while it has room, else a refusal. Each decision counts the
 * ones before it: a provisioned lab's reservation, a queued request's place.
 */
export function planNewLabs(requests: readonly NewLabRequest[], snapshot: CapacitySnapshot): NewLabDecision[] {
  let { reserved, waiting } = snapshot;
  return requests.map(({ reserve, capacity, queueMax }): NewLabDecision => {
    if (waiting === 0 && fits(capacity, reserved, reserve)) {
      reserved = plus(reserved, reserve);
      return { via: 'provision' };
    }
    if (waiting >= queueMax) return { via: 'refuse', waiting, queueMax };
    waiting++;
    return { via: 'queue' };
  });
}

/**
 * The 429 of a full line. `nextEnd` is when the first running lab is due to end (null if none
 * is): room may free up then, so the caller is told to retry; a minute from `now` otherwise.
 */
export function queueFullRefusal(decision: { waiting: number; queueMax: number }, nextEnd: Date | null, now: Date): QuotaRefusal {
  return {
    limit: 'admissionQueue',
    status: 429,
    message: `Labfleet is full and ${decision.waiting} lab requests are already waiting; try again later`,
    limitValue: decision.queueMax,
    current: decision.waiting,
    retryAt: nextEnd ?? new Date(now.getTime() + 60_000),
  };
}

/** How many of `wanted` new pool labs to make: none while someone waits, else as many as fit. */
export function poolLabsToMake(wanted: number, reserve: Resources, capacity: Resources, snapshot: CapacitySnapshot): number {
  if (snapshot.waiting > 0) return 0;
  let reserved = snapshot.reserved;
  let made = 0;
  while (made < wanted && fits(capacity, reserved, reserve)) {
    reserved = plus(reserved, reserve);
    made++;
  }
  return made;
}

/**
 * The waiting labs (in line order) that go through now: strictly in order while they fit, so a
 * big lab at the head is not starved by small ones behind it.
 */
export function admitFromLine<W extends { readonly reserve: Resources }>(line: readonly W[], capacity: Resources, reserved: Resources): W[] {
  const admitted: W[] = [];
  for (const waiting of line) {
    if (!fits(capacity, reserved, waiting.reserve)) break;
    reserved = plus(reserved, waiting.reserve);
    admitted.push(waiting);
  }
  return admitted;
}
