import { randomBytes } from 'node:crypto';
import { labFilter, placementServiceName, SwarmProvider } from '@labfleet/provider-docker';
import { labProviderContract, SwarmTestCluster, TEST_LAB_IMAGE, testConfig } from '../src';

jest.setTimeout(240_000);

const instance = `t${randomBytes(4).toString('hex')}`;

describe('SwarmProvider on a real 3-node Swarm cluster of DinD engines (LabProvider contract)', () => {
  let cluster: SwarmTestCluster;
  let provider: SwarmProvider;

  beforeAll(async () => {
    cluster = await SwarmTestCluster.start(2);
    const config = testConfig(instance, { ...cluster.env(), REGISTRY_MODE: 'off' });
    provider = new SwarmProvider(cluster.manager.engine, config);
  });
  afterAll(() => cluster?.stop());

  /** The lab's seat on the manager, and its containers, networks and volumes on every node. */
  async function resourcesOf(labId: string): Promise<string[]> {
    const filters = labFilter(instance, labId);
    const seat = await cluster.manager.engine.getService(placementServiceName(labId)).inspect().then(() => [`service:${placementServiceName(labId)}`], () => []);
    const perNode = await Promise.all(
      cluster.workers.map(async ({ engine, hostname }) => {
        const [c, n, v] = await Promise.all([engine.listContainers({ all: true, filters }), engine.listNetworks({ filters }), engine.listVolumes({ filters })]);
        return [...c.map((x) => `container:${hostname}${x.Names[0]}`), ...n.map((x) => `network:${hostname}/${x.Name}`), ...(v.Volumes ?? []).map((x) => `volume:${hostname}/${x.Name}`)];
      }),
    );
    return [...seat, ...perNode.flat()];
  }

  labProviderContract(
    () => ({
      provider,
      resourcesOf,
      async removeBehindTheBack(labId) {
        await cluster.manager.engine.getService(placementServiceName(labId)).remove().catch(() => undefined);
        for (const { engine } of cluster.workers) {
          for (const c of await engine.listContainers({ all: true, filters: labFilter(instance, labId) })) await engine.getContainer(c.Id).remove({ force: true });
        }
      },
    }),
    TEST_LAB_IMAGE,
  );
});
