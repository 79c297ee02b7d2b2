import type { V1LimitRange, V1ResourceQuota, V1ResourceRequirements } from '@kubernetes/client-node';
import { DEFAULT_DISK_MB, type LabSpec } from '@labfleet/domain';
import { labObjectName } from './lab-resource-names';

/** Room for the lab container's own writable layer and logs, beside the lab's disk (an emptyDir). */
export const ROOT_FS_MB = 2048;

/** Millicores, rounded up: a pod never requests less than admission counted. */
export const cpuQuantity = (cpus: number): string => `${Math.ceil(Math.round(cpus * 1e6) / 1e3)}m`;
export const mebibytes = (mb: number): string => `${Math.ceil(mb)}Mi`;

/**
 * What one node of the lab asks the scheduler for, and what it may use. Requests are the lab's
 * reservation (`reservedCpus`/`reservedMemoryMb`, split over its nodes): exactly what admission
 * counts, so admission and the scheduler agree on how many labs fit, and a lab admitted has a
 * place. Limits are the template's `cpus`/`memoryMb` per node, as on Docker: a lab bursts into
 * what idle labs leave (Burstable QoS). Its disk is capped by its limit, not reserved.
 */
export function nodeResources(spec: LabSpec): V1ResourceRequirements & { requests: Record<string, string>; limits: Record<string, string> } {
  const n = spec.nodes.length;
  return {
    requests: { cpu: cpuQuantity(spec.reservation.cpus / n), memory: mebibytes(spec.reservation.memoryMb / n), 'ephemeral-storage': '0' },
    limits: {
      cpu: cpuQuantity(spec.limits.cpus),
      memory: mebibytes(spec.limits.memoryMb),
      'ephemeral-storage': mebibytes(ROOT_FS_MB + (spec.limits.diskMb ?? DEFAULT_DISK_MB)),
    },
  };
}

/** `quantity × n`, in the quantity's own unit (`17m` × 3 → `51m`). */
const times = (quantity: string, n: number): string => {
  const [, amount, unit] = /^(\d+)(\D*)$/.exec(quantity)!;
  return `${Number(amount) * n}${unit}`;
};

/** The whole lab's budget in its own namespace: its nodes' resources, one Service, nothing exposed. */
export function buildLabResourceQuota(spec: LabSpec, namespace: string, labels: Record<string, string>): V1ResourceQuota {
  const n = spec.nodes.length;
  const { requests, limits } = nodeResources(spec);
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: labObjectName(spec.labId), namespace, labels },
    spec: {
      hard: {
        pods: String(n),
        'requests.cpu': times(requests.cpu, n),
        'limits.cpu': times(limits.cpu, n),
        'requests.memory': times(requests.memory, n),
        'limits.memory': times(limits.memory, n),
        'requests.ephemeral-storage': times(limits['ephemeral-storage'], n),
        'limits.ephemeral-storage': times(limits['ephemeral-storage'], n),
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
  const { requests, limits } = nodeResources(spec);
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: labObjectName(spec.labId), namespace, labels },
    spec: { limits: [{ type: 'Container', max: limits, _default: limits, defaultRequest: requests }] },
  };
}
