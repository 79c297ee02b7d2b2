import type { V1Namespace } from '@kubernetes/client-node';
import type { LabSpec } from '@labfleet/domain';
import { podSecurityLevel } from './lab-pod-security.builder';
import { ANNOTATION_TEMPLATE, courseNamespaceLabels, KubeLabContext, labLabels, labNamespaceName, usesCourseNamespace } from './lab-resource-names';

/**
 * The namespace a lab lives in: its own (labelled with school, course, lab and student), or in
 * `course` mode the course's, shared by its labs and labelled with school and course only. Its
 * Pod Security labels allow exactly what the profile's lab pods need, whatever the cluster's
 * default level (which would otherwise refuse them).
 */
export function buildLabNamespace(spec: LabSpec, ctx: KubeLabContext): V1Namespace {
  const course = usesCourseNamespace(spec, ctx);
  const labels = course ? courseNamespaceLabels(ctx.instance, spec.owner!) : labLabels(ctx.instance, spec);
  const level = podSecurityLevel(ctx.securityProfile);
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: labNamespaceName(spec, ctx),
      labels: { ...labels, 'pod-security.kubernetes.io/enforce': level, 'pod-security.kubernetes.io/warn': level },
      ...(course ? {} : { annotations: { [ANNOTATION_TEMPLATE]: spec.templateName } }),
    },
  };
}
