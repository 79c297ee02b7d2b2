import type { V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { isScheduled, isTerminal, labRuntime, nodeProgress, unschedulableReason } from './pod-status';

function pod(node: string, status: { phase?: string; reason?: string; message?: string; conditions?: V1PodCondition[]; container?: Partial<V1ContainerStatus> }): V1Pod {
  return {
    metadata: { name: `lab-x-${node}`, labels: { 'labfleet.io/node': node }, annotations: { 'labfleet.io/nodes': 'node1,node2' } },
    status: {
      phase: status.phase ?? 'Pending',
      reason: status.reason,
      message: status.message,
      conditions: status.conditions,
      containerStatuses: status.container ? [{ name: 'dind', image: 'lab', imageID: '', ready: false, restartCount: 0, ...status.container }] : undefined,
    },
  };
}
const ready = (node: string) => pod(node, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], container: { state: { running: {} }, ready: true } });

describe('nodeProgress reads the cluster’s own reason at once', () => {
  it.each([
    [
      'ImagePullBackOff',
      pod('node1', { container: { state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "labfleet/lab:nope"' } } } }),
      'ImagePullBackOff: Back-off pulling image "labfleet/lab:nope"',
      true,
    ],
    ['InvalidImageName, not worth retrying', pod('node1', { container: { state: { waiting: { reason: 'InvalidImageName', message: 'bad' } } } }), 'InvalidImageName: bad', false],
    ['OOMKilled', pod('node1', { phase: 'Failed', container: { state: { terminated: { reason: 'OOMKilled', exitCode: 137 } } } }), 'OOMKilled (exit code 137)', false],
    [
      'CrashLoopBackOff, with the last run',
      pod('node1', {
        phase: 'Running',
        container: { state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } }, lastState: { terminated: { reason: 'Error', exitCode: 1, message: 'dockerd: permission denied' } } },
      }),
      'CrashLoopBackOff: back-off 10s; last run: Error (exit code 1): dockerd: permission denied',
      true,
    ],
    ['eviction', pod('node1', { phase: 'Failed', reason: 'Evicted', message: 'ephemeral local storage usage exceeds the total limit of containers 12Gi.' }), 'Evicted: ephemeral local storage usage exceeds the total limit of containers 12Gi.', true],
  ])('%s', (_what, p, reason, retryable) => {
    expect(nodeProgress(p)).toEqual({ state: 'failed', reason, retryable });
  });

  it('is starting while the container is created or its daemon not yet answering, ready once the pod is Ready', () => {
    expect(nodeProgress(pod('node1', { container: { state: { waiting: { reason: 'ContainerCreating' } } } }))).toEqual({ state: 'starting', detail: 'ContainerCreating' });
    expect(nodeProgress(pod('node1', { phase: 'Running', container: { state: { running: {} } } }))).toEqual({ state: 'starting', detail: 'waiting for its Docker daemon' });
    expect(nodeProgress(pod('node1', {}))).toEqual({ state: 'starting', detail: 'Pending' });
    expect(nodeProgress(ready('node1'))).toEqual({ state: 'ready' });
  });

  it('is still starting, with the scheduler’s message, while no node has room: room may free up', () => {
    const waiting = pod('node1', { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' }] });
    expect(nodeProgress(waiting)).toEqual({ state: 'starting', detail: 'Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.' });
    expect(unschedulableReason(waiting)).toBe('0/1 nodes are available: 1 Insufficient cpu.');
    expect(isScheduled(waiting)).toBe(false);
    const placed = pod('node1', { conditions: [{ type: 'PodScheduled', status: 'True' }] });
    expect([unschedulableReason(placed), isScheduled(placed)]).toEqual([undefined, true]);
    expect(isScheduled({ spec: { nodeName: 'worker-1', containers: [] } })).toBe(true);
    expect(isScheduled(pod('node1', {}))).toBe(false);
  });

  it('knows a pod that can never run again', () => {
    expect(isTerminal(pod('node1', { phase: 'Failed' }))).toBe(true);
    expect(isTerminal({ ...ready('node1'), metadata: { deletionTimestamp: new Date('2026-03-04T09:00:00Z') } })).toBe(true);
    expect(isTerminal(ready('node1'))).toBe(false);
  });
});

describe('labRuntime', () => {
  it('is gone without pods, running when every node runs', () => {
    expect(labRuntime([])).toEqual({ state: 'gone' });
    expect(labRuntime([ready('node1'), ready('node2')])).toEqual({ state: 'running' });
  });

  it('is stopped, saying why, when a node failed or its pod vanished', () => {
    const oom = pod('node2', { phase: 'Failed', container: { state: { terminated: { reason: 'OOMKilled', exitCode: 137 } } } });
    expect(labRuntime([ready('node1'), oom])).toEqual({ state: 'stopped', reason: 'lab node node2 stopped: OOMKilled (exit code 137)' });
    expect(labRuntime([ready('node1')])).toEqual({ state: 'stopped', reason: 'lab node node2 disappeared (its pod was deleted)' });
  });
});
