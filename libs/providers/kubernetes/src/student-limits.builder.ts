import type { V1LimitRange, V1ResourceQuota } from '@kubernetes/client-node';
import type { StudentKubernetes } from '@labfleet/domain';
import { cpuQuantity, mebibytes } from './lab-limits.builder';
import { STUDENT_ACCOUNT } from './student-resource-names';

/** Below these a container does not start (runc, pause) whatever the quota divides. */
const MIN_CPU = 0.01;
const MIN_MEMORY_MB = 16;

/**
 * What the template allows the student's namespace: pods, CPU and memory (requests and limits
 * alike), Services but none reachable from outside the cluster (no NodePort, no LoadBalancer),
 * and no PersistentVolumeClaim (the cluster's storage is not the lab's to give; emptyDir works).
 */
export function buildStudentResourceQuota(quota: StudentKubernetes, namespace: string, labels: Record<string, string>): V1ResourceQuota {
  const cpu = cpuQuantity(quota.cpus);
  const memory = mebibytes(quota.memoryMb);
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: STUDENT_ACCOUNT, namespace, labels },
    spec: {
      hard: {
        pods: String(quota.pods),
        'requests.cpu': cpu,
        'limits.cpu': cpu,
        'requests.memory': memory,
        'limits.memory': memory,
        services: '10',
        'services.nodeports': '0',
        'services.loadbalancers': '0',
        persistentvolumeclaims: '0',
      },
    },
  };
}

/**
 * Resources for containers that name none (`kubectl create deployment` makes such), so the quota
 * admits them: a limit of the quota's share per pod, so `pods` of them fit, and a request of a
 * quarter of that, so the scheduler finds room for them beside the labs.
 */
export function buildStudentLimitRange(quota: StudentKubernetes, namespace: string, labels: Record<string, string>): V1LimitRange {
  const cpus = Math.max(MIN_CPU, quota.cpus / quota.pods);
  const memoryMb = Math.max(MIN_MEMORY_MB, Math.floor(quota.memoryMb / quota.pods));
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: STUDENT_ACCOUNT, namespace, labels },
    spec: {
      limits: [
        {
          type: 'Container',
          _default: { cpu: cpuQuantity(cpus), memory: mebibytes(memoryMb) },
          defaultRequest: { cpu: cpuQuantity(Math.max(MIN_CPU, cpus / 4)), memory: mebibytes(Math.max(MIN_MEMORY_MB, Math.floor(memoryMb / 4))) },
        },
      ],
    },
  };
}
