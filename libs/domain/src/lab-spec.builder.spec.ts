import { buildLabSpec, expiresAt } from './lab-spec.builder';
import { LabTemplate } from './lab-template';

const template: LabTemplate = {
  id: 't1', name: 'swarm-3', description: '', image: null, nodes: 3, cpus: 1.5, memoryMb: 1024,
  pidsLimit: 512, diskMb: null, ttlSeconds: 60, images: ['nginx:latest'], reservedCpus: 0.05, reservedMemoryMb: 128, setup: [], kubernetes: null,
};

describe('buildLabSpec', () => {
  it('names nodes node1..nodeN and uses them as hostnames', () => {
    const spec = buildLabSpec('lab-1', template, 'labfleet/lab:latest');
    expect(spec.nodes).toEqual([
      { name: 'node1', hostname: 'node1' },
      { name: 'node2', hostname: 'node2' },
      { name: 'node3', hostname: 'node3' },
    ]);
  });

  it('falls back to the platform lab image and copies limits', () => {
    const spec = buildLabSpec('lab-1', template, 'labfleet/lab:latest');
    expect(spec.image).toBe('labfleet/lab:latest');
    expect(spec.limits).toEqual({ cpus: 1.5, memoryMb: 1024, pidsLimit: 512, diskMb: null });
    expect(buildLabSpec('lab-1', { ...template, image: 'custom:1' }, 'x').image).toBe('custom:1');
  });

  it('asks for a student Kubernetes namespace only when the template does', () => {
    expect(buildLabSpec('lab-1', template, 'x').studentKubernetes).toBeUndefined();
    expect(buildLabSpec('lab-1', { ...template, kubernetes: { pods: 20, cpus: 2, memoryMb: 2048 } }, 'x').studentKubernetes).toEqual({ pods: 20, cpus: 2, memoryMb: 2048 });
  });

  it('computes expiry from the TTL', () => {
    expect(expiresAt(new Date('2026-01-01T00:00:00Z'), 90).toISOString()).toBe('2026-01-01T00:01:30.000Z');
  });
});
