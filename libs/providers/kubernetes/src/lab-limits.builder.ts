import type { V1LimitRange, V1ResourceQuota } from '@kubernetes/client-node';
import { DEFAULT_DISK_MB, type LabSpec } from '@labfleet/domain';
import { labObjectName } from './lab-resource-names';

/** Room for the lab container's own writable layer and logs, beside the lab's disk (an emptyDir). */
export const ROOT_FS_MB = 2048;

export const cpuQuantity = (cpus: number): string => `${Math.round(cpus * 1000)}m`;
export const mebibytes = (mb: number): string => `${mb}Mi`;

/** What one node of the lab may use: requests equal limits, so lab pods are in the Guaranteed QoS class. */
export function nodeResources(spec: LabSpec): Record<string, string> {
  return {
    cpu: cpuQuantity(spec.limits.cpus),
    memory: mebibytes(spec.limits.memoryMb),
    'ephemeral-storage': mebibytes(ROOT_FS_MB + (spec.limits.diskMb ?? DEFAULT_DISK_MB)),
  };
}

/** The whole lab's budget in its own namespace: its nodes' resources, one Service, nothing exposed. */
export function buildLabResourceQuota(spec: LabSpec, namespace: string, labels: Record<string, string>): V1ResourceQuota {
  const n = spec.nodes.length;
  const disk = ROOT_FS_MB + (spec.limits.diskMb ?? DEFAULT_DISK_MB);
  const cpu = cpuQuantity(spec.limits.cpus * n);
  const memory = mebibytes(spec.limits.memoryMb * n);
  const storage = mebibytes(disk * n);
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: labObjectName(spec.labId), namespace, labels },
    spec: {
      hard: {
        pods: String(n),
        'requests.cpu': cpu,
        'limits.cpu': cpu,
        'requests.memory': memory,
        'limits.memory': memory,
        'requests.ephemeral-storage': storage,
        'limits.ephemeral-storage': storage,
        services: '1',
        'services.nodeports': '0',
        'services.loadbalancers': '0',
        persistentvolumeclaims: '0',
      },
    },
  };
}

/** Caps each container at one node's share, and gives that share to any container that names none. */
export function buildLabLimitRange(spec: LabSpec, namespace: string, labels: Record<string, string>): V1LimitRange {
  const node = nodeResources(spec);
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: labObjectName(spec.labId), namespace, labels },
    spec: { limits: [{ type: 'Container', max: node, _default: node, defaultRequest: node }] },
  };
}
