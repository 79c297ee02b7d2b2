/** How a template's pool is set: idle labs kept ready, and a cap on all its labs. */
export interface PoolSetting {
  readonly minIdle: number;
  readonly maxTotal: number | null;
}

/** The template's labs now: `idle` ready and unclaimed, `warming` unclaimed and not ready yet. */
export interface PoolCounts {
  readonly idle: number;
  readonly warming: number;
  /** Every live lab of the template, claimed or not. */
  readonly total: number;
  /** Seconds since a lab was last taken from the pool; null if none ever was. */
  readonly sinceLastClaimSeconds: number | null;
}

/**
 * A refill waits until no lab has been taken from the pool for this long: while a class is
 * taking labs, new labs' Docker daemons starting would take the host's CPU from the students.
 * A rush that outlasts the pool ends the wait by itself: with no idle lab left, nothing is claimed.
 */
export const REFILL_QUIET_SECONDS = 2;

export interface PoolPlan {
  /** Idle labs wanted now: the pool's minimum, or more while a class is (about to be) in session. */
  readonly target: number;
  readonly create: number;
  /** Idle labs to end because the target shrank (oldest first). */
  readonly retire: number;
}

/**
 * What a refill pass should do. Never more labs than `maxTotal`; warming labs count as on their
 * way; nothing is made while students are still taking labs (`REFILL_QUIET_SECONDS`).
 */
export function planPool(setting: PoolSetting, counts: PoolCounts, scheduled: number): PoolPlan {
  const wanted = Math.max(setting.minIdle, scheduled);
  const room = setting.maxTotal === null ? Infinity : Math.max(0, setting.maxTotal - counts.total);
  const target = Math.min(wanted, setting.maxTotal ?? Infinity);
  const missing = target - counts.idle - counts.warming;
  const rush = counts.sinceLastClaimSeconds !== null && counts.sinceLastClaimSeconds < REFILL_QUIET_SECONDS;
  return { target, create: rush ? 0 : Math.max(0, Math.min(missing, room)), retire: Math.max(0, counts.idle - target) };
}
