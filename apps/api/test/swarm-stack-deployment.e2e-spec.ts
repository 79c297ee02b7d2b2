import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { LabStatus } from '@labfleet/contracts';
import { acquireSharedSwarm, ApiClient, ClusterNode, eventually, releaseSharedSwarm, REPO_ROOT, SHARED_SWARM_WAIT_MS, SwarmTestCluster } from '@labfleet/testing';

jest.setTimeout(300_000);

const run = promisify(execFile);
const host = new Docker({ socketPath: '/var/run/docker.sock' });
const STACK_FILE = 'deploy/swarm-stack.yml';
/** What the stack's services run (the manager holds them all), and what lab nodes need besides the lab image: the mirror, and nginx for it to serve. */
const MANAGER_IMAGES = ['labfleet/labfleet:latest', 'postgres:16-alpine', 'redis:7-alpine'];
const WORKER_IMAGES = ['registry:2', 'nginx:latest'];

/**
 * This machine's postgres:16-alpine is the offline stand-in (shared/tools/offline-base-images.sh): it
 * reads POSTGRES_PASSWORD, not the official image's POSTGRES_PASSWORD_FILE, which the stack's secret
 * uses. On the manager only, the tag gets an entrypoint turning the one into the other (harmless
 * for the official image).
 */
const PASSWORD_FILE_SHIM = `docker build -q -t postgres:16-alpine - <<'EOF'
FROM postgres:16-alpine
RUN printf '%s\\n' '#!/bin/sh' 'if [ -n "$POSTGRES_PASSWORD_FILE" ]; then export POSTGRES_PASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"; unset POSTGRES_PASSWORD_FILE; fi' 'exec docker-entrypoint.sh "$@"' >/usr/local/bin/password-file-entrypoint && chmod +x /usr/local/bin/password-file-entrypoint
ENTRYPOINT ["password-file-entrypoint"]
CMD ["postgres"]
EOF\n`;

const seconds = (from: number, to = performance.now()) => ((to - from) / 1000).toFixed(1);

/** The shell steps at the top of the stack file (`#   docker …`, `#   openssl …`), without their comments. */
function headerSteps(stackFile: string): string[] {
  const header = stackFile.slice(0, stackFile.search(/^[^#\s]/m));
  return [...header.matchAll(/^# {3}((?:docker|openssl) .*?)(?:[ \t]+#.*)?$/gm)].map((m) => m[1]);
}

/**
 * The README's Swarm deployment: the steps at the top of `deploy/swarm-stack.yml`, as written, on a
 * real cluster (a manager that runs the stack and two workers for labs, DinD engines on mutual
 * TLS: the run's shared test cluster, see acquireSharedSwarm, removed and checked at the end of
 * the run). The images are loaded into the nodes (no registry here), so the mirror runs in push
 * mode. Only the cluster's nodes, containers the tests made, are contacted.
 */
describe('the Swarm stack deployment (deploy/swarm-stack.yml, docker stack deploy)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labfleet-swarm-stack-'));
  let cluster: SwarmTestCluster;
  let env: Record<string, string>;
  let client: ApiClient;
  let token: string;

  const cli = (script: string) => run('bash', ['-c', script], { cwd: dir, env, maxBuffer: 16 << 20 });
  /** Swarm's view of the stack's tasks and the last words of Labfleet's services, for a failure message. */
  async function stackReport(): Promise<string> {
    const out = (script: string) => cli(script).then((r) => (r.stdout + r.stderr).replace(/^(.{300}).+$/gm, '$1…'), (e: Error) => e.message);
    const logs = await Promise.all(['migrate', 'api', 'worker'].map((s) => out(`docker service logs --no-task-ids --tail 6 labfleet_${s}`)));
    return [await out('docker stack ps labfleet --no-trunc --format "{{.Name}} {{.CurrentState}} {{.Error}}"'), ...logs].join('\n');
  }

  /** The `docker node update … NODE` steps name their nodes by label: lab nodes are the workers, data stays on the manager. */
  function forNodes(step: string): string[] {
    if (!/\bNODE\b/.test(step)) return [step];
    const nodes: Record<string, ClusterNode[]> = { 'labfleet.labs=true': cluster.workers, 'labfleet.data=true': [cluster.manager] };
    const label = Object.keys(nodes).find((l) => step.includes(l));
    if (!label) throw new Error(`the stack file's step '${step}' labels nodes this test does not know`);
    return nodes[label].map((n) => step.replace(/\bNODE\b/, n.hostname));
  }

  beforeAll(async () => {
    await host.getImage('labfleet/labfleet:latest').inspect().catch(() => {
      throw new Error('labfleet/labfleet:latest is not on the engine: run bash deploy/build-images.sh');
    });
    const started = performance.now();
    cluster = await acquireSharedSwarm();
    await Promise.all([cluster.loadImages(MANAGER_IMAGES, [cluster.manager]), cluster.loadImages(WORKER_IMAGES, cluster.workers)]);
    const built = performance.now();
    // The docker CLI on the manager's engine; the platform's client certificate is the one every node trusts.
    env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...cluster.env(), DOCKER_TLS_VERIFY: '1', REGISTRY_MODE: 'push' };
    for (const file of ['ca.pem', 'cert.pem', 'key.pem']) copyFileSync(join(cluster.tlsDir, file), join(dir, file));
    await cli(PASSWORD_FILE_SHIM);
    mkdirSync(join(dir, 'deploy'));
    copyFileSync(join(REPO_ROOT, STACK_FILE), join(dir, STACK_FILE));

    const steps = headerSteps(readFileSync(join(dir, STACK_FILE), 'utf8'));
    expect(steps.at(-1)).toBe(`docker stack deploy -c ${STACK_FILE} labfleet`);
    // The images are in the nodes already; there is no registry to ask for their digests.
    for (const step of steps.flatMap(forNodes)) await cli(step.startsWith('docker stack deploy') ? `${step} --resolve-image never` : step);
    token = readFileSync(join(dir, 'admin-token'), 'utf8').trim();

    client = new ApiClient(`http://${cluster.manager.address}:3000`, token);
    await eventually(
      async () => {
        const health = await client.get('/health').then((r) => r.status, (e: Error) => e.message);
        if (health !== 200) throw new Error(`GET /health: ${health}`);
      },
      { timeoutMs: 180_000, intervalMs: 1000, what: "the stack's API on the manager's port 3000" },
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${await stackReport()}`);
    });
    console.log(`swarm stack: cluster and images ${seconds(started, built)} s, stack deployed and answering ${seconds(built)} s`);
  }, SHARED_SWARM_WAIT_MS + 600_000);

  afterAll(async () => {
    try {
      // The cluster is the run's: the stack goes also when a test failed before removing it.
      if (cluster) await cli('docker stack rm labfleet').catch(() => undefined);
    } finally {
      releaseSharedSwarm();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes a lab on a worker node through the API, serves its port through the API, and ends it', async () => {
    const created = await client.post('/api/v1/labs', { template: 'docker' });
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    const lab = await client.waitForLab(id, [LabStatus.Ready, LabStatus.Failed], 180_000);
    expect(lab).toMatchObject({ status: 'ready', provider: 'swarm' });
    expect(cluster.workers.map((n) => n.hostname)).toContain(lab.host);
    // nginx comes from the worker node's mirror, which the stack's worker fills beside its jobs.
    await client.waitForMirror();
    const nginx = await client.exec(id, ['docker', 'run', '-d', '-p', '8080:80', 'nginx'], { timeoutSeconds: 120 });
    const prepared = nginx.exitCode === 0 ? '' : (await cli('docker service logs --no-task-ids labfleet_worker 2>&1 | grep "mirror warm-up" || true')).stdout;
    expect(`${nginx.exitCode} ${nginx.stderr} ${prepared}`).toMatch(/^0 /);
    const page = await eventually(
      async () => {
        const res = await fetch(`${client.baseUrl}/labs/${id}/ports/8080/`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(200);
        return res.text();
      },
      { what: 'nginx in the lab, through the port proxy' },
    );
    expect(page).toContain('Welcome to nginx');

    expect((await client.delete(`/api/v1/labs/${id}`)).status).toBe(202);
    await client.waitForLab(id, [LabStatus.Stopped], 60_000);
    const [manager, worker] = [cluster.manager.engine, cluster.nodeOf(lab.host).engine];
    const filters = { label: [`labfleet.lab-id=${id}`] };
    // The seat's container is Swarm's to remove, moments after its service.
    await eventually(
      async () => {
        const [s, c, n, v] = await Promise.all([manager.listServices({ filters }), worker.listContainers({ all: true, filters }), worker.listNetworks({ filters }), worker.listVolumes({ filters })]);
        expect([...s.map((x) => x.Spec?.Name), ...c.map((x) => x.Names[0]), ...n.map((x) => x.Name), ...(v.Volumes ?? []).map((x) => x.Name)]).toEqual([]);
      },
      { timeoutMs: 30_000, what: "the lab's seat, containers, networks and volumes to leave the cluster" },
    );
  });

  // The cluster's own removal (nodes, their disks, network, certificates) is checked by the run's global teardown.
  it('docker stack rm leaves nothing of the stack behind', async () => {
    const started = performance.now();
    await cli('docker stack rm labfleet');
    const filters = { label: ['com.docker.stack.namespace=labfleet'] };
    await eventually(
      async () => {
        const [s, c, n] = await Promise.all([cluster.manager.engine.listServices({ filters }), cluster.manager.engine.listContainers({ all: true, filters }), cluster.manager.engine.listNetworks({ filters })]);
        expect([...s.map((x) => x.Spec?.Name), ...c.map((x) => x.Names[0]), ...n.map((x) => x.Name)]).toEqual([]);
      },
      { timeoutMs: 60_000, what: "the stack's services, containers and networks to leave the manager" },
    );
    console.log(`swarm stack: docker stack rm ${seconds(started)} s`);
  });
});
