import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { LabStatus } from '@labfleet/contracts';
import { consistently, eventually, freePort, LabfleetProcess, LabfleetStack, Person, TenantBuilder } from '@labfleet/testing';

jest.setTimeout(180_000);

// Seconds instead of minutes, allowed by this installation's floor: the whole cull takes ~10 s.
const LIMIT = 8;
const IDLE_ENV = { IDLE_LIMIT_MIN_SECONDS: '5', IDLE_CHECK_SECONDS: '1', IDLE_WARNING_SECONDS: '4', ACTIVITY_WRITE_SECONDS: '1' };

/**
 * A course's idle limit on the real stack, with two API processes: a lab typed in (through the
 * second API) keeps running past the limit; an idle one is warned, then stopped (`idle-stopped`),
 * and its minutes stop counting.
 */
describe('idle labs', () => {
  let stack: LabfleetStack;
  let secondApi: LabfleetProcess;
  let secondBase: string;
  let courseId: string;
  let teacher: Person, busy: Person, idle: Person;
  let busyLab: string, idleLab: string;
  const sockets: WebSocket[] = [];
  const tag = randomBytes(3).toString('hex');

  beforeAll(async () => {
    stack = await LabfleetStack.start(IDLE_ENV);
    const port = await freePort();
    secondApi = LabfleetProcess.start('api', `${stack.instance.instance}-api-2`, stack.env({ PORT: String(port) }));
    secondBase = `http://127.0.0.1:${port}`;
    const t = new TenantBuilder(stack.client);
    const school = await t.school(`idle-${tag}`);
    courseId = (await t.course(school.id, 'Idle course', { labsPerStudent: 1 })).id;
    teacher = await t.person(school.id, 'teacher', `teacher-${tag}@example.test`);
    busy = await t.person(school.id, 'student', `busy-${tag}@example.test`);
    idle = await t.person(school.id, 'student', `idle-${tag}@example.test`);
    for (const [p, role] of [[teacher, 'teacher'], [busy, 'student'], [idle, 'student']] as const) await t.enroll(courseId, p, role);
    await secondApi.waitForLog('Nest application successfully started');
  }, 180_000);

  afterAll(async () => {
    for (const ws of sockets) ws.close();
    await secondApi?.stop();
    await stack?.stop();
  });

  it('takes an idle limit from the course\'s teachers, within the installation\'s floor (400 naming it), not from students (403)', async () => {
    const tooShort = await teacher.client.patch(`/api/v1/courses/${courseId}/policy`, { idleLimitSeconds: 4 });
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.message).toMatch(/idleLimitSeconds must be at least 5 \(IDLE_LIMIT_MIN_SECONDS\)/);
    expect((await busy.client.patch(`/api/v1/courses/${courseId}/policy`, { idleLimitSeconds: LIMIT })).status).toBe(403);
    expect((await stack.client.get(`/api/v1/courses/${courseId}`)).body.idleLimitSeconds).toBeNull();
    const set = await teacher.client.patch(`/api/v1/courses/${courseId}/policy`, { idleLimitSeconds: LIMIT });
    expect(set.status).toBe(200);
    expect(set.body.idleLimitSeconds).toBe(LIMIT);
  });

  it('keeps a lab typed in past the limit; warns, then stops, the idle one, whose minutes stop counting', async () => {
    const [a, b] = await Promise.all([busy.client.post('/api/v1/labs', { template: 'docker', course: courseId }), idle.client.post('/api/v1/labs', { template: 'docker', course: courseId })]);
    expect([a.status, b.status]).toEqual([202, 202]);
    [busyLab, idleLab] = [a.body.id, b.body.id];
    // The busy student types through the second API process: the worker and the first API see it through Redis.
    const ticket = await eventually(
      async () => {
        const res = await busy.client.post(`/api/v1/labs/${busyLab}/terminal`, {});
        if (res.status !== 200) throw new Error(`terminal ticket: ${res.status} ${JSON.stringify(res.body)}`);
        return res.body;
      },
      { timeoutMs: 90_000, intervalMs: 200, what: 'the busy lab to be ready' },
    );
    const ws = new WebSocket(`${secondBase.replace('http', 'ws')}${ticket.url}&cols=100&rows=30`);
    sockets.push(ws);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    await idle.client.waitForLab(idleLab, [LabStatus.Ready], 90_000);

    // The busy student keeps typing (every 0.5 s) until the end of the test.
    const typing = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ type: 'input', data: 'true\r' })), 500);
    try {
      const started = Date.now();
      const busyStatuses = new Set<string>();
      let shownStop: string | null = null;
      await eventually(
        async () => {
          busyStatuses.add((await busy.client.get(`/api/v1/labs/${busyLab}`)).body.status);
          const seen = (await idle.client.get(`/api/v1/labs/${idleLab}`)).body;
          shownStop ??= seen.idle?.stopsAt ?? null;
          if (seen.status === LabStatus.Ready || Date.now() - started < (LIMIT + 2) * 1000) throw new Error(`the idle lab is ${seen.status}`);
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
      expect((await busy.client.get(`/api/v1/labs/${busyLab}/events`)).body.map((e: { detail: { action?: string } | null }) => e.detail?.action)).not.toContain('idle-warned');

      const events: { to: string; actor: string; at: string; detail: Record<string, unknown> | null }[] = (await idle.client.get(`/api/v1/labs/${idleLab}/events`)).body;
      const warning = events.find((e) => e.detail?.action === 'idle-warned');
      const stop = events.find((e) => e.detail?.action === 'idle-stopped');
      expect(warning).toMatchObject({ to: LabStatus.Ready, actor: 'idle-culler', detail: { limitSeconds: LIMIT } });
      expect(stop).toMatchObject({ to: LabStatus.Stopping, actor: 'idle-culler', detail: { limitSeconds: LIMIT, reason: expect.stringMatching(/no terminal input, command, file transfer or port traffic for \d+ s/) } });
      expect(new Date(stop!.at).getTime() - new Date(warning!.at).getTime()).toBeGreaterThanOrEqual((LIMIT / 2) * 1000 - 1000);
      await idle.client.waitForLab(idleLab, [LabStatus.Stopped], 60_000);

      // Its minutes are those from ready to the idle stop, and stay so; the busy student's keep growing.
      const readyAt = new Date(events.find((e) => e.to === LabStatus.Ready)!.at).getTime();
      const counted = Math.round((new Date(stop!.at).getTime() - readyAt) / 6000) / 10;
      const minutesOf = async (p: Person) => ((await teacher.client.get(`/api/v1/courses/${courseId}/usage`)).body.people as { userId: string; minutes: number }[]).find((x) => x.userId === p.id)!.minutes;
      const busyBefore = await minutesOf(busy);
      await consistently(async () => expect(await minutesOf(idle)).toBe(counted), { forMs: 6500, intervalMs: 1000 });
      expect(await minutesOf(busy)).toBeGreaterThan(busyBefore);
    } finally {
      clearInterval(typing);
    }
  });
});
