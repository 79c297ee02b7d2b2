import type { V1ContainerStateTerminated, V1Pod } from '@kubernetes/client-node';
import type { LabRuntime } from '@labfleet/domain';
import { ANNOTATION_NODES, LAB_CONTAINER, LABEL_NODE } from './lab-resource-names';

/** Where one lab node's pod is on its way to Ready, read from the pod alone. */
export type NodeProgress =
  | { readonly state: 'ready' }
  | { readonly state: 'starting'; readonly detail: string }
  | { readonly state: 'failed'; readonly reason: string; readonly retryable: boolean };

/** Waiting reasons that mean the container will not start by itself any time soon. */
const STUCK = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);
/** Retrying the same pod spec cannot help with these. */
const PERMANENT = new Set(['InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError']);

const describeTermination = (t: V1ContainerStateTerminated): string =>
  `${t.reason ?? 'terminated'} (exit code ${t.exitCode})${t.message ? `: ${t.message.trim()}` : ''}`;

/**
 * Reads the cluster's own reason out of a pod: image pull errors, `OOMKilled`,
 * `CrashLoopBackOff`, eviction. A failure is reported as soon as the pod shows it, never after a
 * timeout; a pod the scheduler cannot place yet is still starting, with the scheduler's message.
 */
export function nodeProgress(pod: V1Pod): NodeProgress {
  const status = pod.status ?? {};
  if (pod.metadata?.deletionTimestamp) return { state: 'failed', reason: 'its pod is being deleted', retryable: true };
  const container = status.containerStatuses?.find((c) => c.name === LAB_CONTAINER);
  const terminated = container?.state?.terminated;
  if (terminated) return { state: 'failed', reason: describeTermination(terminated), retryable: terminated.reason !== 'OOMKilled' };
  if (status.phase === 'Failed' || status.phase === 'Succeeded') {
    return { state: 'failed', reason: `${status.reason ?? status.phase}${status.message ? `: ${status.message}` : ''}`, retryable: true };
  }
  const waiting = container?.state?.waiting;
  if (waiting?.reason && STUCK.has(waiting.reason)) {
    const last = container?.lastState?.terminated;
    const message = [waiting.message, last ? `last run: ${describeTermination(last)}` : undefined].filter(Boolean).join('; ');
    return { state: 'failed', reason: `${waiting.reason}${message ? `: ${message}` : ''}`, retryable: !PERMANENT.has(waiting.reason) };
  }
  if (status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return { state: 'ready' };
  // Not a failure: the scheduler places the pod once room frees up (placement waits for that).
  const unschedulable = unschedulableReason(pod);
  const detail = unschedulable ? `Unschedulable: ${unschedulable}` : (waiting?.reason ?? (container?.state?.running ? 'waiting for its Docker daemon' : (status.phase ?? 'Pending')));
  return { state: 'starting', detail };
}

/** The scheduler's message while it finds no node for the pod (`0/3 nodes are available: …`). */
export function unschedulableReason(pod: V1Pod): string | undefined {
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status !== 'False' || scheduled.reason !== 'Unschedulable') return undefined;
  return scheduled.message ?? 'no node can run it';
}

/** Whether the scheduler has given the pod a node (from then on its room is held). */
export const isScheduled = (pod: V1Pod): boolean =>
  Boolean(pod.spec?.nodeName) || Boolean(pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True'));

/** Terminal pods never run again (restartPolicy Never); a new attempt must replace them. */
export function isTerminal(pod: V1Pod): boolean {
  const container = pod.status?.containerStatuses?.find((c) => c.name === LAB_CONTAINER);
  return Boolean(pod.metadata?.deletionTimestamp) || pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded' || Boolean(container?.state?.terminated);
}

export const isRunning = (pod: V1Pod): boolean =>
  !pod.metadata?.deletionTimestamp && Boolean(pod.status?.containerStatuses?.find((c) => c.name === LAB_CONTAINER)?.state?.running);

/**
 * A lab's runtime state from its pods: gone without any, stopped when a node failed or its pod
 * vanished (every pod names all the lab's nodes), running otherwise.
 */
export function labRuntime(pods: readonly V1Pod[]): LabRuntime {
  if (pods.length === 0) return { state: 'gone' };
  const present = new Map(pods.map((p) => [p.metadata?.labels?.[LABEL_NODE] ?? p.metadata?.name ?? '?', p]));
  const expected = (pods[0].metadata?.annotations?.[ANNOTATION_NODES] ?? '').split(',').filter(Boolean);
  const missing = expected.find((node) => !present.has(node));
  if (missing) return { state: 'stopped', reason: `lab node ${missing} disappeared (its pod was deleted)` };
  for (const [node, pod] of present) {
    const progress = nodeProgress(pod);
    if (progress.state === 'failed') return { state: 'stopped', reason: `lab node ${node} stopped: ${progress.reason}` };
  }
  return { state: 'running' };
}
