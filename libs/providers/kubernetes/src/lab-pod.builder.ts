import type { V1Pod } from '@kubernetes/client-node';
import { DEFAULT_DISK_MB, type LabNodeSpec, type LabSpec } from '@labfleet/domain';
import { nodeResources, mebibytes } from './lab-limits.builder';
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

/** Sysbox on CRI-O gives a pod its own user namespace only when asked to by this annotation. */
const SYSBOX_USERNS = { 'io.kubernetes.cri-o.userns-mode': 'auto:size=65536' };

/**
 * One lab node: a pod running the lab image (Docker-in-Docker), privileged unless a runtime class
 * (Sysbox) gives it what DinD needs. Its Docker data lives on an emptyDir capped at the
 * template's disk size; it is Ready when its inner `docker info` answers. A node that stops
 * is not restarted (as on Docker): the lab reports it stopped.
 */
export function buildLabPod(spec: LabSpec, node: LabNodeSpec, namespace: string, ctx: KubeLabContext): V1Pod {
  const resources = nodeResources(spec);
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
        ...(ctx.runtimeClass ? SYSBOX_USERNS : {}),
      },
    },
    spec: {
      hostname: node.hostname,
      subdomain: labObjectName(spec.labId),
      dnsConfig: { searches: [labSearchDomain(spec.labId, namespace, ctx)] },
      automountServiceAccountToken: false,
      // No environment variables describing other Services of the namespace (other labs' in course mode).
      enableServiceLinks: false,
      restartPolicy: 'Never',
      // Labs are disposable: their daemons need not shut down cleanly, and namespaces go faster.
      terminationGracePeriodSeconds: 5,
      ...(ctx.runtimeClass ? { runtimeClassName: ctx.runtimeClass } : {}),
      containers: [
        {
          name: LAB_CONTAINER,
          image: spec.image,
          imagePullPolicy: 'IfNotPresent',
          env: ctx.registryMirrorUrl ? [{ name: 'LABFLEET_REGISTRY_MIRROR', value: ctx.registryMirrorUrl }] : [],
          ...(ctx.runtimeClass ? {} : { securityContext: { privileged: true } }),
          resources: { requests: resources, limits: resources },
          volumeMounts: [{ name: 'docker', mountPath: '/var/lib/docker' }],
          readinessProbe: { exec: { command: ['docker', 'info'] }, periodSeconds: 2, timeoutSeconds: 5, failureThreshold: 3 },
        },
      ],
      volumes: [{ name: 'docker', emptyDir: { sizeLimit: mebibytes(spec.limits.diskMb ?? DEFAULT_DISK_MB) } }],
    },
  };
}
