import type { LabTemplate } from './lab-template';

/** What an edit of a template changes: everything a lab is made of but its identity. */
export type TemplateDefinitionOf = Omit<LabTemplate, 'id' | 'name'>;

/**
 * The template a lab is made of: the current one when the lab was asked for at this version,
 * else the definition kept for the lab's version (`archived`), so an edit made while the lab
 * waited changes nothing of it. Null when that version is not kept.
 */
export function templateAsOf(current: LabTemplate & { readonly version: number }, labVersion: number, archived: TemplateDefinitionOf | null): LabTemplate | null {
  if (labVersion === current.version) return current;
  if (!archived) return null;
  return { ...archived, id: current.id, name: current.name };
}
