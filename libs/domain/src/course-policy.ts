import type { TemplateCaps } from '@labfleet/contracts';

/** The limits a teacher sets on a course. Null means "no limit". */
export interface CoursePolicy {
  /** Template names students may start; null allows every template. */
  readonly allowedTemplates: readonly string[] | null;
  /** Live labs in the whole course at once. */
  readonly maxConcurrentLabs: number | null;
  /** Live labs one person may have in the course at once. */
  readonly labsPerStudent: number;
  /** The longest a lab may live, extensions included. */
  readonly maxTtlSeconds: number | null;
  /** Lab-minutes a student may use per week (Monday 00:00 UTC to Monday), before grants. */
  readonly weeklyMinutesPerStudent: number | null;
  /** A ready lab with no activity for this long is warned, then stopped (`idle-stopped`). */
  readonly idleLimitSeconds: number | null;
}

export const DEFAULT_COURSE_POLICY: CoursePolicy = {
  allowedTemplates: null,
  maxConcurrentLabs: null,
  labsPerStudent: 1,
  maxTtlSeconds: null,
  weeklyMinutesPerStudent: null,
  idleLimitSeconds: null,
};

/** A course's limits, the admission queue's length, or one of the school's caps on a lab (`schoolCaps.cpus`). */
export type QuotaLimit = 'allowedTemplates' | 'maxConcurrentLabs' | 'labsPerStudent' | 'maxTtlSeconds' | 'weeklyMinutesPerStudent' | 'admissionQueue' | `schoolCaps.${keyof TemplateCaps}`;
