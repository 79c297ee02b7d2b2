import type Docker from 'dockerode';
import type { LabRuntime } from '@labfleet/domain';
import { DockerProvider } from '../docker.provider';
import { placementServiceName } from './placement-service.builder';
import { SwarmProvider } from './swarm.provider';

/**
 * Reconcile's one read of a Swarm cluster against a stand-in for the manager's API and the nodes'
 * engines (a real cluster cannot be made to lose a node or a seat on demand): every lab comes out
 * as `inspect` reads it lab by lab, from three calls to the manager and one per ready node.
 */
const node = (id: string, state: string, availability: string, message?: string) => ({
  ID: id,
  Description: { Hostname: id.replace('w', 'worker'), Resources: { NanoCPUs: 2e9, MemoryBytes: 2 ** 31 } },
  Spec: { Role: 'worker', Availability: availability, Labels: {} },
  Status: { State: state, Addr: `10.0.0.${id.slice(1)}`, Message: message },
});
const NODES = [node('w1', 'ready', 'active'), node('w2', 'down', 'active', 'heartbeat failure'), node('w3', 'ready', 'drain')];

const running: LabRuntime = { state: 'running' };
const gone: LabRuntime = { state: 'gone' };
/** What each node's engine runs, by its engine address. */
const ON_ENGINES: Record<string, Record<string, LabRuntime>> = {
  'tcp://10.0.0.1:2376': { a: running, b: { state: 'stopped', reason: 'lab node node1 stopped (exit code 137)' }, h: running, f: gone, j: gone },
  'tcp://10.0.0.3:2376': { f: running },
};

/** Seats by lab, each with its tasks (node, state, when made); `g` has a seat but no task yet. */
const SEATS: Record<string, { NodeID?: string; state: string; CreatedAt: string }[]> = {
  a: [{ NodeID: 'w1', state: 'running', CreatedAt: '2026-03-04T10:00:00Z' }],
  b: [{ NodeID: 'w1', state: 'running', CreatedAt: '2026-03-04T10:00:00Z' }],
  c: [{ NodeID: 'w2', state: 'running', CreatedAt: '2026-03-04T10:00:00Z' }],
  d: [{ NodeID: 'w9', state: 'running', CreatedAt: '2026-03-04T10:00:00Z' }],
  e: [{ state: 'pending', CreatedAt: '2026-03-04T10:00:00Z' }],
  g: [],
  // Its first seat failed on w2 and was made again on w1: the newest task counts.
  h: [
    { NodeID: 'w1', state: 'running', CreatedAt: '2026-03-04T10:01:00Z' },
    { NodeID: 'w2', state: 'failed', CreatedAt: '2026-03-04T10:00:00Z' },
  ],
};

function fakeManager() {
  const services = Object.keys(SEATS).map((lab) => ({ ID: `svc-${lab}`, Spec: { Name: placementServiceName(lab), Labels: { 'labfleet.lab-id': lab } } }));
  const tasks = [
    ...Object.entries(SEATS).flatMap(([lab, list]) => list.map((t) => ({ ServiceID: `svc-${lab}`, NodeID: t.NodeID, CreatedAt: t.CreatedAt, Status: { State: t.state } }))),
    { ServiceID: 'svc-not-a-seat', NodeID: 'w1', CreatedAt: '2026-03-04T11:00:00Z', Status: { State: 'running' } },
  ];
  const serviceNamed = (name: string) => services.find((s) => s.Spec.Name === name);
  return {
    listServices: jest.fn(async () => services),
    listTasks: jest.fn(async (options?: { filters?: { service?: string[] } }) => {
      const name = options?.filters?.service?.[0];
      return name ? tasks.filter((t) => t.ServiceID === serviceNamed(name)?.ID) : tasks;
    }),
    listNodes: jest.fn(async () => NODES),
    getNode: (id: string) => ({ inspect: async () => NODES.find((n) => n.ID === id) ?? Promise.reject(Object.assign(new Error('no such node'), { statusCode: 404 })) }),
  };
}

const config = { instance: 'runtimes-test', provider: {}, registry: {}, swarm: { constraints: [], enginePort: 2376 } } as any;
const engineOf = (engine: DockerProvider) => ON_ENGINES[(engine as unknown as { docker: { url: string } }).docker.url] ?? {};

describe('SwarmProvider.labRuntimes', () => {
  let bulk: jest.SpyInstance;
  let inspect: jest.SpyInstance;
  beforeEach(() => {
    bulk = jest.spyOn(DockerProvider.prototype, 'labRuntimes').mockImplementation(async function (this: DockerProvider) {
      return new Map(Object.entries(engineOf(this)));
    });
    inspect = jest.spyOn(DockerProvider.prototype, 'inspect').mockImplementation(async function (this: DockerProvider, labId: string) {
      return engineOf(this)[labId] ?? gone;
    });
  });
  afterEach(() => jest.restoreAllMocks());

  it('reads every lab in three calls to the manager and one to each ready node, and says what inspect says of each', async () => {
    const manager = fakeManager();
    const swarm = new SwarmProvider(manager as unknown as Docker, config, (url) => ({ url }) as unknown as Docker);
    const runtimes = await swarm.labRuntimes();
    expect([manager.listServices.mock.calls.length, manager.listTasks.mock.calls, manager.listNodes.mock.calls.length]).toEqual([1, [[]], 1]);
    expect([bulk.mock.calls.length, inspect.mock.calls.length]).toEqual([2, 0]);
    expect(Object.fromEntries(runtimes)).toEqual({
      a: running,
      b: { state: 'stopped', reason: 'lab node node1 stopped (exit code 137)' },
      c: { state: 'stopped', reason: 'cluster node worker2 is down (heartbeat failure)' },
      d: { state: 'gone', reason: 'its cluster node was removed from the swarm' },
      e: { state: 'stopped', reason: 'the lab has no node' },
      // Seatless: whatever a node still runs of it.
      f: running,
      g: gone,
      h: running,
      j: gone,
    });
    for (const [id, runtime] of runtimes) expect([id, await swarm.inspect(id)]).toEqual([id, runtime]);
  });
});
