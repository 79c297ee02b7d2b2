import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { crc32 } from 'node:zlib';
import WebSocket from 'ws';
import { LabStatus } from '@labfleet/contracts';
import { tarArchive } from '@labfleet/domain';
import { consistently, digestOf, eventually, LabfleetStack, Person, TenantBuilder, tarFileDigests } from '@labfleet/testing';

jest.setTimeout(180_000);

/** A terminal over a real WebSocket: collects output, sends keys and sizes. */
class Terminal {
  /** Every terminal a test opened, so a failed test leaves no socket open. */
  static readonly opened = new Set<WebSocket>();
  output = '';
  closed = false;
  private constructor(readonly ws: WebSocket) {
    Terminal.opened.add(ws);
    ws.on('message', (data, binary) => (this.output += binary ? data.toString() : ''));
    ws.on('close', () => (this.closed = true));
  }

  static async open(base: string, person: Person, labId: string, body: Record<string, unknown> = {}): Promise<Terminal> {
    const ticket = await person.client.post(`/api/v1/labs/${labId}/terminal`, body);
    if (ticket.status !== 200) throw new Error(`terminal ticket: ${ticket.status} ${JSON.stringify(ticket.body)}`);
    const ws = new WebSocket(`${base.replace('http', 'ws')}${ticket.body.url}&cols=100&rows=30`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new Terminal(ws);
  }

  type(data: string): void {
    this.ws.send(JSON.stringify({ type: 'input', data }));
  }

  /** Passes once the terminal has shown `text`; fails with the end of what it did show. */
  async shows(text: string | RegExp, timeoutMs = 30_000): Promise<void> {
    const shown = () => (typeof text === 'string' ? this.output.includes(text) : text.test(this.output));
    await eventually(
      () => {
        if (!shown()) throw new Error(`it shows:\n${this.output.slice(-1500)}`);
      },
      { timeoutMs, intervalMs: 20, what: `the terminal to show ${text}` },
    );
  }

  close(): void {
    this.ws.close();
  }
}

/** A zip with stored (uncompressed) entries: enough to prove the upload unpacks one. */
function zipOf(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const fixed = (sig: number, size: number) => {
      const b = Buffer.alloc(size);
      b.writeUInt32LE(sig, 0);
      return b;
    };
    const local = fixed(0x04034b50, 30);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = fixed(0x02014b50, 46);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, Buffer.from(name), data);
    centrals.push(central, Buffer.from(name));
    offset += 30 + name.length + data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

describe('in the browser: terminal, published ports and files (over the real API)', () => {
  let stack: LabfleetStack;
  let owner: Person;
  let classmate: Person;
  let teacher: Person;
  let labId: string;
  const tag = randomBytes(3).toString('hex');
  const base = () => stack.client.baseUrl;
  const cookieOf = async (p: Person) => {
    const res = await fetch(`${base()}/api/v1/auth/session`, { method: 'POST', headers: { authorization: `Bearer ${p.session.accessToken}` } });
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(/^labfleet_session=.*; Path=\/labs\/; HttpOnly; SameSite=Lax/);
    return res.headers.get('set-cookie')!.split(';')[0];
  };

  beforeAll(async () => {
    stack = await LabfleetStack.start();
    const t = new TenantBuilder(stack.client);
    const school = await t.school(`b-${tag}`);
    const course = await t.course(school.id, 'Web');
    owner = await t.person(school.id, 'student', `owner-${tag}@example.test`);
    classmate = await t.person(school.id, 'student', `mate-${tag}@example.test`);
    teacher = await t.person(school.id, 'teacher', `teacher-${tag}@example.test`);
    for (const [p, role] of [[owner, 'student'], [classmate, 'student'], [teacher, 'teacher']] as const) await t.enroll(course.id, p, role);
    labId = (await owner.client.post('/api/v1/labs', { course: course.id, template: 'docker' })).body.id;
    await owner.client.waitForLab(labId, [LabStatus.Ready], 120_000);
  }, 240_000);

  afterAll(async () => {
    for (const ws of Terminal.opened) ws.on('error', () => undefined).terminate();
    await stack?.stop();
  });

  it('the owner gets a shell with the docker CLI; it resizes, runs full-screen programs, and survives a reconnect', async () => {
    const term = await Terminal.open(base(), owner, labId);
    term.type('echo ready-$((40+2)); docker version --format "{{.Server.Version}}"\r');
    await term.shows('ready-42');
    // The server's version (tmux may draw it after any cursor move; nothing else here looks like x.y.z).
    await term.shows(/\d+\.\d+\.\d+/);
    term.ws.send(JSON.stringify({ type: 'resize', cols: 132, rows: 40 }));
    // The new size reaches the shell a moment later: ask until it answers with it.
    await eventually(
      async () => {
        term.type('echo size-$(tput cols)x$(tput lines)\r');
        await term.shows('size-132x40', 500);
      },
      { what: 'the shell to see the new size' },
    );
    // vi paints the whole screen (its column of ~) and gives it back on :q!.
    term.type('vi /tmp/note\r');
    await term.shows(/(~[^~]*){20}/);
    term.type('\x1b:q!\r');
    await term.shows(/vi \/tmp\/note[\s\S]*root@node1:~# /);
    term.type('echo after-vi\r');
    await term.shows(/after-vi[^\n]*\n/);
    term.close();
    // Same shell after a reconnect: the screen comes back with what was typed.
    const again = await Terminal.open(base(), owner, labId);
    await again.shows('ready-42');
    again.type('echo $HISTFILE >/dev/null; history | tail -3\r');
    await again.shows('echo size-$(tput cols)');
    // Two tabs at once share it.
    const second = await Terminal.open(base(), owner, labId);
    again.type('echo both-tabs\r');
    await second.shows('both-tabs');
    expect(again.output).toContain('both-tabs');
    again.close();
    second.close();
  });

  it("a teacher watches read-only; a classmate gets 404 and a made-up ticket is refused", async () => {
    const watcher = await Terminal.open(base(), teacher, labId);
    const typist = await Terminal.open(base(), owner, labId);
    typist.type('echo typed-by-owner\r');
    await watcher.shows('typed-by-owner');
    watcher.type('touch /tmp/teacher-was-here\r');
    // What the watcher types never reaches the shell: for a second after, no such file appears.
    await consistently(async () => expect((await owner.client.sh(labId, 'test -e /tmp/teacher-was-here && echo yes || echo no')).stdout.trim()).toBe('no'), { forMs: 1000 });
    watcher.close();
    typist.close();
    expect((await classmate.client.post(`/api/v1/labs/${labId}/terminal`, {})).status).toBe(404);
    const forged = new WebSocket(`${base().replace('http', 'ws')}/api/v1/labs/${labId}/terminal/ws?ticket=made-up`);
    const status = await new Promise<number>((resolve) => forged.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)).on('open', () => resolve(101)));
    expect(status).toBe(401);
    // Abandon the refused handshake (ws reports that as an error, expected here).
    forged.on('error', () => undefined).terminate();
    const audit = (await stack.client.get('/api/v1/audit?action=lab.terminal-watched')).body.items;
    expect(audit.filter((a: { actorId: string }) => a.actorId === teacher.id)).toEqual([expect.objectContaining({ targetId: labId })]);
  });

  /** The proxy's promises on the two apps the port test starts; returns the address the echo app saw the connection come from. */
  const servedThroughProxy = async (): Promise<string> => {
    const cookie = await cookieOf(owner);
    const page = await fetch(`${base()}/labs/${labId}/ports/8080/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Welcome to nginx');
    expect((await fetch(`${base()}/labs/${labId}/ports/8080`, { headers: { cookie }, redirect: 'manual' })).headers.get('location')).toBe(`/labs/${labId}/ports/8080/`);
    // The app behind sees its own path, and none of Labfleet's credentials.
    const echo = (await (await fetch(`${base()}/labs/${labId}/ports/9000/api/items?x=1`, { headers: { cookie: `${cookie}; theme=dark`, authorization: `Bearer ${owner.session.accessToken}` } })).json()) as any;
    expect(echo.url).toBe('/api/items?x=1');
    expect(echo.headers.authorization).toBeUndefined();
    expect(echo.headers.cookie).toBe('theme=dark');
    expect(echo.headers['x-forwarded-prefix']).toBe(`/labs/${labId}/ports/9000`);
    // The teacher gets through; a classmate, an anonymous browser and a bad port do not.
    expect((await fetch(`${base()}/labs/${labId}/ports/8080/`, { headers: { cookie: await cookieOf(teacher) } })).status).toBe(200);
    expect((await fetch(`${base()}/labs/${labId}/ports/8080/`, { headers: { cookie: await cookieOf(classmate) } })).status).toBe(404);
    expect((await fetch(`${base()}/labs/${labId}/ports/8080/`)).status).toBe(404);
    expect((await fetch(`${base()}/labs/${labId}/ports/99999/`, { headers: { cookie } })).status).toBe(400);
    const closed = await fetch(`${base()}/labs/${labId}/ports/8090/`, { headers: { cookie } });
    expect(closed.status).toBe(502);
    expect(((await closed.json()) as any).message).toMatch(/port 8090 does not answer: .*(refused|ECONNREFUSED)/i);
    // WebSocket upgrades go through too (the app echoes after switching protocols).
    const echoed = await new Promise<string>((resolve, reject) => {
      const { port } = new URL(base());
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`GET /labs/${labId}/ports/9000/socket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nCookie: ${cookie}\r\n\r\n`);
      });
      let got = '';
      socket.on('data', (d) => {
        got += d.toString();
        if (got.includes('\r\n\r\n') && !got.includes('ping-through')) socket.write('ping-through');
        if (got.includes('ping-through')) {
          socket.destroy();
          resolve(got);
        }
      });
      socket.on('error', reject);
    });
    expect(echoed).toMatch(/^HTTP\/1.1 101/);
    return echo.remote;
  };
  /** nginx on 8080 and an echo app on 9000 in the lab, started once (and answering) for the tests that need them. */
  let portApps: Promise<void> | undefined;
  const startPortApps = () =>
    (portApps ??= (async () => {
      const run = await owner.client.sh(labId, [
        'docker run -d -p 8080:80 nginx >/dev/null',
        `docker run -d -p 9000:9000 node:20-bookworm-slim node -e "const s=require('http').createServer((q,r)=>r.end(JSON.stringify({url:q.url,headers:q.headers,remote:q.socket.remoteAddress,via:q.socket.remotePort})));s.on('upgrade',(q,k)=>{k.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n');k.pipe(k)});s.listen(9000)" >/dev/null`,
      ].join(' && '), 180);
      expect(run.exitCode).toBe(0);
      await eventually(async () => expect((await owner.client.sh(labId, 'curl -sf localhost:9000 >/dev/null && curl -sf localhost:8080 >/dev/null')).exitCode).toBe(0), { intervalMs: 200, what: 'the apps in the lab to answer' });
    })());

  it('a published port is listed and served through the proxy to those who may see the lab, without their credentials', async () => {
    await startPortApps();
    const ports = (await owner.client.get(`/api/v1/labs/${labId}/ports`)).body;
    expect(ports).toEqual(expect.arrayContaining([expect.objectContaining({ node: 'node1', port: 8080, target: 80, protocol: 'tcp', url: `/labs/${labId}/ports/8080/` })]));
    await servedThroughProxy();
  });

  it('with PORT_PROXY_ROUTE=engine (the API in a container, or on Swarm) the same ports are served through the engine, not the lab network', async () => {
    await startPortApps();
    const overTheNetwork = await servedThroughProxy();
    await stack.api.stop();
    await stack.startApi({ PORT_PROXY_ROUTE: 'engine' });
    try {
      // socat in the node connects to its own loopback: the app sees the node's side of its bridge, not the API host.
      expect(await servedThroughProxy()).not.toBe(overTheNetwork);
      // Opening a stream runs an exec: the next requests reuse the one kept open, as a keep-alive connection.
      const cookie = await cookieOf(owner);
      const connections = new Set<number>();
      for (let i = 0; i < 3; i++) connections.add(((await (await fetch(`${base()}/labs/${labId}/ports/9000/`, { headers: { cookie } })).json()) as any).via);
      expect(connections.size).toBe(1);
    } finally {
      await stack.api.stop();
      await stack.startApi();
    }
  });

  it('uploads a file, a tar and a zip into the lab, and downloads a file and a folder', async () => {
    const put = (query: string, body: Buffer) =>
      fetch(`${base()}/api/v1/labs/${labId}/files?${query}`, { method: 'PUT', headers: { authorization: `Bearer ${owner.session.accessToken}`, 'content-type': 'application/octet-stream' }, body });
    expect((await put('path=/root/app/Dockerfile', Buffer.from('FROM nginx\n'))).status).toBe(200);
    expect((await put('path=/root/app/&extract=1', await tarArchive({ 'index.html': '<h1>tar</h1>', 'sub/a.txt': 'A' }))).status).toBe(200);
    expect((await put('path=/root/zipped&extract=1', zipOf({ 'hello.txt': 'from a zip' }))).status).toBe(200);
    expect((await put('path=/root/x&extract=1', Buffer.from('not an archive'))).status).toBe(400);
    expect((await put('path=relative/path', Buffer.from('x'))).status).toBe(400);
    const seen = await owner.client.sh(labId, 'cat /root/app/Dockerfile /root/app/index.html /root/app/sub/a.txt /root/zipped/hello.txt');
    expect(seen.stdout).toBe('FROM nginx\n<h1>tar</h1>Afrom a zip');
    const file = await fetch(`${base()}/api/v1/labs/${labId}/files?path=/root/app/Dockerfile`, { headers: { authorization: `Bearer ${owner.session.accessToken}` } });
    expect(file.headers.get('content-disposition')).toBe('attachment; filename="Dockerfile"');
    expect(await file.text()).toBe('FROM nginx\n');
    const folder = await fetch(`${base()}/api/v1/labs/${labId}/files?path=/root/app`, { headers: { authorization: `Bearer ${owner.session.accessToken}` } });
    expect(folder.headers.get('content-type')).toBe('application/x-tar');
    expect(Buffer.from(await folder.arrayBuffer()).toString('latin1')).toContain('app/sub/a.txt');
    expect((await fetch(`${base()}/api/v1/labs/${labId}/files?path=/root/nothing-here`, { headers: { authorization: `Bearer ${owner.session.accessToken}` } })).status).toBe(404);
    expect((await fetch(`${base()}/api/v1/labs/${labId}/files?path=/root/app/Dockerfile`, { headers: { authorization: `Bearer ${classmate.session.accessToken}` } })).status).toBe(404);
  });

  it('downloads files of 0 B, 1 KiB, 100 KiB and 20 MB byte for byte with their length, and their folder as a tar', async () => {
    const files = (path: string, init: { method?: string; body?: Buffer; signal?: AbortSignal } = {}) =>
      fetch(`${base()}/api/v1/labs/${labId}/files?path=${path}`, { ...init, headers: { authorization: `Bearer ${owner.session.accessToken}`, 'content-type': 'application/octet-stream' } });
    const sent: Record<string, string> = {};
    for (const size of [0, 1024, 100 * 1024, 20_000_000]) {
      const content = randomBytes(size);
      expect((await files(`/root/sizes/${size}.bin`, { method: 'PUT', body: content })).status).toBe(200);
      sent[`sizes/${size}.bin`] = digestOf(content);
      // A download that hangs fails here, not at the test's timeout.
      const file = await files(`/root/sizes/${size}.bin`, { signal: AbortSignal.timeout(30_000) });
      expect(file.status).toBe(200);
      expect(['content-type', 'content-length', 'content-disposition'].map((h) => file.headers.get(h))).toEqual(['application/octet-stream', String(size), `attachment; filename="${size}.bin"`]);
      expect(digestOf(Buffer.from(await file.arrayBuffer()))).toBe(sent[`sizes/${size}.bin`]);
    }
    const folder = await files('/root/sizes', { signal: AbortSignal.timeout(30_000) });
    expect(['content-type', 'content-length', 'content-disposition'].map((h) => folder.headers.get(h))).toEqual(['application/x-tar', null, 'attachment; filename="sizes.tar"']);
    expect(await tarFileDigests(Readable.fromWeb(folder.body as WebReadableStream))).toEqual(sent);
  });

  it('a download the client abandons stops the copy in the lab at once', async () => {
    const tars = "for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = tar ] && echo $p; done; true";
    expect((await owner.client.sh(labId, 'head -c 50000000 /dev/urandom >/root/abandoned.bin')).exitCode).toBe(0);
    const abort = new AbortController();
    const file = await fetch(`${base()}/api/v1/labs/${labId}/files?path=/root/abandoned.bin`, { headers: { authorization: `Bearer ${owner.session.accessToken}` }, signal: abort.signal });
    expect(file.status).toBe(200);
    await file.body!.getReader().read();
    expect((await owner.client.sh(labId, tars)).stdout).not.toBe('');
    abort.abort();
    // Left alone, tar would wait on its full pipe until the copy's stall timer (a minute).
    await eventually(async () => expect((await owner.client.sh(labId, tars)).stdout).toBe(''), { timeoutMs: 5000, intervalMs: 200, what: 'tar to stop in the lab after the client went away' });
  });
});
