import { LabStatus } from '@labfleet/contracts';
import { ApiClient, eventually, freePort, NO_RESOURCES, NpmScriptProcess, TEST_ADMIN_TOKEN, TestInstance } from '@labfleet/testing';

jest.setTimeout(240_000);

/**
 * The README's "Without Compose" path, word for word: `npm run migrate` on an empty database, then
 * `npm run start:api` and `npm run start:worker` from the repository root with the variables in the
 * environment (the build is CI's `npm run build`), and the first lab of "Run it" made through them.
 */
describe('Labfleet without Compose (README: npm run migrate, start:api, start:worker)', () => {
  let instance: TestInstance;
  let env: Record<string, string>;
  const started: NpmScriptProcess[] = [];
  let client: ApiClient;

  beforeAll(async () => {
    instance = await TestInstance.create({ migrate: false });
    const port = await freePort();
    env = instance.env({ PORT: String(port) });
    client = new ApiClient(`http://127.0.0.1:${port}`, TEST_ADMIN_TOKEN);
  });

  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    await instance?.destroy();
  });

  it('npm run migrate applies every migration to an empty database and exits 0', async () => {
    const migrate = NpmScriptProcess.start('migrate', `${instance.instance}-migrate`, env);
    expect(await migrate.waitForExit()).toBe(0);
    expect(migrate.logs).toMatch(/"message":"migrations applied","applied":\["InitialSchema\d+"/);
  });

  it('npm run start:api and start:worker serve a lab from request to its published port, and end it', async () => {
    const api = NpmScriptProcess.start('start:api', `${instance.instance}-api`, env);
    started.push(api);
    await api.waitForLog('Nest application successfully started');
    const worker = NpmScriptProcess.start('start:worker', `${instance.instance}-worker`, env);
    started.push(worker);
    await worker.waitForLog('"worker started"', 120_000);
    expect((await client.get('/health')).status).toBe(200);

    const created = await client.post('/api/v1/labs', { template: 'docker' });
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    await client.waitForLab(id, [LabStatus.Ready], 120_000);
    await client.waitForMirror();
    await client.exec(id, ['docker', 'run', '-d', '-p', '8080:80', 'nginx']);
    const page = await eventually(async () => {
      const res = await fetch(`${client.baseUrl}/labs/${id}/ports/8080/`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      expect(res.status).toBe(200);
      return res.text();
    }, { what: 'nginx in the lab, through the port proxy' });
    expect(page).toContain('Welcome to nginx');

    expect((await client.delete(`/api/v1/labs/${id}`)).status).toBe(202);
    await client.waitForLab(id, [LabStatus.Stopped], 60_000);
    expect(await instance.resources(id)).toEqual(NO_RESOURCES);
  });
});
