import type { V1Pod } from '@kubernetes/client-node';
import { DEFAULT_DISK_MB, inLab, type LabNodeSpec, type LabSpec } from '@labfleet/domain';
import { mebibytes, nodeResources } from './lab-limits.builder';
import { labDiskMountPath, labSecurityAnnotations, labSecurityContext } from './lab-pod-security.builder';
import {
  ANNOTATION_NODES,
  ANNOTATION_TEMPLATE,
  KubeLabContext,
  LAB_CONTAINER,
  LABEL_NODE,
  labLabels,
  labObjectName,
  labPodName,
} from './lab-resource-names';
import { labSearchDomain } from './lab-service.builder';

/**
 * One lab node: a pod running the lab image, confined as the security profile says
 * (`lab-pod-security.builder.ts`). Its writable disk (the confined lab's file system, or plain
 * DinD's Docker data) is an emptyDir capped at the template's disk size; it is Ready when
 * `docker info` answers inside the lab (through lab-enter, as every command Labfleet runs there).
 * A node that stops is not restarted (as on Docker): the lab reports it stopped.
 */
export function buildLabPod(spec: LabSpec, node: LabNodeSpec, namespace: string, ctx: KubeLabContext): V1Pod {
  const security = labSecurityContext(ctx);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: labPodName(spec.labId, node.name),
      namespace,
      labels: { ...labLabels(ctx.instance, spec), [LABEL_NODE]: node.name },
      annotations: {
        [ANNOTATION_TEMPLATE]: spec.templateName,
        [ANNOTATION_NODES]: spec.nodes.map((n) => n.name).join(','),
        ...labSecurityAnnotations(ctx),
      },
    },
    spec: {
      hostname: node.hostname,
      subdomain: labObjectName(spec.labId),
      // ndots 1: a name with a dot (docker.io, the mirror) is asked as is first, not after every
      // search domain (Kubernetes' default of 5 cost the lab's daemon 10 × 5 s of timeouts per pull).
      dnsConfig: { searches: [labSearchDomain(spec.labId, namespace, ctx)], options: [{ name: 'ndots', value: '1' }] },
      automountServiceAccountToken: false,
      // No environment variables describing other Services of the namespace (other labs' in course mode).
      enableServiceLinks: false,
      restartPolicy: 'Never',
      // Labs are disposable: their daemons need not shut down cleanly, and namespaces go faster.
      terminationGracePeriodSeconds: 5,
      ...(ctx.securityProfile === 'runtime' && ctx.runtimeClass ? { runtimeClassName: ctx.runtimeClass } : {}),
      containers: [
        {
          name: LAB_CONTAINER,
          image: spec.image,
          imagePullPolicy: 'IfNotPresent',
          env: ctx.registryMirrorUrl ? [{ name: 'LABFLEET_REGISTRY_MIRROR', value: ctx.registryMirrorUrl }] : [],
          ...(security ? { securityContext: security } : {}),
          resources: nodeResources(spec),
          volumeMounts: [{ name: 'disk', mountPath: labDiskMountPath(ctx.securityProfile) }],
          readinessProbe: { exec: { command: inLab(['docker', 'info']) }, periodSeconds: 2, timeoutSeconds: 5, failureThreshold: 3 },
        },
      ],
      volumes: [{ name: 'disk', emptyDir: { sizeLimit: mebibytes(spec.limits.diskMb ?? DEFAULT_DISK_MB) } }],
    },
  };
}
