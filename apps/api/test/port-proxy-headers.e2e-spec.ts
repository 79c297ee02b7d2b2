import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { LabStatus } from '@labfleet/contracts';
import { LabfleetStack, Person, TenantBuilder } from '@labfleet/testing';

jest.setTimeout(180_000);

const ECHO_PORT = 9100;
/** The test reaches the API on loopback: the address the API saw, as IPv4 or IPv4-mapped IPv6. */
const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$/;
/** What a TLS-terminating proxy in front of Labfleet would have told it about the browser. */
const FRONT_PROXY = { 'x-forwarded-for': '203.0.113.7, 198.51.100.2', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'labs.school.example' };

/** The echoed head's header lines → lower-case name → value. */
function headersOf(head: string): Record<string, string> {
  const lines = head.trim().split('\n').slice(1);
  return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
}

const list = (value: string | undefined) => value?.split(/\s*,\s*/);

/** A WebSocket handshake over a raw socket; the echo app answers it with a plain 200, which the proxy relays before closing. */
function upgradeThrough(port: number, path: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      const lines = Object.entries({ host: `127.0.0.1:${port}`, upgrade: 'websocket', connection: 'Upgrade', ...headers }).map(([k, v]) => `${k}: ${v}`);
      socket.write(`GET ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
    });
    let got = '';
    socket.on('data', (d) => (got += d.toString()));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

describe('the port proxy tells the app who asked: X-Forwarded-* keeps what the client sent and adds what the API saw', () => {
  let stack: LabfleetStack;
  let owner: Person;
  let labId: string;
  let cookie: string;
  const tag = randomBytes(3).toString('hex');
  const base = () => stack.client.baseUrl;
  const prefix = () => `/labs/${labId}/ports/${ECHO_PORT}`;

  beforeAll(async () => {
    stack = await LabfleetStack.start();
    const t = new TenantBuilder(stack.client);
    const school = await t.school(`xf-${tag}`);
    const course = await t.course(school.id, 'Web');
    owner = await t.person(school.id, 'student', `xf-${tag}@example.test`);
    await t.enroll(course.id, owner, 'student');
    labId = (await owner.client.post('/api/v1/labs', { course: course.id, template: 'docker' })).body.id;
    await owner.client.waitForLab(labId, [LabStatus.Ready], 120_000);
    // The echo app runs in the lab node itself (socat and bash are in the lab image): no image to pull.
    const script = readFileSync(join(__dirname, 'fixtures/echo-request-head.sh'));
    const put = await fetch(`${base()}/api/v1/labs/${labId}/files?path=/root/echo-request-head.sh`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${owner.session.accessToken}`, 'content-type': 'application/octet-stream' },
      body: script,
    });
    expect(put.status).toBe(200);
    const started = await owner.client.sh(
      labId,
      `chmod +x /root/echo-request-head.sh && (setsid socat TCP-LISTEN:${ECHO_PORT},reuseaddr,fork EXEC:/root/echo-request-head.sh </dev/null >/dev/null 2>&1 &) && sleep 0.5`,
    );
    expect(started.exitCode).toBe(0);
    const session = await fetch(`${base()}/api/v1/auth/session`, { method: 'POST', headers: { authorization: `Bearer ${owner.session.accessToken}` } });
    cookie = session.headers.get('set-cookie')!.split(';')[0];
  }, 240_000);

  afterAll(() => stack?.stop());

  const echoed = async (headers: Record<string, string>): Promise<Record<string, string>> => {
    const res = await fetch(`${base()}${prefix()}/who?x=1`, { headers: { cookie, ...headers } });
    expect(res.status).toBe(200);
    const head = await res.text();
    expect(head.split('\n')[0]).toBe('GET /who?x=1 HTTP/1.1');
    return headersOf(head);
  };

  const keepsAndAppends = async () => {
    const behind = await echoed(FRONT_PROXY);
    expect(list(behind['x-forwarded-for'])).toEqual(['203.0.113.7', '198.51.100.2', expect.stringMatching(LOOPBACK)]);
    expect(list(behind['x-forwarded-proto'])).toEqual(['https', 'http']);
    expect(behind['x-forwarded-host']).toBe('labs.school.example');
    expect(behind['x-forwarded-prefix']).toBe(prefix());
    expect(behind.cookie).toBeUndefined();

    // A browser straight at the API: this hop is the whole chain, and the host is the one it asked for.
    const direct = await echoed({});
    expect(direct['x-forwarded-for']).toMatch(LOOPBACK);
    expect(direct['x-forwarded-proto']).toBe('http');
    expect(direct['x-forwarded-host']).toBe(new URL(base()).host);

    // A WebSocket handshake carries the same chain.
    const answer = await upgradeThrough(Number(new URL(base()).port), `${prefix()}/socket`, { cookie, ...FRONT_PROXY });
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    const upgrade = headersOf(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(list(upgrade['x-forwarded-for'])).toEqual(['203.0.113.7', '198.51.100.2', expect.stringMatching(LOOPBACK)]);
    expect(upgrade['x-forwarded-host']).toBe('labs.school.example');
  };

  it('over the lab network', keepsAndAppends);

  it('through the engine (PORT_PROXY_ROUTE=engine)', async () => {
    await stack.api.stop();
    await stack.startApi({ PORT_PROXY_ROUTE: 'engine' });
    await keepsAndAppends();
  });
});
