import { randomBytes } from 'node:crypto';
import { LabStatus } from '@labfleet/contracts';
import { labFilter, placementServiceName, SwarmProvider } from '@labfleet/provider-docker';
import {
  acquireSharedSwarm,
  consistently,
  eventually,
  labProviderContract,
  LabfleetStack,
  releaseSharedSwarm,
  SHARED_SWARM_WAIT_MS,
  SwarmTestCluster,
  TEST_ADMIN_TOKEN,
  TEST_LAB_IMAGE,
  testConfig,
} from '@labfleet/testing';

jest.setTimeout(240_000);

const seatExists = (cluster: SwarmTestCluster, labId: string) => cluster.manager.engine.getService(placementServiceName(labId)).inspect().then(() => true, () => false);

/**
 * A real Swarm cluster of three Docker Engines (DinD containers on this machine: a manager and two
 * 2-CPU workers labelled labfleet.labs=true, engines on mutual TLS), the run's shared one (see
 * acquireSharedSwarm), first for the provider's contract, then for Labfleet's API and worker with
 * LAB_PROVIDER=swarm. The file hands it back with its nodes up and nothing left of its labs.
 */
let cluster: SwarmTestCluster;
const instances: string[] = [];
beforeAll(async () => {
  cluster = await acquireSharedSwarm();
}, SHARED_SWARM_WAIT_MS + 300_000);
afterAll(async () => {
  try {
    for (const instance of instances) await cluster?.removeInstance(instance);
  } finally {
    releaseSharedSwarm();
  }
});

describe('SwarmProvider (the LabProvider contract, as on a single host)', () => {
  const instance = `t${randomBytes(4).toString('hex')}`;
  instances.push(instance);
  let provider: SwarmProvider;
  beforeAll(() => {
    provider = new SwarmProvider(cluster.manager.engine, testConfig(instance, { ...cluster.env(), REGISTRY_MODE: 'off' }));
  });

  /** The lab's seat on the manager, and its containers, networks and volumes on every node. */
  async function resourcesOf(labId: string): Promise<string[]> {
    const filters = labFilter(instance, labId);
    const seat = (await seatExists(cluster, labId)) ? [`service:${placementServiceName(labId)}`] : [];
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

/** Default reconcile interval (30 s), so "lost node within a minute" is the shipped behaviour. */
describe('labs on a Docker Swarm cluster through the API (LAB_PROVIDER=swarm)', () => {
  // The contract suite above sets its own (shorter) timeout for the file; these need more.
  jest.setTimeout(240_000);
  let stack: LabfleetStack;

  const create = async (template: string) => {
    const res = await stack.client.post('/api/v1/labs', { template });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const ready = (id: string) => stack.client.waitForLab(id, [LabStatus.Ready, LabStatus.Failed], 120_000);
  const stop = async (id: string) => {
    await stack.client.delete(`/api/v1/labs/${id}`);
    return stack.client.waitForLab(id, [LabStatus.Stopped], 60_000);
  };

  beforeAll(async () => {
    stack = await LabfleetStack.start({ ...cluster.env(), REGISTRY_MODE: 'off', TEMPLATES_FILE: 'apps/api/test/fixtures/swarm-templates.json', PLACEMENT_TIMEOUT_SECONDS: '10' });
    instances.push(stack.instance.instance);
  });
  // A failed test must not leave labs holding room that the next test counts on.
  afterEach(async () => {
    const live = (await stack.client.get('/api/v1/labs?status=pending,provisioning,ready&limit=100')).body.items ?? [];
    await Promise.all(live.map((l: { id: string }) => stop(l.id).catch(() => undefined)));
  });
  afterAll(() => stack?.stop());

  it('runs a lab on a worker node, from request to clean-up, with nothing left on any node', async () => {
    const lab = await ready(await create('docker'));
    expect(lab).toMatchObject({ status: 'ready', provider: 'swarm', nodes: [{ name: 'node1' }] });
    expect(['worker1', 'worker2']).toContain(lab.host);
    const info = await stack.client.exec(lab.id, ['docker', 'info', '--format', '{{.ServerVersion}}']);
    expect(info).toMatchObject({ exitCode: 0 });
    // The lab's containers are on the node Swarm chose, and only there.
    const where = await Promise.all(cluster.workers.map(async (n) => (await n.engine.listContainers({ filters: { label: [`labfleet.lab-id=${lab.id}`, 'labfleet.role=lab'] } })).length));
    expect(where).toEqual(cluster.workers.map((n) => (n.hostname === lab.host ? 1 : 0)));
    expect(await seatExists(cluster, lab.id)).toBe(true);
    // A port on the lab node, served through the API: the worker node's bridge is out of the API's reach, the engine carries it.
    // (The little server reads the request before it answers and closes: unread bytes would turn its close into a reset.)
    const answer = 'timeout 0.3 cat >/dev/null; printf "HTTP/1.0 200 OK\\r\\n\\r\\nhello from %s" "$(hostname)"';
    const serve = await stack.client.sh(lab.id, `echo '${answer}' >/tmp/answer && (setsid socat TCP-LISTEN:7000,reuseaddr,fork EXEC:'sh /tmp/answer' </dev/null >/dev/null 2>&1 &)`);
    expect(serve.exitCode).toBe(0);
    await eventually(
      async () => {
        const page = await fetch(`${stack.client.baseUrl}/labs/${lab.id}/ports/7000/`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
        expect([page.status, await page.text()]).toEqual([200, 'hello from node1']);
      },
      { what: 'the lab’s port 7000 to be served through the API' },
    );

    await stop(lab.id);
    expect(await seatExists(cluster, lab.id)).toBe(false);
    // The seat's own container is Swarm's to remove, moments after its service.
    const left = async () => {
      const filters = { label: [`labfleet.lab-id=${lab.id}`] };
      const counts = await Promise.all(
        cluster.workers.map(async ({ engine }) => {
          const [c, n, v] = await Promise.all([engine.listContainers({ all: true, filters }), engine.listNetworks({ filters }), engine.listVolumes({ filters })]);
          return c.length + n.length + (v.Volumes?.length ?? 0);
        }),
      );
      return counts.reduce((a, b) => a + b, 0);
    };
    await eventually(async () => expect(await left()).toBe(0), { timeoutMs: 15_000, intervalMs: 250, what: `Swarm to remove what lab ${lab.id} had` });
  });

  it('spreads labs by their reservations: a full node gets no more, a lab waits in pending with Swarm’s reason, then starts when room frees', async () => {
    const [a, b] = await Promise.all([create('wide'), create('wide')]).then((ids) => Promise.all(ids.map(ready)));
    expect([a.status, b.status]).toEqual(['ready', 'ready']);
    expect(new Set([a.host, b.host]).size).toBe(2);

    const c = await create('wide');
    const labC = async () => (await stack.client.get(`/api/v1/labs/${c}`)).body;
    await eventually(async () => expect(await labC()).toMatchObject({ status: 'pending', waitReason: expect.stringMatching(/no suitable node \(insufficient resources on 2 nodes/) }), {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'the third lab to wait with Swarm’s reason',
    });
    // With no room anywhere, it keeps waiting (the worker asks Swarm again every 2 s).
    await consistently(async () => expect((await labC()).status).toBe('pending'), { forMs: 3000, intervalMs: 250 });

    await stop(a.id);
    const third = await ready(c);
    expect(third).toMatchObject({ status: 'ready', host: a.host, waitReason: null });
  });

  it('fails a lab no node can ever hold after PLACEMENT_TIMEOUT_SECONDS, with the reason, and keeps its record', async () => {
    const id = await create('huge');
    const failed = await stack.client.waitForLab(id, [LabStatus.Failed, LabStatus.Ready], 60_000);
    expect(failed.status).toBe('failed');
    expect(failed.failureReason).toMatch(/no node of the cluster had room for this lab within 10 s: no suitable node \(insufficient resources on \d nodes/);
    // The lab is marked failed first, then its seat is removed: under load that takes a moment.
    await eventually(async () => expect(await seatExists(cluster, id)).toBe(false), { timeoutMs: 30_000, intervalMs: 250, what: "the failed lab's seat to be removed" });
    const events = (await stack.client.get(`/api/v1/labs/${id}/events`)).body.map((e: any) => e.to);
    expect(events).toEqual(['pending', 'failed']);
  });

  it('a drained node gets no new labs; the labs already on it keep running', async () => {
    const first = await ready(await create('docker'));
    const drained = first.host;
    const other = cluster.workers.find((n) => n.hostname !== drained)!.hostname;
    await cluster.setAvailability(drained, 'drain');
    try {
      const after = await Promise.all([create('docker'), create('docker')]).then((ids) => Promise.all(ids.map(ready)));
      expect(after.map((l) => l.host)).toEqual([other, other]);
      // Draining is not a loss: the lab already on the drained node stays ready.
      await consistently(async () => expect((await stack.client.get(`/api/v1/labs/${first.id}`)).body.status).toBe('ready'), { forMs: 2000, intervalMs: 250 });
      expect(await stack.client.exec(first.id, ['docker', 'ps', '-q'])).toMatchObject({ exitCode: 0 });
    } finally {
      await cluster.setAvailability(drained, 'active');
    }
  });

  it('isolation holds across nodes: a lab reaches neither what another lab serves nor another node’s engine', async () => {
    const [a, b] = await Promise.all([create('wide'), create('wide')]).then((ids) => Promise.all(ids.map(ready)));
    expect(a.host).not.toBe(b.host);
    const nodeA = cluster.nodeOf(a.host).address;
    // Something listening in lab A on every address, as `docker run -p 8080:80` would be.
    const serve = `nohup perl -MIO::Socket::INET -e '$s=IO::Socket::INET->new(LocalPort=>8080,Listen=>5,ReuseAddr=>1) or die; while($c=$s->accept){while(<$c>){last if /^\\r?$/} print $c "HTTP/1.0 200 OK\\r\\n\\r\\nlab-a\\n"; close $c}' >/dev/null 2>&1 &`;
    expect((await stack.client.sh(a.id, serve)).exitCode).toBe(0);
    await eventually(async () => expect((await stack.client.sh(a.id, `curl -sf --max-time 2 http://${a.nodes[0].address}:8080/`)).stdout.trim()).toBe('lab-a'), {
      intervalMs: 200,
      what: 'lab A to answer on its own address',
    });
    // From lab B, on the other node: lab A's port is not on its node's address, and the node's
    // engine answers nobody without the platform's client certificate.
    const probe = await stack.client.sh(b.id, [
      `curl -s --max-time 3 http://${nodeA}:8080/ >/dev/null && echo port-reachable || echo port-blocked`,
      `curl -sk --max-time 3 https://${nodeA}:2376/version | grep -q ApiVersion && echo engine-open || echo engine-closed`,
    ].join('; '));
    expect(probe.stdout.trim().split('\n')).toEqual(['port-blocked', 'engine-closed']);
  });

  it('a lost node (its engine stops): its labs are marked failed with the reason within a minute, their records stay', async () => {
    const labs = await Promise.all([create('wide'), create('wide')]).then((ids) => Promise.all(ids.map(ready)));
    const lost = labs.find((l) => l.host === 'worker2')!;
    const kept = labs.find((l) => l.host === 'worker1')!;
    const started = performance.now();
    await cluster.loseNode('worker2');
    try {
      const failed = await stack.client.waitForLab(lost.id, [LabStatus.Failed], 60_000);
      const seconds = (performance.now() - started) / 1000;
      expect(seconds).toBeLessThan(60);
      expect(failed.failureReason).toMatch(/cluster node worker2 is down/);
      expect(failed.host).toBe('worker2');
      expect((await stack.client.get(`/api/v1/labs/${kept.id}`)).body.status).toBe('ready');
      expect(await stack.client.exec(kept.id, ['true'])).toMatchObject({ exitCode: 0 });
      const events = (await stack.client.get(`/api/v1/labs/${lost.id}/events`)).body;
      expect(events.at(-1)).toMatchObject({ to: 'failed', actor: 'reconciler' });
      console.log(`lost node: lab marked failed ${seconds.toFixed(1)} s after its engine stopped`);
    } finally {
      // The cluster is the run's: the next file finds all its nodes up.
      await cluster.reviveNode('worker2');
    }
  });
});
