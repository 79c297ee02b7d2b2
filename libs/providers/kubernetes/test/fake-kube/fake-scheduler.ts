import type { V1Pod } from '@kubernetes/client-node';
import { podRequests } from '../../src';
import { FakeKubeStore, KubeObject } from './fake-kube-store';

/** The one node of the fake cluster: what it offers pods (null: room for every pod). */
export interface FakeNodeRoom {
  readonly cpus: number;
  readonly memoryMb: number;
}

const holdsRoom = (pod: KubeObject): boolean => Boolean(pod.spec?.nodeName) && pod.status?.phase !== 'Failed' && pod.status?.phase !== 'Succeeded';

/**
 * Stands in for kube-scheduler on a one-node cluster: a pod goes on the node when its requests fit
 * beside those of the pods already there, else it stays pending with the scheduler's own message
 * (`0/1 nodes are available: 1 Insufficient cpu.`), and pending pods are tried again, oldest
 * first, whenever a pod leaves or finishes, as the real scheduler's queue does.
 */
export class FakeScheduler {
  room: FakeNodeRoom | null = null;
  readonly nodeName = 'fake-node';
  private readonly pending: { pod: KubeObject; place: () => void }[] = [];

  constructor(private readonly store: FakeKubeStore) {
    store.subscribe((event) => {
      // After the write that freed room has reached every watcher, as the scheduler reacts to events.
      if (event.resource === 'pods' && (event.type === 'DELETED' || !holdsRoom(event.object))) queueMicrotask(() => this.retry());
    });
  }

  /** Places the pod now (`place` runs) or keeps it pending until room frees up. */
  schedule(pod: KubeObject, place: () => void): void {
    const missing = this.missing(pod);
    if (missing.length === 0) {
      place();
      return;
    }
    this.pending.push({ pod, place });
    this.markUnschedulable(pod, missing);
  }

  forget(): void {
    this.pending.length = 0;
  }

  private retry(): void {
    for (const entry of [...this.pending]) {
      const current = this.store.get('pods', entry.pod.metadata.namespace, entry.pod.metadata.name);
      if (!current || current.metadata.uid !== entry.pod.metadata.uid || current.metadata.deletionTimestamp) {
        this.pending.splice(this.pending.indexOf(entry), 1);
      } else if (this.missing(current).length === 0) {
        this.pending.splice(this.pending.indexOf(entry), 1);
        entry.place();
      }
    }
  }

  /** What the node lacks for the pod: `Insufficient cpu`, `Insufficient memory`, or nothing. */
  private missing(pod: KubeObject): string[] {
    if (!this.room) return [];
    const wants = podRequests(pod as V1Pod);
    let cpus = 0;
    let memoryMb = 0;
    for (const other of this.store.list('pods', undefined, null).filter(holdsRoom)) {
      const used = podRequests(other as V1Pod);
      cpus += used.cpus;
      memoryMb += used.memoryMb;
    }
    const missing: string[] = [];
    if (cpus + wants.cpus > this.room.cpus + 1e-9) missing.push('Insufficient cpu');
    if (memoryMb + wants.memoryMb > this.room.memoryMb + 1e-9) missing.push('Insufficient memory');
    return missing;
  }

  private markUnschedulable(pod: KubeObject, missing: string[]): void {
    const message = `0/1 nodes are available: ${missing.map((m) => `1 ${m}`).join(', ')}. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.`;
    const current = this.store.get('pods', pod.metadata.namespace, pod.metadata.name);
    if (!current || current.metadata.uid !== pod.metadata.uid) return;
    const condition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: new Date().toISOString() };
    this.store.update('pods', { ...current, status: { phase: 'Pending', conditions: [condition] } });
  }
}
