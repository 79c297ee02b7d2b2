import type { V1Service } from '@kubernetes/client-node';
import type { LabSpec } from '@labfleet/domain';
import { KubeLabContext, LABEL_INSTANCE, LABEL_LAB_ID, labLabels, labObjectName } from './lab-resource-names';

/**
 * The headless Service that gives each lab pod a DNS name (`node1.lab-<id>.<ns>.svc.<domain>`,
 * from the pod's `hostname` and `subdomain`). Not-ready addresses are published so the nodes
 * find each other while their daemons start.
 */
export function buildLabService(spec: LabSpec, namespace: string, ctx: KubeLabContext): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: labObjectName(spec.labId), namespace, labels: labLabels(ctx.instance, spec) },
    spec: {
      clusterIP: 'None',
      selector: { [LABEL_INSTANCE]: ctx.instance, [LABEL_LAB_ID]: spec.labId },
      publishNotReadyAddresses: true,
    },
  };
}

/** The DNS search domain that makes a bare `node2` resolve inside the lab. */
export const labSearchDomain = (labId: string, namespace: string, ctx: KubeLabContext): string =>
  `${labObjectName(labId)}.${namespace}.svc.${ctx.clusterDomain}`;
