import { CAP_FIELDS, SchoolCaps, TemplateCaps } from '@labfleet/contracts';
import type { LabTemplate } from './lab-template';
import type { QuotaRefusal } from './quota';

/** What a template asks for, as far as caps go. */
export type TemplateAsk = Pick<LabTemplate, 'nodes' | 'cpus' | 'memoryMb' | 'pidsLimit' | 'diskMb' | 'ttlSeconds' | 'reservedCpus' | 'reservedMemoryMb'>;

/** The fields caps bound. */
export type CappedAsk = Pick<TemplateAsk, keyof TemplateCaps>;

export interface BoundProblem {
  readonly field: keyof TemplateAsk;
  readonly message: string;
}

export interface CapProblem extends BoundProblem {
  readonly field: keyof TemplateCaps;
  readonly asked: number;
  readonly cap: number;
}

/** What else bounds a template besides the platform: its school's caps and, for a course's template, the course. */
export interface TemplateBounds {
  readonly school?: SchoolCaps | null;
  readonly course?: { readonly maxTtlSeconds: number | null } | null;
}

const UNITS: Record<keyof TemplateCaps, string> = { nodes: '', cpus: '', memoryMb: ' MB', pidsLimit: '', diskMb: ' MB', ttlSeconds: ' s' };

function over(ask: { readonly [K in keyof TemplateCaps]: number | null }, caps: { readonly [K in keyof TemplateCaps]: number | null }, who: string): CapProblem[] {
  return CAP_FIELDS.flatMap((field) => {
    const asked = ask[field];
    const cap = caps[field];
    if (asked === null || cap === null || asked <= cap) return [];
    return [{ field, asked, cap, message: `${field} is ${asked}${UNITS[field]}; ${who} allows at most ${cap}${UNITS[field]} per lab` }];
  });
}

/** Where a template asks for more than the school allows one lab, one problem per field; empty when the school has no caps or it fits. */
export const overSchoolCaps = (ask: CappedAsk, school: SchoolCaps): CapProblem[] => over(ask, school, 'this school');

/** A school cap may only narrow the platform's: each one above it, by field. */
export const schoolCapProblems = (school: SchoolCaps, platform: TemplateCaps): CapProblem[] => over(school, platform, 'this platform');

/**
 * Why a template asks for more than it may, one problem per field: above the platform's caps, above
 * its school's caps (a school or course template), a lifetime longer than the course lets a lab
 * live (`maxTtlSeconds`, for a course's template), or a reservation above its own limits. Empty
 * when it fits. The platform's cap is named first where both are passed.
 */
export function templateBoundProblems(ask: TemplateAsk, caps: TemplateCaps, bounds: TemplateBounds = {}): BoundProblem[] {
  const problems: BoundProblem[] = over(ask, caps, 'this platform').map(({ field, message }) => ({ field, message }));
  const named = (field: keyof TemplateAsk) => problems.some((p) => p.field === field);
  if (bounds.school) problems.push(...overSchoolCaps(ask, bounds.school).filter((p) => !named(p.field)).map(({ field, message }) => ({ field, message })));
  const course = bounds.course;
  if (course?.maxTtlSeconds != null && ask.ttlSeconds > course.maxTtlSeconds && !named('ttlSeconds')) {
    problems.push({ field: 'ttlSeconds', message: `ttlSeconds is ${ask.ttlSeconds} s; a lab of this course may live at most ${course.maxTtlSeconds} s` });
  }
  // The reservation is for all nodes together; the limits are per node.
  if (ask.reservedCpus > ask.cpus * ask.nodes) problems.push({ field: 'reservedCpus', message: `reservedCpus (${ask.reservedCpus}) is more than the lab's ${ask.nodes} node(s) of ${ask.cpus} CPU may use` });
  if (ask.reservedMemoryMb > ask.memoryMb * ask.nodes) {
    problems.push({ field: 'reservedMemoryMb', message: `reservedMemoryMb (${ask.reservedMemoryMb}) is more than the lab's ${ask.nodes} node(s) of ${ask.memoryMb} MB may use` });
  }
  return problems;
}

/**
 * Why a lab of the school may not be made of the template: it asks for more than the school's caps
 * (a global template, bounded by the platform only, or one saved before the school's caps were
 * lowered). A 409 naming the first field over its cap; null when it fits. Running labs are not
 * asked again: they keep the version they were made of.
 */
export function schoolCapRefusal(template: CappedAsk & { readonly name: string }, school: SchoolCaps): QuotaRefusal | null {
  const problems = overSchoolCaps(template, school);
  if (problems.length === 0) return null;
  const [first] = problems;
  return {
    limit: `schoolCaps.${first.field}`,
    status: 409,
    message: `template '${template.name}' asks for more than this school allows one lab: ${problems.map((p) => p.message).join('; ')}`,
    limitValue: first.cap,
    current: first.asked,
  };
}

/** The templates that ask for more than the school's caps, each with its problems: what a lowered cap leaves unusable for new labs. */
export function templatesOverSchoolCaps<T extends CappedAsk>(templates: readonly T[], school: SchoolCaps): { template: T; problems: CapProblem[] }[] {
  return templates.map((template) => ({ template, problems: overSchoolCaps(template, school) })).filter((t) => t.problems.length > 0);
}
