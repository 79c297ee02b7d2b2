import { CONFINED_CAPABILITIES, LabSpec } from '@labfleet/domain';
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
const ctx: LabContainerContext = {
  instance: 'test',
  securityProfile: 'confined',
  runtime: null,
  registryMirror: 'http://labfleet-registry:5000',
  courseRegistry: null,
  disk: '/var/lib/labfleet/disks/test/lab-node1',
  cgroupHierarchies: ['memory', 'cpu,cpuacct', 'pids', 'systemd'],
};
const seccompOf = (hc: { SecurityOpt?: string[] }) => JSON.parse(hc.SecurityOpt!.find((o) => o.startsWith('seccomp='))!.slice('seccomp='.length));

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
    const withVolume = buildLabContainer(spec, spec.nodes[0], { ...ctx, disk: null });
    expect(withVolume.HostConfig?.Mounts?.[0].VolumeOptions?.Labels).toEqual(withVolume.Labels);
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

  it('puts the node on the lab network under its hostname', () => {
    const network = `labfleet-test-lab-${spec.labId}`;
    expect(options.HostConfig?.NetworkMode).toBe(network);
    expect(options.NetworkingConfig?.EndpointsConfig?.[network]).toEqual({ Aliases: ['node1'] });
    expect(options.Hostname).toBe('node1');
  });

  it("gives the node its disk (the host helper's file system image), or a volume where disks are not capped", () => {
    expect(options.HostConfig?.Mounts).toEqual([{ Type: 'bind', Source: '/var/lib/labfleet/disks/test/lab-node1', Target: '/lab-disk' }]);
    const privileged = buildLabContainer(spec, spec.nodes[0], { ...ctx, securityProfile: 'privileged' });
    expect(privileged.HostConfig?.Mounts).toEqual([{ Type: 'bind', Source: '/var/lib/labfleet/disks/test/lab-node1', Target: '/var/lib/docker' }]);
    const uncapped = buildLabContainer(spec, spec.nodes[0], { ...ctx, disk: null });
    expect(uncapped.HostConfig?.Mounts?.[0]).toMatchObject({ Type: 'volume', Source: `labfleet-test-lab-${spec.labId}-node1-docker`, Target: '/lab-disk' });
  });

  it('points the lab daemon at the platform registry mirror', () => {
    expect(options.Env).toEqual(['LABFLEET_REGISTRY_MIRROR=http://labfleet-registry:5000']);
    expect(buildLabContainer(spec, spec.nodes[0], { ...ctx, registryMirror: null }).Env).toEqual([]);
  });

  it('tells the lab daemon the course registry, which it reaches over plain HTTP on the lab network', () => {
    expect(buildLabContainer(spec, spec.nodes[0], { ...ctx, courseRegistry: 'labfleet-courses:5000' }).Env).toEqual([
      'LABFLEET_REGISTRY_MIRROR=http://labfleet-registry:5000',
      'LABFLEET_COURSE_REGISTRY=labfleet-courses:5000',
    ]);
  });

  it('confines by default: an unprivileged container with seven capabilities and no host root to give away', () => {
    const hc = options.HostConfig!;
    expect(hc.Privileged).toBeUndefined();
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(hc.CapAdd).toEqual(CONFINED_CAPABILITIES);
    expect(CONFINED_CAPABILITIES).not.toContain('SYS_ADMIN');
    expect(hc.SecurityOpt).toContain('apparmor=unconfined');
    expect(hc).toMatchObject({ MaskedPaths: [], ReadonlyPaths: [] });
    expect(hc.SecurityOpt).not.toContain('seccomp=unconfined');
    expect(hc.Devices).toBeUndefined();
  });

  it("brings Labfleet's own seccomp profile: namespaces and mounts allowed, the host's kernel refused, keyrings absent", () => {
    const profile = seccompOf(options.HostConfig!);
    expect(profile.defaultAction).toBe('SCMP_ACT_ALLOW');
    const refused = (name: string) => profile.syscalls.find((r: { names: string[] }) => r.names.includes(name));
    for (const name of ['init_module', 'finit_module', 'kexec_load', 'open_by_handle_at', 'bpf', 'swapon', 'reboot']) expect(refused(name)).toMatchObject({ errnoRet: 1 });
    for (const name of ['keyctl', 'add_key', 'request_key']) expect(refused(name)).toMatchObject({ errnoRet: 38 });
    for (const name of ['unshare', 'setns', 'mount', 'clone', 'pivot_root']) expect(refused(name)).toBeUndefined();
  });

  it("delegates the node's own cgroup in each v1 hierarchy, under a parent named for the lab", () => {
    const hc = options.HostConfig!;
    const parent = `/labfleet/test/${spec.labId}/node1`;
    expect(hc.CgroupParent).toBe(parent);
    expect(hc.Binds).toEqual(['memory', 'cpu,cpuacct', 'pids', 'systemd'].map((h) => `/sys/fs/cgroup/${h}${parent}:/run/labfleet-cgroup/${h}`));
    const undelegated = buildLabContainer(spec, spec.nodes[0], { ...ctx, cgroupHierarchies: [] }).HostConfig!;
    expect(undelegated.CgroupParent).toBeUndefined();
    expect(undelegated.Binds).toBeUndefined();
  });

  it('runs privileged only when asked to, and under a sandboxing runtime unprivileged', () => {
    const privileged = buildLabContainer(spec, spec.nodes[0], { ...ctx, securityProfile: 'privileged' }).HostConfig!;
    expect(privileged).toMatchObject({ Privileged: true });
    expect(privileged.CapAdd).toBeUndefined();
    const sandboxed = buildLabContainer(spec, spec.nodes[0], { ...ctx, securityProfile: 'runtime', runtime: 'sysbox-runc' }).HostConfig!;
    expect(sandboxed.Runtime).toBe('sysbox-runc');
    expect(sandboxed.Privileged).toBeUndefined();
    expect(sandboxed.CapAdd).toBeUndefined();
  });
});

describe('buildLabNetwork', () => {
  it('is a labelled bridge of its own per lab', () => {
    expect(buildLabNetwork('test', 'abc')).toMatchObject({ Name: 'labfleet-test-lab-abc', Driver: 'bridge', Labels: { 'labfleet.lab-id': 'abc' } });
  });
});
