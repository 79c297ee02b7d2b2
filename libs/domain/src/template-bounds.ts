import type { TemplateCaps } from '@labfleet/contracts';
import type { LabTemplate } from './lab-template';

/** What a template asks for, as far as caps go. */
export type TemplateAsk = Pick<LabTemplate, 'nodes' | 'cpus' | 'memoryMb' | 'pidsLimit' | 'diskMb' | 'ttlSeconds' | 'reservedCpus' | 'reservedMemoryMb'>;

export interface BoundProblem {
  readonly field: keyof TemplateAsk;
  readonly message: string;
}

/**
 * Why a template asks for more than it may, one problem per field: above the platform's caps, a
 * lifetime longer than the course lets a lab live (`maxTtlSeconds`, for a course's template), or
 * a reservation above its own limits. Empty when it fits.
 */
export function templateBoundProblems(ask: TemplateAsk, caps: TemplateCaps, course?: { maxTtlSeconds: number | null }): BoundProblem[] {
  const problems: BoundProblem[] = [];
  const over = (field: keyof TemplateCaps, value: number | null, unit: string) => {
    if (value !== null && value > caps[field]) problems.push({ field, message: `${field} is ${value}${unit}; this platform allows at most ${caps[field]}${unit} per lab` });
  };
  over('nodes', ask.nodes, '');
  over('cpus', ask.cpus, '');
  over('memoryMb', ask.memoryMb, ' MB');
  over('pidsLimit', ask.pidsLimit, '');
  over('diskMb', ask.diskMb, ' MB');
  over('ttlSeconds', ask.ttlSeconds, ' s');
  if (course?.maxTtlSeconds != null && ask.ttlSeconds > course.maxTtlSeconds && !problems.some((p) => p.field === 'ttlSeconds')) {
    problems.push({ field: 'ttlSeconds', message: `ttlSeconds is ${ask.ttlSeconds} s; a lab of this course may live at most ${course.maxTtlSeconds} s` });
  }
  // The reservation is for all nodes together; the limits are per node.
  if (ask.reservedCpus > ask.cpus * ask.nodes) problems.push({ field: 'reservedCpus', message: `reservedCpus (${ask.reservedCpus}) is more than the lab's ${ask.nodes} node(s) of ${ask.cpus} CPU may use` });
  if (ask.reservedMemoryMb > ask.memoryMb * ask.nodes) {
    problems.push({ field: 'reservedMemoryMb', message: `reservedMemoryMb (${ask.reservedMemoryMb}) is more than the lab's ${ask.nodes} node(s) of ${ask.memoryMb} MB may use` });
  }
  return problems;
}
