import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import WebSocket from 'ws';
import { LabStatus } from '@labfleet/contracts';
import { consistently, eventually, freePort, LabfleetProcess, LabfleetStack, Person, TenantBuilder } from '@labfleet/testing';

jest.setTimeout(120_000);

// Idle limits in seconds rather than minutes, allowed by this installation's floor: a whole cull takes ~10 s.
const IDLE_LIMIT = 8;
const IDLE_ENV = { IDLE_LIMIT_MIN_SECONDS: '5', IDLE_CHECK_SECONDS: '1', IDLE_WARNING_SECONDS: '4', ACTIVITY_WRITE_SECONDS: '1' };

/** Course limits a teacher sets (idle limits included), the answers that name them, and usage from the lab history. */
describe('course quotas, extension, grants, idle limits and usage', () => {
  let stack: LabfleetStack;
  let secondApi: LabfleetProcess | undefined;
  const sockets: WebSocket[] = [];
  let t: TenantBuilder;
  let schoolId: string;
  let teacher: Person;
  const tag = randomBytes(3).toString('hex');

  const course = async (policy: Record<string, unknown>, students: number) => {
    const c = await t.course(schoolId, `Course ${randomBytes(3).toString('hex')}`, policy);
    await t.enroll(c.id, teacher, 'teacher');
    const people: Person[] = [];
    for (let i = 0; i < students; i++) {
      const p = await t.person(schoolId, 'student', `s${i}-${randomBytes(3).toString('hex')}@example.test`);
      await t.enroll(c.id, p, 'student');
      people.push(p);
    }
    return { id: c.id, students: people };
  };
  const request = (p: Person, courseId: string, extra: Record<string, unknown> = {}) => p.client.post('/api/v1/labs', { course: courseId, template: 'docker', ...extra });

  beforeAll(async () => {
    stack = await LabfleetStack.start(IDLE_ENV);
    t = new TenantBuilder(stack.client);
    schoolId = (await t.school(`q-${tag}`)).id;
    teacher = await t.person(schoolId, 'teacher', `teacher-${tag}@example.test`);
  }, 180_000);

  afterAll(async () => {
    for (const ws of sockets) ws.close();
    await secondApi?.stop();
    await stack?.stop();
  });

  it('refuses a template the course does not allow and a TTL over its longest (409, naming the limit)', async () => {
    const c = await course({ allowedTemplates: ['other'], maxTtlSeconds: 600 }, 1);
    const refused = await request(c.students[0], c.id);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ limit: 'allowedTemplates', limitValue: ['other'] });
    expect(refused.body.message).toMatch(/template 'docker' is not allowed in this course \(allowed: other\)/);
    expect((await teacher.client.patch(`/api/v1/courses/${c.id}/policy`, { allowedTemplates: ['docker'] })).status).toBe(200);
    const tooLong = await request(c.students[0], c.id, { ttlSeconds: 3600 });
    expect(tooLong.status).toBe(409);
    expect(tooLong.body).toMatchObject({ limit: 'maxTtlSeconds', limitValue: 600 });
    // Without a TTL asked for, the template's 2 h are cut to the course's 10 min.
    const lab = await request(c.students[0], c.id);
    expect(lab.status).toBe(202);
    expect(Date.parse(lab.body.expiresAt) - Date.parse(lab.body.createdAt)).toBe(600_000);
  });

  it('one lab per student at once (409 with when it frees up), and a course-wide cap under a rush (429 + Retry-After)', async () => {
    const c = await course({ maxConcurrentLabs: 2, maxTtlSeconds: 900 }, 5);
    const first = await request(c.students[0], c.id);
    expect(first.status).toBe(202);
    const second = await request(c.students[0], c.id);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ limit: 'labsPerStudent', limitValue: 1, current: 1, retryAt: first.body.expiresAt });
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(800);
    // Four students at the same instant for the one slot left: exactly one gets it.
    const rush = await Promise.all(c.students.slice(1).map((s) => request(s, c.id)));
    expect(rush.map((r) => r.status).sort()).toEqual([202, 429, 429, 429]);
    const full = rush.find((r) => r.status === 429)!;
    expect(full.body).toMatchObject({ limit: 'maxConcurrentLabs', limitValue: 2, current: 2 });
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(800);
    const live = await teacher.client.get(`/api/v1/labs?course=${c.id}&status=pending,provisioning,ready`);
    expect(live.body.total).toBe(2);
  });

  it('a weekly budget of zero refuses until the teacher grants minutes, which also cap the lab', async () => {
    const c = await course({ weeklyMinutesPerStudent: 0 }, 1);
    const [student] = c.students;
    const refused = await request(student, c.id);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ limit: 'weeklyMinutesPerStudent', limitValue: 0, current: 0 });
    const monday = new Date(refused.body.retryAt);
    expect(monday.getUTCDay()).toBe(1);
    expect(monday.getUTCHours()).toBe(0);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await student.client.post(`/api/v1/courses/${c.id}/grants`, { userId: student.id, minutes: 5 })).status).toBe(403);
    expect((await teacher.client.post(`/api/v1/courses/${c.id}/grants`, { userId: student.id, minutes: 5, reason: 'catch-up' })).status).toBe(201);
    const lab = await request(student, c.id);
    expect(lab.status).toBe(202);
    expect(Date.parse(lab.body.expiresAt) - Date.parse(lab.body.createdAt)).toBe(300_000);
  });

  it('a student extends within the longest TTL; past it is 409, and the teacher may go further', async () => {
    const c = await course({ maxTtlSeconds: 1200 }, 1);
    const [student] = c.students;
    const lab = await request(student, c.id, { ttlSeconds: 600 });
    expect(lab.status).toBe(202);
    const extended = await student.client.post(`/api/v1/labs/${lab.body.id}/extend`, { seconds: 300 });
    expect(extended.status).toBe(200);
    expect(Date.parse(extended.body.expiresAt) - Date.parse(lab.body.expiresAt)).toBe(300_000);
    const over = await student.client.post(`/api/v1/labs/${lab.body.id}/extend`, { seconds: 600 });
    expect(over.status).toBe(409);
    expect(over.body).toMatchObject({ limit: 'maxTtlSeconds', limitValue: 1200 });
    expect(over.body.message).toMatch(/extended by 300 s more/);
    const byTeacher = await teacher.client.post(`/api/v1/labs/${lab.body.id}/extend`, { seconds: 3600 });
    expect(byTeacher.status).toBe(200);
    const events = (await student.client.get(`/api/v1/labs/${lab.body.id}/events`)).body;
    expect(events.filter((e: any) => e.detail?.action === 'extended').map((e: any) => e.actor)).toEqual([student.email, teacher.email]);
    const audited = (await stack.client.get('/api/v1/audit?action=lab.extended')).body.items.filter((a: any) => a.targetId === lab.body.id);
    expect(audited.map((a: any) => a.actorId)).toEqual([teacher.id]);
  });

  it('usage gives lab-minutes per student from the lab history, as JSON and CSV, and survives an API restart', async () => {
    const c = await course({}, 2);
    const [busy, idle] = c.students;
    const lab = await request(busy, c.id);
    // A period around the lab, from the server's own clock: the report does not depend on the week the test runs in.
    const created = Date.parse(lab.body.createdAt);
    const period = `from=${new Date(created - 3_600_000).toISOString()}&to=${new Date(created + 3_600_000).toISOString()}`;
    const report = () => teacher.client.get(`/api/v1/courses/${c.id}/usage?${period}`);
    const minutesOf = (body: any, p: Person) => body.people.find((x: any) => x.userId === p.id).minutes;
    await busy.client.waitForLab(lab.body.id, [LabStatus.Ready], 90_000);
    // A running lab counts up to now: let it be used for 3 s.
    await eventually(async () => expect(minutesOf((await report()).body, busy)).toBeGreaterThanOrEqual(0.05), { what: 'the running lab to count 3 s of use' });
    expect((await busy.client.delete(`/api/v1/labs/${lab.body.id}`)).status).toBe(202);
    await busy.client.waitForLab(lab.body.id, [LabStatus.Stopped], 60_000);
    const usage = await report();
    expect(usage.status).toBe(200);
    const row = (p: Person) => usage.body.people.find((x: any) => x.userId === p.id);
    expect(row(busy)).toMatchObject({ email: busy.email, role: 'student', labs: 1 });
    expect(row(busy).minutes).toBeGreaterThanOrEqual(0.05);
    expect(row(busy).minutes).toBeLessThan(1);
    expect(row(idle)).toMatchObject({ labs: 0, minutes: 0 });
    const csv = await teacher.client.request('GET', `/api/v1/courses/${c.id}/usage?format=csv&${period}`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.body).toContain(`email,name,role,labs,minutes\r\n`);
    expect(csv.body).toContain(`${busy.email},${busy.email.split('@')[0]},student,1,${row(busy).minutes}\r\n`);
    // A period before the lab counts nothing; a bad period is a 400 naming it.
    expect((await teacher.client.get(`/api/v1/courses/${c.id}/usage?from=2020-01-01T00:00:00Z&to=2020-01-08T00:00:00Z`)).body.people.every((p: any) => p.minutes === 0)).toBe(true);
    expect((await teacher.client.get(`/api/v1/courses/${c.id}/usage?from=yesterday`)).body.message).toEqual(['from must be an ISO 8601 date']);
    expect((await busy.client.get(`/api/v1/courses/${c.id}/usage`)).status).toBe(403);
    await stack.api.stop();
    await stack.startApi();
    const again = await new (teacher.client.constructor as any)(stack.client.baseUrl, (teacher.client as any).token).get(`/api/v1/courses/${c.id}/usage?${period}`);
    expect(again.body.people).toEqual(usage.body.people);
  }, 180_000);

  it("an idle limit from the course's teachers (not below the installation's floor, not from students): a lab typed in through a second API process keeps running past it; the idle one is warned, then idle-stopped, and its minutes stop counting", async () => {
    // A second API process: the busy student's typing reaches the worker and the first API through Redis only.
    const port = await freePort();
    secondApi = LabfleetProcess.start('api', `${stack.instance.instance}-api-2`, stack.env({ PORT: String(port) }));
    const c = await course({}, 2);
    const [busy, idle] = c.students;
    const tooShort = await teacher.client.patch(`/api/v1/courses/${c.id}/policy`, { idleLimitSeconds: 4 });
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.message).toMatch(/idleLimitSeconds must be at least 5 \(IDLE_LIMIT_MIN_SECONDS\)/);
    expect((await busy.client.patch(`/api/v1/courses/${c.id}/policy`, { idleLimitSeconds: IDLE_LIMIT })).status).toBe(403);
    expect((await stack.client.get(`/api/v1/courses/${c.id}`)).body.idleLimitSeconds).toBeNull();
    const set = await teacher.client.patch(`/api/v1/courses/${c.id}/policy`, { idleLimitSeconds: IDLE_LIMIT });
    expect([set.status, set.body.idleLimitSeconds]).toEqual([200, IDLE_LIMIT]);

    await secondApi.waitForLog('Nest application successfully started');
    const [a, b] = await Promise.all([request(busy, c.id), request(idle, c.id)]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const [busyLab, idleLab] = [a.body.id as string, b.body.id as string];
    // The busy student starts typing as soon as the lab is ready (every 0.5 s, until the end of the test).
    await busy.client.waitForLab(busyLab, [LabStatus.Ready], 90_000);
    const ticket = (await busy.client.post(`/api/v1/labs/${busyLab}/terminal`, {})).body;
    const ws = new WebSocket(`ws://127.0.0.1:${port}${ticket.url}&cols=100&rows=30`);
    sockets.push(ws);
    const typing = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ type: 'input', data: 'true\r' })), 500);
    try {
      await eventually(() => expect(ws.readyState).toBe(WebSocket.OPEN), { what: 'the terminal through the second API to open' });
      const typingFrom = Date.now();
      await idle.client.waitForLab(idleLab, [LabStatus.Ready], 90_000);
      const started = Date.now();
      const busyStatuses = new Set<string>();
      let shownStop: string | null = null;
      await eventually(
        async () => {
          busyStatuses.add((await busy.client.get(`/api/v1/labs/${busyLab}`)).body.status);
          const seen = (await idle.client.get(`/api/v1/labs/${idleLab}`)).body;
          shownStop ??= seen.idle?.stopsAt ?? null;
          if (seen.status === LabStatus.Ready || Date.now() - started < (IDLE_LIMIT + 2) * 1000) throw new Error(`the idle lab is ${seen.status}`);
        },
        { timeoutMs: 60_000, intervalMs: 500, what: 'the idle lab to be stopped, and the limit passed' },
      );
      // Through the idle lab's warning and stop, and past the limit, the busy lab stayed ready.
      expect([...busyStatuses]).toEqual([LabStatus.Ready]);
      expect(shownStop).not.toBeNull();
      const busyView = (await busy.client.get(`/api/v1/labs/${busyLab}`)).body;
      expect(busyView.status).toBe(LabStatus.Ready);
      expect(busyView.idle.stopsAt).toBeNull();
      expect(Date.now() - new Date(busyView.idle.lastActivityAt).getTime()).toBeLessThan(3000);
      // Warned at most before the typing began (a loaded machine may take seconds to open the terminal), never after.
      const busyWarnings = (await busy.client.get(`/api/v1/labs/${busyLab}/events`)).body.filter((e: any) => e.detail?.action === 'idle-warned');
      expect(busyWarnings.filter((e: any) => Date.parse(e.at) > typingFrom + 2000)).toEqual([]);

      const events: { to: string; actor: string; at: string; detail: Record<string, unknown> | null }[] = (await idle.client.get(`/api/v1/labs/${idleLab}/events`)).body;
      const warning = events.find((e) => e.detail?.action === 'idle-warned');
      const stop = events.find((e) => e.detail?.action === 'idle-stopped');
      expect(warning).toMatchObject({ to: LabStatus.Ready, actor: 'idle-culler', detail: { limitSeconds: IDLE_LIMIT } });
      expect(stop).toMatchObject({ to: LabStatus.Stopping, actor: 'idle-culler', detail: { limitSeconds: IDLE_LIMIT, reason: expect.stringMatching(/no terminal input, command, file transfer or port traffic for \d+ s/) } });
      expect(new Date(stop!.at).getTime() - new Date(warning!.at).getTime()).toBeGreaterThanOrEqual((IDLE_LIMIT / 2) * 1000 - 1000);
      await idle.client.waitForLab(idleLab, [LabStatus.Stopped], 60_000);

      // Its minutes are those from ready to the idle stop, and stay so; the busy student's keep growing.
      const readyAt = Date.parse(events.find((e) => e.to === LabStatus.Ready)!.at);
      const counted = Math.round((Date.parse(stop!.at) - readyAt) / 6000) / 10;
      const period = `from=${new Date(readyAt - 3_600_000).toISOString()}&to=${new Date(readyAt + 3_600_000).toISOString()}`;
      const minutesOf = async (p: Person) => ((await teacher.client.get(`/api/v1/courses/${c.id}/usage?${period}`)).body.people as { userId: string; minutes: number }[]).find((x) => x.userId === p.id)!.minutes;
      const busyBefore = await minutesOf(busy);
      await consistently(async () => expect(await minutesOf(idle)).toBe(counted), { forMs: 6500, intervalMs: 1000 });
      expect(await minutesOf(busy)).toBeGreaterThan(busyBefore);
    } finally {
      clearInterval(typing);
    }
  });

  it('port-proxy traffic is activity: labs used only by WebSocket frames (browser to lab, or lab to browser) or HTTP requests through the port proxy stay past the idle limit; one whose WebSocket is open but silent is idle-stopped', async () => {
    const c = await course({ idleLimitSeconds: IDLE_LIMIT, labsPerStudent: 4 }, 1);
    const [student] = c.students;
    const token = student.session.accessToken;
    const kinds = ['to-lab', 'from-lab', 'http', 'silent'] as const;
    const labs = Object.fromEntries(await Promise.all(kinds.map(async (k) => [k, (await request(student, c.id)).body.id as string]))) as Record<(typeof kinds)[number], string>;
    // Servers on the lab node itself (socat is in the lab image): one that swallows what it gets
    // after switching protocols, one that sends a line every half second, one plain HTTP.
    const head = String.raw`while IFS= read -r l && [ -n "$l" ] && [ "$l" != $'\r' ]; do :; done`;
    const upgraded = String.raw`printf 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'`;
    const apps: Record<number, string[]> = {
      9001: [head, upgraded, 'cat >/dev/null'],
      9002: [head, upgraded, 'while sleep 0.5; do echo tick || exit 0; done'],
      9003: [head, String.raw`printf 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'`],
    };
    const servers = Object.entries(apps)
      .map(([port, lines]) => `cat >/root/app-${port}.sh <<'EOF'\n${lines.join('\n')}\nEOF\nsetsid socat TCP-LISTEN:${port},reuseaddr,fork EXEC:'bash /root/app-${port}.sh' </dev/null >/dev/null 2>&1 &`)
      .join('\n');
    const get = (lab: string) => fetch(`${stack.client.baseUrl}/labs/${lab}/ports/9003/`, { headers: { authorization: `Bearer ${token}` } });
    /** A WebSocket through the proxy, as bytes: the apps speak no WebSocket framing, the proxy passes bytes either way. */
    const openSocket = (lab: string, port: number) =>
      eventually(
        () =>
          new Promise<Socket>((resolve, reject) => {
            const socket = connect(Number(new URL(stack.client.baseUrl).port), '127.0.0.1', () =>
              socket.write(`GET /labs/${lab}/ports/${port}/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nAuthorization: Bearer ${token}\r\n\r\n`),
            );
            socket.once('data', (d) => (d.toString().startsWith('HTTP/1.1 101') ? resolve(socket) : (socket.destroy(), reject(new Error(d.toString())))));
            socket.once('error', reject);
          }),
        { timeoutMs: 20_000, intervalMs: 200, what: `a WebSocket to port ${port} of the lab` },
      );
    const timers: NodeJS.Timeout[] = [];
    const sockets: Socket[] = [];
    let ticks = 0;
    /** Starts a lab's apps and, at once (each lab's idle clock runs from its last exec), its traffic; resolves when that began. */
    const setUp = async (kind: (typeof kinds)[number]): Promise<number> => {
      const id = labs[kind];
      await student.client.waitForLab(id, [LabStatus.Ready], 120_000);
      expect((await student.client.exec(id, ['bash', '-c', servers])).exitCode).toBe(0);
      if (kind === 'http') {
        await eventually(async () => expect(await (await get(id)).text()).toBe('ok'), { timeoutMs: 20_000, intervalMs: 200, what: 'the HTTP app in the lab to answer through the proxy' });
        timers.push(setInterval(() => void get(id).then((r) => r.text(), () => undefined), 500));
      } else {
        const socket = await openSocket(id, kind === 'from-lab' ? 9002 : 9001);
        sockets.push(socket);
        if (kind === 'to-lab') timers.push(setInterval(() => socket.write('frame'), 500));
        if (kind === 'from-lab') socket.on('data', () => ticks++);
      }
      return Date.now();
    };
    try {
      const from = Math.max(...(await Promise.all(kinds.map(setUp))));
      const busy = ['to-lab', 'from-lab', 'http'] as const;
      const seen = new Set<string>();
      await eventually(
        async () => {
          for (const kind of busy) seen.add(`${kind}:${(await student.client.get(`/api/v1/labs/${labs[kind]}`)).body.status}`);
          const silent = (await student.client.get(`/api/v1/labs/${labs.silent}`)).body.status;
          if (silent === LabStatus.Ready || Date.now() - from < (IDLE_LIMIT + 4) * 1000) throw new Error(`the silent lab is ${silent}`);
        },
        { timeoutMs: 60_000, intervalMs: 500, what: 'the silent lab to be idle-stopped, and the limit and its lead passed' },
      );
      // Past the limit and the warning's lead, only the proxy's traffic kept these three.
      expect([...seen].sort()).toEqual(busy.map((kind) => `${kind}:${LabStatus.Ready}`).sort());
      expect(ticks).toBeGreaterThan(IDLE_LIMIT);
      for (const kind of busy) expect({ kind, ...(await student.client.get(`/api/v1/labs/${labs[kind]}`)).body }).toMatchObject({ kind, status: LabStatus.Ready, idle: { stopsAt: null } });
      const stop = (await student.client.get(`/api/v1/labs/${labs.silent}/events`)).body.find((e: any) => e.detail?.action === 'idle-stopped');
      expect(stop).toMatchObject({ actor: 'idle-culler', detail: { limitSeconds: IDLE_LIMIT } });
    } finally {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await Promise.all(Object.values(labs).map((id) => student.client.delete(`/api/v1/labs/${id}`)));
    }
  });
});
