import { SWARM_LAB_SPEC } from './lab-spec.fixture';
import { buildPlacementService, placementServiceName, seatFilter } from './placement-service.builder';

const spec = SWARM_LAB_SPEC;

describe('buildPlacementService', () => {
  const service = buildPlacementService(spec, 'labfleet/lab:latest', { instance: 'school', constraints: ['node.labels.labfleet.labs==true', 'node.role!=manager'] }) as any;

  it('reserves the whole lab on one node Swarm picks under the configured constraints', () => {
    expect(service.Name).toBe(placementServiceName(spec.labId));
    expect(service.Name.length).toBeLessThanOrEqual(63);
    expect(service.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect(service.TaskTemplate.Resources.Reservations).toEqual({ NanoCPUs: 1_500_000_000, MemoryBytes: 384 * 1024 * 1024 });
    expect(service.TaskTemplate.Placement.Constraints).toEqual(['node.labels.labfleet.labs==true', 'node.role!=manager']);
  });

  it('is a seat, never restarted or moved, that runs nothing but a sleep', () => {
    expect(service.TaskTemplate.RestartPolicy).toEqual({ Condition: 'none' });
    expect(service.TaskTemplate.ContainerSpec).toMatchObject({ Image: 'labfleet/lab:latest', Command: ['sleep', 'infinity'] });
    expect(service.TaskTemplate.Resources.Limits.MemoryBytes).toBeLessThanOrEqual(32 * 1024 * 1024);
  });

  it('goes to the given node when it replaces a seat whose lab is already there', () => {
    const pinned = buildPlacementService(spec, 'labfleet/lab:latest', { instance: 'school', constraints: ['node.labels.labfleet.labs==true'], nodeId: 'n0de' }) as any;
    expect(pinned.TaskTemplate.Placement.Constraints).toEqual(['node.labels.labfleet.labs==true', 'node.id==n0de']);
  });

  it('is labelled as a seat of this installation and lab, which the seat filter finds', () => {
    expect(service.Labels).toMatchObject({ 'labfleet.instance': 'school', 'labfleet.lab-id': spec.labId, 'labfleet.role': 'seat', 'labfleet.template': 'swarm-3' });
    expect(service.TaskTemplate.ContainerSpec.Labels['labfleet.role']).toBe('seat');
    for (const label of seatFilter('school').label) expect(Object.entries(service.Labels).map(([k, v]) => `${k}=${v}`)).toContain(label);
  });
});
