import { LabSpec } from '@labfleet/domain';
import { buildLabContainer, buildLabNetwork, LabContainerContext } from './lab-container.builder';

const spec: LabSpec = {
  labId: '6f1c7c1e-0000-4000-8000-000000000001',
  templateName: 'docker',
  image: 'labfleet/lab:latest',
  nodes: [{ name: 'node1', hostname: 'node1' }],
  limits: { cpus: 1.5, memoryMb: 2048, pidsLimit: 1024, diskMb: 10240 },
  reservation: { cpus: 0.05, memoryMb: 128 },
  images: ['nginx:latest'],
};
const ctx: LabContainerContext = { instance: 'test', securityProfile: 'privileged', registryMirror: 'http://labfleet-registry:5000', diskQuota: false };

describe('buildLabContainer', () => {
  const options = buildLabContainer(spec, spec.nodes[0], ctx);

  it('labels everything it makes so nothing is anonymous', () => {
    expect(options.Labels).toMatchObject({
      'labfleet.managed': 'true',
      'labfleet.instance': 'test',
      'labfleet.lab-id': spec.labId,
      'labfleet.node': 'node1',
      'labfleet.template': 'docker',
    });
    expect(options.HostConfig?.Mounts?.[0].VolumeOptions?.Labels).toEqual(options.Labels);
  });

  it("labels an owned lab with its school, course and owner, so an admin can find a student's containers", () => {
    const owner = { schoolId: 'school-1', courseId: 'course-1', userId: 'user-1' };
    expect(buildLabContainer({ ...spec, owner }, spec.nodes[0], ctx).Labels).toMatchObject({
      'labfleet.school': 'school-1',
      'labfleet.course': 'course-1',
      'labfleet.owner': 'user-1',
    });
    expect(options.Labels).not.toHaveProperty('labfleet.owner');
  });

  it('applies CPU, memory (no swap beyond it) and pids limits', () => {
    expect(options.HostConfig).toMatchObject({ NanoCpus: 1_500_000_000, Memory: 2048 * 1024 * 1024, MemorySwap: 2048 * 1024 * 1024, PidsLimit: 1024 });
  });

  it('puts the node on the lab network under its hostname, with its own docker volume', () => {
    const network = `labfleet-test-lab-${spec.labId}`;
    expect(options.HostConfig?.NetworkMode).toBe(network);
    expect(options.NetworkingConfig?.EndpointsConfig?.[network]).toEqual({ Aliases: ['node1'] });
    expect(options.Hostname).toBe('node1');
    expect(options.HostConfig?.Mounts?.[0]).toMatchObject({ Type: 'volume', Source: `labfleet-test-lab-${spec.labId}-node1-docker`, Target: '/var/lib/docker' });
  });

  it('points the lab daemon at the platform registry mirror', () => {
    expect(options.Env).toEqual(['LABFLEET_REGISTRY_MIRROR=http://labfleet-registry:5000']);
    expect(buildLabContainer(spec, spec.nodes[0], { ...ctx, registryMirror: null }).Env).toEqual([]);
  });

  it('caps the disk only where the engine can', () => {
    expect(options.HostConfig?.StorageOpt).toBeUndefined();
    expect(buildLabContainer(spec, spec.nodes[0], { ...ctx, diskQuota: true }).HostConfig?.StorageOpt).toEqual({ size: '10240M' });
  });

  it('spells out powers in the capabilities profile instead of privileged mode', () => {
    const hc = buildLabContainer(spec, spec.nodes[0], { ...ctx, securityProfile: 'capabilities' }).HostConfig!;
    expect(hc.Privileged).toBeUndefined();
    expect(hc.CapAdd).toEqual(['ALL']);
    expect(hc.SecurityOpt).toContain('seccomp=unconfined');
    expect(options.HostConfig?.Privileged).toBe(true);
  });
});

describe('buildLabNetwork', () => {
  it('is a labelled bridge of its own per lab', () => {
    expect(buildLabNetwork('test', 'abc')).toMatchObject({ Name: 'labfleet-test-lab-abc', Driver: 'bridge', Labels: { 'labfleet.lab-id': 'abc' } });
  });
});
