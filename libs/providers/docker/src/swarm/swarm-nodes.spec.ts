import { schedulableCapacity, toSwarmNode } from './swarm-nodes';

const GIB = 1024 ** 3;
const raw = (over: Record<string, any> = {}) => ({
  ID: 'n1',
  Description: { Hostname: 'worker1', Platform: { OS: 'linux', Architecture: 'x86_64' }, Resources: { NanoCPUs: 4e9, MemoryBytes: 8 * GIB } },
  Spec: { Role: 'worker', Availability: 'active', Labels: { 'labfleet.labs': 'true' } },
  Status: { State: 'ready', Addr: '10.0.0.5' },
  ...over,
});

describe('toSwarmNode', () => {
  it('reaches the engine at the node address and the configured port, unless a labfleet.engine label says where', () => {
    expect(toSwarmNode(raw(), 2376).engineUrl).toBe('tcp://10.0.0.5:2376');
    expect(toSwarmNode(raw({ Spec: { Role: 'worker', Availability: 'active', Labels: { 'labfleet.engine': 'tcp://engine.example:2376' } } }), 2376).engineUrl).toBe('tcp://engine.example:2376');
  });

  it("uses a manager's manager address when its node address reads 0.0.0.0", () => {
    const node = toSwarmNode(raw({ Status: { State: 'ready', Addr: '0.0.0.0' }, ManagerStatus: { Addr: '10.0.0.9:2377' } }), 2375);
    expect(node.engineUrl).toBe('tcp://10.0.0.9:2375');
  });

  it('says why a node takes no labs: down, or drained', () => {
    expect(toSwarmNode(raw(), 2375)).toMatchObject({ schedulable: true, state: 'ready' });
    expect(toSwarmNode(raw({ Status: { State: 'down', Message: 'heartbeat failure' } }), 2375)).toMatchObject({ schedulable: false, state: 'down', message: 'heartbeat failure' });
    expect(toSwarmNode(raw({ Spec: { Role: 'worker', Availability: 'drain', Labels: {} } }), 2375)).toMatchObject({ schedulable: false, state: 'ready, drain' });
  });

  it.each([
    [['node.labels.labfleet.labs==true'], true],
    [['node.labels.labfleet.labs==false'], false],
    [['node.labels.gpu!=yes'], true],
    [['node.role==manager'], false],
    [['node.role!=manager', 'node.platform.os==linux'], true],
    [['node.hostname==WORKER1'], true],
    [['engine.labels.disk==ssd'], true],
  ])('matches constraints %j like Swarm: %s', (constraints, expected) => {
    expect(toSwarmNode(raw(), 2375).matches(constraints)).toBe(expected);
  });
});

describe('schedulableCapacity', () => {
  it('adds up the ready, active nodes that match the constraints', () => {
    const nodes = [
      toSwarmNode(raw(), 2375),
      toSwarmNode(raw({ ID: 'n2', Status: { State: 'down' } }), 2375),
      toSwarmNode(raw({ ID: 'n3', Spec: { Role: 'manager', Availability: 'active', Labels: {} } }), 2375),
      toSwarmNode(raw({ ID: 'n4' }), 2375),
    ];
    expect(schedulableCapacity(nodes, ['node.labels.labfleet.labs==true'])).toEqual({ cpus: 8, memoryMb: 16 * 1024 });
  });
});
