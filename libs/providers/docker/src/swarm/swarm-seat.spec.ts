import type Docker from 'dockerode';
import { ProviderError } from '@labfleet/domain';
import { DockerProvider } from '../docker.provider';
import { SWARM_LAB_SPEC } from './lab-spec.fixture';
import { SwarmProvider } from './swarm.provider';

/**
 * The seat's own state machine, against a stand-in for the manager's API: a seat container that
 * fails to start is rare (runc under load), so the real cluster in `swarm-provider.e2e-spec.ts`
 * cannot be made to show it on demand.
 */
const spec = SWARM_LAB_SPEC;
const node = {
  ID: 'w1',
  Description: { Hostname: 'worker1', Resources: { NanoCPUs: 2e9, MemoryBytes: 2 ** 31 } },
  Spec: { Role: 'worker', Availability: 'active', Labels: { 'labfleet.labs': 'true' } },
  Status: { State: 'ready', Addr: '10.0.0.5' },
};

/** A manager whose n-th seat's task goes through `states[n]` on node w1, one state per read. */
function fakeManager(states: string[][]) {
  const created: any[] = [];
  let service: { spec: any; states: string[]; reads: number } | null = null;
  const task = () => {
    if (!service) return [];
    const State = service.states[Math.min(service.reads++, service.states.length - 1)];
    return [{ NodeID: 'w1', CreatedAt: String(created.length), Status: { State, Err: State === 'failed' ? 'cannot start a stopped process' : undefined } }];
  };
  const manager = {
    createService: async (spec: any) => {
      created.push(spec);
      service = { spec, states: states[created.length - 1] ?? ['running'], reads: 0 };
    },
    getService: () => ({
      inspect: async () => service?.spec ?? Promise.reject(Object.assign(new Error('no such service'), { statusCode: 404 })),
      remove: async () => void (service = null),
    }),
    listTasks: async () => task(),
    getNode: () => ({ inspect: async () => node }),
    listNodes: async () => [node],
  };
  return { manager: manager as unknown as Docker, created };
}

const config = { instance: 'seat-test', provider: {}, registry: {}, swarm: { constraints: ['node.labels.labfleet.labs==true'], enginePort: 2376 } } as any;

describe('SwarmProvider seats', () => {
  beforeEach(() => jest.spyOn(DockerProvider.prototype, 'provision').mockResolvedValue({ labId: spec.labId, provider: 'docker', nodes: [] } as any));
  afterEach(() => jest.restoreAllMocks());

  it('replaces a pending lab’s seat that failed, free to go to any node, and says so while it waits', async () => {
    const { manager, created } = fakeManager([['failed'], ['running']]);
    const swarm = new SwarmProvider(manager, config, () => ({}) as Docker);
    expect(await swarm.place(spec)).toEqual({ placed: false, reason: expect.stringMatching(/made again after it failed \(failed: cannot start a stopped process\)/) });
    expect(await swarm.place(spec)).toEqual({ placed: true });
    expect(created.map((s) => s.TaskTemplate.Placement.Constraints)).toEqual([['node.labels.labfleet.labs==true'], ['node.labels.labfleet.labs==true']]);
  });

  it('during provision, replaces a seat that failed to start on the lab’s node, and answers once it runs', async () => {
    // The first seat is placed (assigned), then fails while the lab's containers are being made.
    const { manager, created } = fakeManager([['assigned', 'assigned', 'failed'], ['failed'], ['starting', 'running']]);
    const handle = await new SwarmProvider(manager, config, () => ({}) as Docker).provision(spec);
    expect(handle).toMatchObject({ provider: 'swarm', host: 'worker1' });
    expect(created.slice(1).map((s) => s.TaskTemplate.Placement.Constraints)).toEqual([
      ['node.labels.labfleet.labs==true', 'node.id==w1'],
      ['node.labels.labfleet.labs==true', 'node.id==w1'],
    ]);
  });

  it('gives up with a retryable error naming the failure when the seat keeps failing', async () => {
    const { manager, created } = fakeManager([['assigned', 'assigned', 'failed'], ['failed'], ['failed'], ['running']]);
    const error = await new SwarmProvider(manager, config, () => ({}) as Docker).provision(spec).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: true, message: expect.stringMatching(/seat on worker1 did not start \(failed: cannot start a stopped process\)/) });
    expect(created).toHaveLength(3);
  });
});
