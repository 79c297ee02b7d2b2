import { LabfleetStack, TEST_ADMIN_TOKEN } from '@labfleet/testing';

jest.setTimeout(120_000);

const nested = (levels: number) => `{"email":${'['.repeat(levels)}${']'.repeat(levels)},"password":"x"}`;

/** Request bodies built to hurt the parser or the validators get a 4xx naming what is wrong, never a 500. */
describe('hostile request bodies', () => {
  let stack: LabfleetStack;
  const send = (path: string, body: string, token?: string) =>
    fetch(`http://127.0.0.1:${stack.port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });

  beforeAll(async () => {
    stack = await LabfleetStack.start({}, 0);
  });
  afterAll(() => stack?.stop());

  it.each([
    ['/api/v1/auth/login', undefined],
    ['/api/v1/auth/refresh', undefined],
    ['/api/v1/schools', TEST_ADMIN_TOKEN],
  ])('JSON nested 2 000 levels deep on %s is a 400 naming the depth limit', async (path, token) => {
    const res = await send(path, nested(2000), token);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toBe('request body nests deeper than 32 levels');
  });

  it('a JSON body over 100 kB is a 413 naming the limit', async () => {
    const res = await send('/api/v1/auth/login', JSON.stringify({ email: 'a'.repeat(200_000), password: 'x' }));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toBe('request entity too large');
  });

  it('a body within the limit still reaches validation, and malformed JSON is a 400 too', async () => {
    const shallow = await send('/api/v1/auth/login', nested(20));
    expect(shallow.status).toBe(400);
    expect(JSON.stringify(await shallow.json())).toMatch(/email/);
    expect((await send('/api/v1/auth/login', '{"email":')).status).toBe(400);
    expect(stack.api.running).toBe(true);
    expect(stack.api.logs).not.toMatch(/RangeError|Maximum call stack/);
  });
});
