import type { LabProvider } from './lab-provider.port';
import type { LabTemplate } from './lab-template';

/**
 * Why this backend cannot make labs of the template, in words for the person who asked; null when
 * it can. Checked when a lab or a warm pool is asked for, so such a request is refused at once
 * instead of making a lab that fails.
 */
export function notOfferedReason(template: Pick<LabTemplate, 'name' | 'kubernetes'>, provider: Pick<LabProvider, 'kind' | 'offers'>): string | null {
  if (template.kubernetes && !provider.offers?.studentKubernetes) {
    return (
      `template '${template.name}' gives each student a Kubernetes namespace of their own, which only LAB_PROVIDER=kubernetes offers; ` +
      `this installation runs labs on ${provider.kind}`
    );
  }
  return null;
}
