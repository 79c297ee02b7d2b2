import type { V1Node } from '@kubernetes/client-node';
import { nodeCapacity, parseQuantity, takesLabs } from './node-capacity';

describe('parseQuantity reads Kubernetes quantities', () => {
  it.each([
    ['2', 2],
    ['3920m', 3.92],
    ['250m', 0.25],
    ['0.5', 0.5],
    ['1500u', 0.0015],
    ['16Gi', 16 * 2 ** 30],
    ['7901560Ki', 7901560 * 1024],
    ['512Mi', 512 * 2 ** 20],
    ['1Ti', 2 ** 40],
    ['8G', 8e9],
    ['128974848', 128974848],
    ['129e6', 129e6],
    ['1E3', 1000],
    ['2E', 2e18],
    ['1.5k', 1500],
  ])('%s', (q, value) => {
    expect(parseQuantity(q)).toBeCloseTo(value, 9);
  });

  it('refuses what is not a quantity, so a bad answer never reads as 0', () => {
    for (const bad of ['', 'Gi', '1 Gi', '1gi', '1KiB', 'abc', '1.2.3']) expect(() => parseQuantity(bad)).toThrow(/not a Kubernetes quantity/);
  });
});

const node = (name: string, allocatable: { cpu: string; memory: string }, extra: { ready?: boolean; unschedulable?: boolean; taints?: { key: string; effect: string }[]; os?: string } = {}): V1Node => ({
  metadata: { name, labels: { 'kubernetes.io/os': extra.os ?? 'linux' } },
  spec: { unschedulable: extra.unschedulable, taints: extra.taints },
  status: { allocatable: { ...allocatable, pods: '110' }, conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }] },
});

describe('nodeCapacity sums what nodes that take lab pods offer', () => {
  it('counts Ready, schedulable, untainted Linux nodes only', () => {
    const nodes = [
      node('a', { cpu: '3920m', memory: '7901560Ki' }),
      node('b', { cpu: '4', memory: '16Gi' }, { taints: [{ key: 'gpu', effect: 'PreferNoSchedule' }] }),
      node('not-ready', { cpu: '8', memory: '32Gi' }, { ready: false }),
      node('cordoned', { cpu: '8', memory: '32Gi' }, { unschedulable: true }),
      node('control-plane', { cpu: '8', memory: '32Gi' }, { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }),
      node('draining', { cpu: '8', memory: '32Gi' }, { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }),
      node('windows', { cpu: '8', memory: '32Gi' }, { os: 'windows' }),
    ];
    expect(nodes.filter(takesLabs).map((n) => n.metadata!.name)).toEqual(['a', 'b']);
    expect(nodeCapacity(nodes)).toEqual({ cpus: 7.92, memoryMb: Math.floor((7901560 * 1024 + 16 * 2 ** 30) / 2 ** 20) });
  });

  it('is nothing without such nodes', () => {
    expect(nodeCapacity([])).toEqual({ cpus: 0, memoryMb: 0 });
  });
});
