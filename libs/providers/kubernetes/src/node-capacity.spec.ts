import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { labCapacity, parseQuantity, podRequests, takesLabs } from './node-capacity';

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

describe('labCapacity: what nodes that take lab pods offer, less what other pods request', () => {
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
    expect(labCapacity(nodes, [], () => false)).toEqual({ cpus: 7.92, memoryMb: Math.floor((7901560 * 1024 + 16 * 2 ** 30) / 2 ** 20) });
  });

  it('is nothing without such nodes', () => {
    expect(labCapacity([], [], () => false)).toEqual({ cpus: 0, memoryMb: 0 });
  });
});

const pod = (name: string, nodeName: string | undefined, containers: { cpu?: string; memory?: string }[], extra: Partial<V1Pod['spec']> & { phase?: string } = {}): V1Pod => {
  const { phase, ...spec } = extra;
  return {
    metadata: { name, labels: name.startsWith('lab-') ? { 'labfleet.io/lab-id': name } : {} },
    spec: { nodeName, containers: containers.map((requests, i) => ({ name: `c${i}`, resources: { requests: requests as Record<string, string> } })), ...spec },
    status: { phase: phase ?? 'Running' },
  };
};

describe('podRequests counts a pod as the scheduler does', () => {
  it('sums its containers, or takes its largest init container when that is more, plus overhead', () => {
    expect(podRequests(pod('p', 'a', [{ cpu: '250m', memory: '64Mi' }, { cpu: '250m' }]))).toEqual({ cpus: 0.5, memoryMb: 64 });
    expect(podRequests(pod('p', 'a', [{ cpu: '100m' }], { initContainers: [{ name: 'init', resources: { requests: { cpu: '1', memory: '1Gi' } } }] }))).toEqual({ cpus: 1, memoryMb: 1024 });
    const withOverhead = podRequests(pod('p', 'a', [{ cpu: '100m' }], { overhead: { cpu: '50m', memory: '32Mi' } }));
    expect(withOverhead.cpus).toBeCloseTo(0.15, 9);
    expect(withOverhead.memoryMb).toBe(32);
  });
});

describe('labCapacity leaves out what the rest of the cluster holds', () => {
  const nodes = [node('a', { cpu: '2', memory: '4Gi' }), node('cordoned', { cpu: '8', memory: '32Gi' }, { unschedulable: true })];
  it('subtracts other pods on nodes that take labs, not labs’ own, finished ones or those elsewhere', () => {
    const pods = [
      pod('platform-api', 'a', [{ cpu: '500m', memory: '512Mi' }]),
      pod('students-nginx', 'a', [{ cpu: '250m', memory: '256Mi' }]),
      pod('lab-1', 'a', [{ cpu: '1', memory: '1Gi' }]),
      pod('done', 'a', [{ cpu: '1', memory: '1Gi' }], { phase: 'Succeeded' }),
      pod('elsewhere', 'cordoned', [{ cpu: '4', memory: '4Gi' }]),
      pod('pending', undefined, [{ cpu: '4', memory: '4Gi' }]),
    ];
    expect(labCapacity(nodes, pods, (p) => Boolean(p.metadata?.labels?.['labfleet.io/lab-id']))).toEqual({ cpus: 1.25, memoryMb: 4096 - 768 });
  });

  it('is never below nothing', () => {
    expect(labCapacity(nodes, [pod('hog', 'a', [{ cpu: '3', memory: '8Gi' }])], () => false)).toEqual({ cpus: 0, memoryMb: 0 });
  });
});
