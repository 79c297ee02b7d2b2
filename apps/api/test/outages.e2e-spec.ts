import { LabStatus } from '@labfleet/contracts';
import { ApiClient, CuttableProxy, eventually, LabfleetStack, TenantBuilder, TEST_PASSWORD } from '@labfleet/testing';

jest.setTimeout(180_000);

/**
 * Postgres, Redis and the Docker socket reach the API through relays on loopback that the test
 * cuts and restores: the services themselves stay up for everyone else on the machine.
 */
describe('when Postgres, Redis or Docker is down the API answers 503 within a second, and recovers', () => {
  let stack: LabfleetStack;
  let pg: CuttableProxy;
  let redis: CuttableProxy;
  let engine: CuttableProxy;

  const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const started = performance.now();
    const result = await fn();
    return [result, performance.now() - started];
  };

  beforeAll(async () => {
    pg = await CuttableProxy.start({ port: 5432 });
    redis = await CuttableProxy.start({ port: 6379 });
    engine = await CuttableProxy.start({ path: '/var/run/docker.sock' }, { path: `/tmp/labfleet-docker-${process.pid}.sock` });
    stack = await LabfleetStack.start({}, 1);
    await stack.api.stop();
    const url = new URL(stack.instance.db.url);
    url.port = String(pg.port);
    await stack.startApi({ DATABASE_URL: url.toString(), REDIS_URL: `redis://127.0.0.1:${redis.port}`, DOCKER_HOST: `unix://${engine.path}` });
  });
  afterAll(async () => {
    await stack?.stop();
    await Promise.all([pg?.cut(), redis?.cut(), engine?.cut()]);
  });

  it('Postgres down: 503 naming the database, then back to normal', async () => {
    await pg.cut();
    const [res, ms] = await timed(() => stack.client.get('/api/v1/labs'));
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ dependency: 'database', message: expect.stringMatching(/database is unavailable/) });
    expect(res.headers.get('retry-after')).toBe('5');
    expect(ms).toBeLessThan(1000);
    const health = await stack.client.get('/health');
    expect(health.status).toBe(503);
    expect(health.body.checks.database.ok).toBe(false);
    await pg.restore();
    expect((await stack.client.get('/api/v1/labs')).status).toBe(200);
  });

  it('logins retried through a Postgres outage are not counted against the account: it can sign in once the database is back', async () => {
    const tenants = new TenantBuilder(stack.client);
    const { email } = await tenants.person((await tenants.school('outage-login')).id, 'student', 'outage-login@example.test');
    const anonymous = new ApiClient(stack.client.baseUrl, null);
    await pg.cut();
    // More than the account's 10 a minute: each one counted would make the last ones 429.
    for (let i = 0; i < 12; i++) expect((await anonymous.post('/api/v1/auth/login', { email, password: TEST_PASSWORD })).status).toBe(503);
    await pg.restore();
    expect((await anonymous.post('/api/v1/auth/login', { email, password: TEST_PASSWORD })).status).toBe(200);
  });

  it('Redis down: a new lab is refused with 503 and nothing is recorded; it works again after', async () => {
    const before = (await stack.client.get('/api/v1/labs')).body.total;
    await redis.cut();
    const [res, ms] = await timed(() => stack.client.post('/api/v1/labs', { template: 'docker' }));
    expect(res.status).toBe(503);
    expect(res.body.dependency).toBe('redis');
    expect(ms).toBeLessThan(1000);
    expect((await stack.client.get('/api/v1/labs')).body.total).toBe(before);
    await redis.restore();
    // ioredis reconnects on its own schedule; until then a request is refused and records nothing.
    const created = await eventually(
      async () => {
        const res = await stack.client.post('/api/v1/labs', { template: 'docker' });
        expect(res.status).toBe(202);
        return res;
      },
      { timeoutMs: 10_000, what: 'a lab request to be accepted once Redis is back' },
    );
    expect((await stack.client.get('/api/v1/labs')).body.total).toBe(before + 1);
    await stack.client.waitForLab(created.body.id, [LabStatus.Ready]);
  });

  it('Docker down: new labs and exec answer 503 naming docker; a ready lab is intact after', async () => {
    const lab = await stack.client.waitForLab((await stack.client.post('/api/v1/labs', { template: 'docker' })).body.id, [LabStatus.Ready]);
    await engine.cut();
    const [create, ms] = await timed(() => stack.client.post('/api/v1/labs', { template: 'docker' }));
    expect(create.status).toBe(503);
    expect(create.body.dependency).toBe('docker');
    expect(ms).toBeLessThan(1500);
    const exec = await stack.client.post(`/api/v1/labs/${lab.id}/exec`, { command: ['true'] });
    expect(exec.status).toBe(503);
    expect((await stack.client.get('/health')).body.checks.provider.ok).toBe(false);
    await engine.restore();
    expect((await stack.client.exec(lab.id, ['docker', 'info', '--format', '{{.ServerVersion}}'])).exitCode).toBe(0);
    expect((await stack.client.get('/health')).status).toBe(200);
  });
});
