import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { DockerProvider, labCgroupRoot, labDiskDir, labFilter } from '@labfleet/provider-docker';
import { docker, labProviderContract, labSpec, removeLabResources, TEST_LAB_IMAGE, testConfig } from '../src';

const instance = `t${randomBytes(4).toString('hex')}`;
const config = testConfig(instance);
const provider = new DockerProvider(docker, config);

async function resourcesOf(labId: string): Promise<string[]> {
  const filters = labFilter(instance, labId);
  const [c, n, v] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters }), docker.listVolumes({ filters })]);
  // The host helper's work, read from the host itself (the engine is this machine's).
  const diskDir = labDiskDir(config.provider.disk.dir, instance);
  const disks = existsSync(diskDir) ? readdirSync(diskDir).filter((f) => f.startsWith(labId)) : [];
  const cgroups = readdirSync('/sys/fs/cgroup').filter((h) => existsSync(`/sys/fs/cgroup/${h}/${labCgroupRoot(instance)}/${labId}`));
  return [
    ...c.map((x) => `container:${x.Names[0]}`),
    ...n.map((x) => `network:${x.Name}`),
    ...(v.Volumes ?? []).map((x) => `volume:${x.Name}`),
    ...disks.map((d) => `disk:${d}`),
    ...cgroups.map((h) => `cgroup:${h}`),
  ];
}

describe('DockerProvider on the real engine (LabProvider contract)', () => {
  afterAll(() => removeLabResources(instance));

  labProviderContract(
    () => ({
      provider,
      resourcesOf,
      async removeBehindTheBack(labId) {
        for (const c of await docker.listContainers({ all: true, filters: labFilter(instance, labId) })) {
          await docker.getContainer(c.Id).remove({ force: true });
        }
      },
    }),
    TEST_LAB_IMAGE,
  );

  // Found by the chaos suite: after an engine restart, a command in a lab still recorded ready was a 502.
  it('refuses a command in a lab whose node stopped behind its back as a conflict with its state; inspect and labRuntimes say which node stopped and how', async () => {
    const spec = labSpec(TEST_LAB_IMAGE);
    try {
      await provider.provision(spec);
      const [node] = await docker.listContainers({ filters: labFilter(instance, spec.labId) });
      await docker.getContainer(node.Id).kill();
      await expect(provider.exec(spec.labId, { node: 'node1', command: ['true'], timeoutMs: 10_000 })).rejects.toMatchObject({
        name: 'ConflictError',
        message: 'lab node node1 is not running: the lab has stopped',
      });
      const stopped = { state: 'stopped', reason: 'lab node node1 stopped (exit code 137)' };
      expect(await provider.inspect(spec.labId)).toEqual(stopped);
      expect((await provider.labRuntimes()).get(spec.labId)).toEqual(stopped);
    } finally {
      await provider.destroy(spec.labId);
    }
  });

  it('reports an engine it cannot reach as a dependency outage', async () => {
    const { createDockerClient } = await import('@labfleet/provider-docker');
    const offline = new DockerProvider(createDockerClient('unix:///tmp/no-such-docker.sock'), testConfig(instance, { REGISTRY_MODE: 'off', LAB_READY_TIMEOUT_SECONDS: '5' }));
    await expect(offline.ping()).rejects.toMatchObject({ name: 'DependencyUnavailableError', dependency: 'docker' });
    await expect(offline.inspect('x')).rejects.toMatchObject({ dependency: 'docker' });
    await expect(offline.labRuntimes()).rejects.toMatchObject({ dependency: 'docker' });
  });
});
