import { randomBytes } from 'node:crypto';
import { DockerProvider, labFilter } from '@labfleet/provider-docker';
import { docker, labProviderContract, TEST_LAB_IMAGE, testConfig } from '../src';

const instance = `t${randomBytes(4).toString('hex')}`;
const provider = new DockerProvider(docker, testConfig(instance));

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
    const offline = new DockerProvider(createDockerClient('unix:///tmp/no-such-docker.sock'), testConfig(instance, { REGISTRY_MODE: 'off', LAB_READY_TIMEOUT_SECONDS: '5' }));
    await expect(offline.ping()).rejects.toMatchObject({ name: 'DependencyUnavailableError', dependency: 'docker' });
    await expect(offline.inspect('x')).rejects.toMatchObject({ dependency: 'docker' });
  });
});
