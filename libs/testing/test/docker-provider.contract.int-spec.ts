import { randomBytes } from 'node:crypto';
import { DockerProvider, labFilter } from '@labfleet/provider-docker';
import { docker, labProviderContract, TEST_LAB_IMAGE, TEST_REGISTRY } from '../src';

const instance = `t${randomBytes(4).toString('hex')}`;
const provider = new DockerProvider(docker, {
  instance,
  provider: { kind: 'docker' as never, dockerHost: 'unix:///var/run/docker.sock', labImage: TEST_LAB_IMAGE, securityProfile: 'privileged', readyTimeoutSeconds: 60, execOutputLimitBytes: 1024 * 1024, subnetPool: '10.213.0.0/16', subnetPrefix: 27 },
  registry: { mode: 'push', image: 'registry:2', name: TEST_REGISTRY.name, hostPort: Number(TEST_REGISTRY.hostPort) },
});

async function resourcesOf(labId: string): Promise<string[]> {
  const filters = labFilter(instance, labId);
  const [c, n, v] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters }), docker.listVolumes({ filters })]);
  return [...c.map((x) => `container:${x.Names[0]}`), ...n.map((x) => `network:${x.Name}`), ...(v.Volumes ?? []).map((x) => `volume:${x.Name}`)];
}

describe('DockerProvider on the real engine (LabProvider contract)', () => {
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

  it('reports an engine it cannot reach as a dependency outage', async () => {
    const { createDockerClient } = await import('@labfleet/provider-docker');
    const offline = new DockerProvider(createDockerClient('unix:///tmp/no-such-docker.sock'), {
      instance,
      provider: { kind: 'docker' as never, dockerHost: 'unix:///tmp/no-such-docker.sock', labImage: TEST_LAB_IMAGE, securityProfile: 'privileged', readyTimeoutSeconds: 5, execOutputLimitBytes: 1024, subnetPool: '10.213.0.0/16', subnetPrefix: 27 },
      registry: { mode: 'off', image: 'registry:2', name: 'unused', hostPort: 1 },
    });
    await expect(offline.ping()).rejects.toMatchObject({ name: 'DependencyUnavailableError', dependency: 'docker' });
    await expect(offline.inspect('x')).rejects.toMatchObject({ dependency: 'docker' });
  });
});
