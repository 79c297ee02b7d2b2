import type { V1LimitRange, V1Namespace, V1NetworkPolicy, V1Pod, V1ResourceQuota, V1Service } from '@kubernetes/client-node';
import type { LabSpec } from '@labfleet/domain';
import { buildLabLimitRange, buildLabResourceQuota } from './lab-limits.builder';
import { buildLabNamespace } from './lab-namespace.builder';
import { buildLabNetworkPolicy, StudentKubeAccess } from './lab-network-policy.builder';
import { buildLabPod } from './lab-pod.builder';
import { KubeLabContext, labLabels, usesCourseNamespace } from './lab-resource-names';
import { buildLabService } from './lab-service.builder';

/** Every Kubernetes object of one lab, in the order they are created. */
export interface LabObjects {
  readonly namespace: V1Namespace;
  /** Only in a namespace of the lab's own: a quota is namespace-wide, and a course namespace is shared. */
  readonly quota: V1ResourceQuota | null;
  readonly limitRange: V1LimitRange | null;
  readonly service: V1Service;
  /** Created before the pods, so no pod of the lab is ever reachable unisolated. */
  readonly networkPolicy: V1NetworkPolicy;
  readonly pods: readonly V1Pod[];
}

/** `student`: where a lab with a student namespace may also go (`LabSpec.studentKubernetes`). */
export function buildLabObjects(spec: LabSpec, ctx: KubeLabContext, student?: StudentKubeAccess): LabObjects {
  const namespace = buildLabNamespace(spec, ctx);
  const ns = namespace.metadata!.name!;
  const own = !usesCourseNamespace(spec, ctx);
  const labels = labLabels(ctx.instance, spec);
  return {
    namespace,
    quota: own ? buildLabResourceQuota(spec, ns, labels) : null,
    limitRange: own ? buildLabLimitRange(spec, ns, labels) : null,
    service: buildLabService(spec, ns, ctx),
    networkPolicy: buildLabNetworkPolicy(spec, ns, ctx, student),
    pods: spec.nodes.map((node) => buildLabPod(spec, node, ns, ctx)),
  };
}
