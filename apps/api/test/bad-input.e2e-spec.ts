import { ApiClient, LabfleetProcess, LabfleetStack } from '@labfleet/testing';

jest.setTimeout(120_000);

describe('bad input gets a clear 4xx and changes nothing', () => {
  let stack: LabfleetStack;
  const labCount = async () => (await stack.client.get('/api/v1/labs')).body.total;

  beforeAll(async () => {
    stack = await LabfleetStack.start({}, 0);
  });
  afterAll(() => stack?.stop());

  it('malformed JSON is a 400', async () => {
    const res = await stack.client.request('POST', '/api/v1/labs', undefined, '{"template": ');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/JSON/i);
  });

  it('unknown fields are a 400 naming them', async () => {
    const res = await stack.client.post('/api/v1/labs', { template: 'docker', gpu: true });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('property gpu should not exist');
  });

  it('a missing or unknown template is a 400 naming it', async () => {
    const before = await labCount();
    expect((await stack.client.post('/api/v1/labs', {})).body.message).toEqual(expect.arrayContaining([expect.stringMatching(/template/)]));
    const res = await stack.client.post('/api/v1/labs', { template: 'kubernetes-99' });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("unknown template 'kubernetes-99' (known: docker, kubernetes, swarm-3, swarm-5)");
    expect(await labCount()).toBe(before);
  });

  it('a template this backend cannot make is a 400 saying why, listed as not offered, and no lab is made', async () => {
    const before = await labCount();
    const why = "template 'kubernetes' gives each student a Kubernetes namespace of their own, which only LAB_PROVIDER=kubernetes offers; this installation runs labs on docker";
    const res = await stack.client.post('/api/v1/labs', { template: 'kubernetes' });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(why);
    expect(await labCount()).toBe(before);
    const templates: { name: string; notOffered: string | null; kubernetes: unknown }[] = (await stack.client.get('/api/v1/templates')).body;
    expect(templates.find((t) => t.name === 'kubernetes')).toMatchObject({ notOffered: why, kubernetes: { pods: 20, cpus: 2, memoryMb: 2048 } });
    expect(templates.find((t) => t.name === 'docker')).toMatchObject({ notOffered: null, kubernetes: null });
    const pool = await stack.client.request('PUT', '/api/v1/pools/kubernetes', { min: 1 });
    expect([pool.status, pool.body.message]).toEqual([400, why]);
  });

  it('bad filters and exec bodies are 400s', async () => {
    expect((await stack.client.get('/api/v1/labs?status=running')).body.message).toEqual([expect.stringMatching(/status must be among: pending, provisioning/)]);
    expect((await stack.client.get('/api/v1/labs?limit=1000')).status).toBe(400);
  });

  it('unknown ids are 404, whether well-formed or not', async () => {
    for (const path of ['/api/v1/labs/5b0e7f8e-6a55-4c51-9d53-3a1f3b9c8a11', '/api/v1/labs/nope', '/api/v1/labs/nope/events']) {
      const res = await stack.client.get(path);
      expect(res.status).toBe(404);
      expect(res.body.message).toMatch(/lab '.*' not found/);
    }
    expect((await stack.client.delete('/api/v1/labs/5b0e7f8e-6a55-4c51-9d53-3a1f3b9c8a11')).status).toBe(404);
    expect((await stack.client.post('/api/v1/labs/5b0e7f8e-6a55-4c51-9d53-3a1f3b9c8a11/exec', { command: ['true'] })).status).toBe(404);
  });

  it('exec in a lab that is not ready is a 409, and a bad command is a 400', async () => {
    const { body } = await stack.client.post('/api/v1/labs', { template: 'docker' }); // no worker: stays pending
    const res = await stack.client.post(`/api/v1/labs/${body.id}/exec`, { command: ['docker', 'ps'] });
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/is pending; commands run only in a ready lab/);
    expect((await stack.client.post(`/api/v1/labs/${body.id}/exec`, { command: [] })).body.message).toEqual(['command must name a program']);
    expect((await stack.client.post(`/api/v1/labs/${body.id}/exec`, { command: ['ls'], timeoutSeconds: 9999 })).status).toBe(400);
  });

  it('every /api/v1 call needs the admin token; /health and /docs are open', async () => {
    const anonymous = new ApiClient(stack.client.baseUrl, null);
    const wrong = new ApiClient(stack.client.baseUrl, 'not-the-token');
    expect((await anonymous.get('/api/v1/labs')).status).toBe(401);
    expect((await wrong.get('/api/v1/templates')).status).toBe(401);
    expect((await wrong.post('/api/v1/labs', { template: 'docker' })).status).toBe(401);
    expect((await anonymous.get('/health')).status).toBe(200);
    const docs = await anonymous.get('/docs');
    expect(docs.status).toBe(200);
    expect(String(docs.body)).toMatch(/swagger/i);
    const spec = await anonymous.get('/docs-json');
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/api/v1/labs', '/api/v1/labs/{id}', '/api/v1/labs/{id}/exec', '/api/v1/templates']));
  });

  it('the API refuses to start without an admin token, naming the variable', async () => {
    const env = stack.env({ PORT: '0' });
    delete env.LABFLEET_ADMIN_TOKEN;
    const api = LabfleetProcess.start('api', `${stack.instance.instance}-api-no-token`, env);
    expect(await api.waitForExit()).toBe(2);
    expect(api.logs).toMatch(/LABFLEET_ADMIN_TOKEN must be at least 16 characters/);
  });
});
