import IORedis from 'ioredis';
import jwt from 'jsonwebtoken';
import { randomBytes } from 'node:crypto';
import { ApiClient, eventually, LabfleetStack, login, Person, TenantBuilder, TEST_JWT_SECRET, TEST_PASSWORD } from '@labfleet/testing';

jest.setTimeout(60_000);

/**
 * Rate limits count in fixed windows of the clock's minute (queue/rate-limiter.ts). A test that
 * counts up to a limit starts well before a window's edge, so all its requests fall in one window
 * whatever the time of day.
 */
async function inOneRateWindow(needMs = 20_000): Promise<void> {
  const left = () => 60_000 - (Date.now() % 60_000);
  if (left() < needMs) await eventually(() => expect(left()).toBeGreaterThanOrEqual(needMs), { timeoutMs: needMs + 1000, intervalMs: 250, what: 'the next rate-limit window' });
}

/** Logins, tokens, roster import, roles and abuse limits, over HTTP against a real API process. */
describe('accounts, logins and tokens', () => {
  let stack: LabfleetStack;
  let t: TenantBuilder;
  let schoolId: string;
  let schoolAdmin: Person;
  let teacher: Person;
  let courseId: string;
  const tag = randomBytes(3).toString('hex');
  const email = (name: string) => `${name}-${tag}@example.test`;
  const anonymous = () => new ApiClient(stack.client.baseUrl, null);
  const as = (token: string) => new ApiClient(stack.client.baseUrl, token);

  beforeAll(async () => {
    // Low limits so the abuse tests reach them; each test uses its own accounts.
    stack = await LabfleetStack.start({ RATE_LIMIT_LOGIN_PER_MINUTE: '6', LOGIN_LOCK_AFTER_FAILURES: '3', RATE_LIMIT_LABS_PER_MINUTE: '3' }, 0);
    t = new TenantBuilder(stack.client);
    schoolId = (await t.school(`a-${tag}`)).id;
    schoolAdmin = await t.person(schoolId, 'school-admin', email('admin'));
    teacher = await t.person(schoolId, 'teacher', email('teacher'));
    courseId = (await t.course(schoolId, 'Docker 101')).id;
    await t.enroll(courseId, teacher, 'teacher');
  }, 120_000);

  afterAll(() => stack?.stop());

  it('logs in with a password: a short-lived access token that works, and a wrong password is 401', async () => {
    const session = (await anonymous().post('/api/v1/auth/login', { email: teacher.email.toUpperCase(), password: TEST_PASSWORD })).body;
    expect(session).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { id: teacher.id, role: 'teacher', schoolId } });
    expect((await as(session.accessToken).get('/api/v1/me')).body).toMatchObject({ id: teacher.id, role: 'teacher', teaching: [courseId] });
    const wrong = await anonymous().post('/api/v1/auth/login', { email: teacher.email, password: 'not-the-password' });
    expect(wrong).toMatchObject({ status: 401, body: { message: 'wrong email or password' } });
    expect((await anonymous().post('/api/v1/auth/login', { email: 'nobody@example.test', password: 'whatever-password' })).status).toBe(401);
    expect((await anonymous().post('/api/v1/auth/login', { email: 'not an email', password: 'x' })).body.message).toEqual(['email must be an email address']);
    // The failed attempt is in the audit log, with the address it came from.
    const failed = (await schoolAdmin.client.get('/api/v1/audit?action=auth.login-failed')).body.items;
    expect(failed.filter((e: { actorId: string }) => e.actorId === teacher.id)).toEqual([expect.objectContaining({ actorLabel: teacher.email, ip: expect.stringMatching(/127\.0\.0\.1/) })]);
  });

  it('refresh tokens rotate; replaying a used one revokes the session; logout revokes it too', async () => {
    const first = await login(stack.client.baseUrl, teacher.email, TEST_PASSWORD);
    const second = (await anonymous().post('/api/v1/auth/refresh', { refreshToken: first.refreshToken })).body;
    expect(second.refreshToken).not.toEqual(first.refreshToken);
    expect((await as(second.accessToken).get('/api/v1/me')).status).toBe(200);
    const replay = await anonymous().post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect(replay).toMatchObject({ status: 401, body: { message: 'refresh token already used or revoked; sign in again' } });
    // The replay revoked the whole family: the newer token is dead too.
    expect((await anonymous().post('/api/v1/auth/refresh', { refreshToken: second.refreshToken })).status).toBe(401);
    const other = await login(stack.client.baseUrl, teacher.email, TEST_PASSWORD);
    expect((await anonymous().post('/api/v1/auth/logout', { refreshToken: other.refreshToken })).status).toBe(204);
    expect((await anonymous().post('/api/v1/auth/refresh', { refreshToken: other.refreshToken })).status).toBe(401);
  });

  it('an expired or forged access token is 401, saying which', async () => {
    const expired = jwt.sign({ typ: 'access' }, TEST_JWT_SECRET, { subject: teacher.id, issuer: 'labfleet', audience: 'labfleet-api', expiresIn: -10 });
    expect((await as(expired).get('/api/v1/me')).body.message).toBe('access token expired; refresh it');
    const forged = jwt.sign({ typ: 'access' }, 'another-secret-another-secret-another', { subject: teacher.id, issuer: 'labfleet', audience: 'labfleet-api', expiresIn: 60 });
    expect((await as(forged).get('/api/v1/me')).body.message).toBe('invalid token');
    const res = await anonymous().get('/api/v1/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('personal API tokens: shown once, listed without the secret, act as their owner, revoked at once', async () => {
    const created = await teacher.client.post('/api/v1/me/tokens', { name: 'grading script', expiresInDays: 30 });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^lf_pat_/);
    const listed = (await teacher.client.get('/api/v1/me/tokens')).body;
    expect(listed).toEqual([expect.objectContaining({ id: created.body.id, name: 'grading script', prefix: created.body.token.slice(0, 11) })]);
    expect(JSON.stringify(listed)).not.toContain(created.body.token);
    const script = as(created.body.token);
    expect((await script.get('/api/v1/me')).body).toMatchObject({ id: teacher.id, role: 'teacher' });
    expect((await script.get(`/api/v1/courses/${courseId}/members`)).status).toBe(200);
    expect((await teacher.client.delete(`/api/v1/me/tokens/${created.body.id}`)).status).toBe(204);
    expect((await script.get('/api/v1/me')).body.message).toBe('API token unknown or revoked');
    expect((await teacher.client.delete(`/api/v1/me/tokens/${created.body.id}`)).status).toBe(404);
    expect((await stack.client.post('/api/v1/me/tokens', { name: 'x' })).status).toBe(403);
  });

  it('the bootstrap admin token still works as a platform admin', async () => {
    expect((await stack.client.get('/api/v1/me')).body).toMatchObject({ id: null, label: 'admin-token', role: 'platform-admin' });
    expect((await stack.client.get('/api/v1/schools')).body.map((s: { id: string }) => s.id)).toContain(schoolId);
  });

  it('roster import: created, existing and rejected lines; a broken file imports nothing', async () => {
    const existing = await t.person(schoolId, 'student', email('already'));
    const csv = ['email,name', `${email('new1')},New One`, `"${email('new2')}","Two, Jr."`, `${existing.email},Already There`, 'not-an-email,Bad', `${email('NEW1')},Duplicate`].join('\r\n');
    const res = await teacher.client.csv(`/api/v1/courses/${courseId}/roster`, csv);
    expect(res.status).toBe(200);
    expect(res.body.created.map((l: any) => [l.line, l.email])).toEqual([[2, email('new1')], [3, email('new2')]]);
    expect(res.body.existing.map((l: any) => [l.line, l.email, l.userId])).toEqual([[4, existing.email, existing.id]]);
    expect(res.body.rejected).toEqual([
      { line: 5, email: 'not-an-email', outcome: 'rejected', reason: 'not an email address' },
      { line: 6, email: email('NEW1'), outcome: 'rejected', reason: 'same email as line 2' },
    ]);
    const members = async () => (await teacher.client.get(`/api/v1/courses/${courseId}/members`)).body.map((m: any) => m.email).sort();
    expect(await members()).toEqual([email('already'), email('new1'), email('new2'), teacher.email].sort());
    // Importing the same file again creates nothing.
    const again = (await teacher.client.csv(`/api/v1/courses/${courseId}/roster`, csv)).body;
    expect([again.created.length, again.existing.length, again.rejected.length]).toEqual([0, 3, 2]);
    // A broken file (a line with three columns) is refused as a whole, naming the line.
    const before = await members();
    const broken = await teacher.client.csv(`/api/v1/courses/${courseId}/roster`, `${email('new3')},Three\n${email('new4')},Four,extra\n`);
    expect(broken).toMatchObject({ status: 400, body: { message: 'roster not imported: line 2: expected 2 columns (email,name), found 3' } });
    expect(await members()).toEqual(before);
    expect((await stack.client.get(`/api/v1/schools/${schoolId}/users?limit=500`)).body.items.map((u: any) => u.email)).not.toContain(email('new3'));
    expect((await teacher.client.request('POST', `/api/v1/courses/${courseId}/roster`, { csv: 'x' })).status).toBe(400);
  });

  it('role changes are made by school admins only, and audited', async () => {
    const student = await t.person(schoolId, 'student', email('promoted'));
    expect((await teacher.client.patch(`/api/v1/users/${student.id}`, { role: 'teacher' })).status).toBe(404);
    expect((await student.client.patch(`/api/v1/users/${student.id}`, { role: 'school-admin' })).status).toBe(403);
    expect((await schoolAdmin.client.patch(`/api/v1/users/${student.id}`, { role: 'platform-admin' })).status).toBe(403);
    const promoted = await schoolAdmin.client.patch(`/api/v1/users/${student.id}`, { role: 'teacher' });
    expect(promoted).toMatchObject({ status: 200, body: { role: 'teacher' } });
    // Roles are read per request: the existing access token now carries the new role.
    expect((await student.client.get('/api/v1/me')).body.role).toBe('teacher');
    const audit = (await schoolAdmin.client.get('/api/v1/audit?action=user.role-changed')).body.items.filter((e: { targetId: string }) => e.targetId === student.id);
    expect(audit).toEqual([expect.objectContaining({ actorId: schoolAdmin.id, targetId: student.id, detail: { email: student.email, from: 'student', to: 'teacher' } })]);
    expect((await schoolAdmin.client.post('/api/v1/users', { schoolId, email: email('short'), name: 'S', role: 'student', password: 'short' })).body.message).toBe('password must be at least 10 characters');
    expect((await schoolAdmin.client.post('/api/v1/users', { schoolId, email: teacher.email, name: 'Dup', role: 'student' })).status).toBe(409);
  });

  it('repeated failed logins lock the account for a while (429 + Retry-After), even with the right password', async () => {
    const victim = await t.person(schoolId, 'student', email('victim'));
    for (let i = 0; i < 3; i++) expect((await anonymous().post('/api/v1/auth/login', { email: victim.email, password: 'guess-guess-guess' })).status).toBe(401);
    const locked = await anonymous().post('/api/v1/auth/login', { email: victim.email, password: TEST_PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.body.message).toBe('too many failed logins for this account; try again later');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Each login attempt counts against the per-minute limit, so the test watches the lock itself
    // run out in Redis (its key expires with the lock) instead of trying again and again.
    const redis = new IORedis('redis://127.0.0.1:6379');
    try {
      const lock = `${stack.instance.instance}:limits:lock:login:${victim.email}`;
      expect(await redis.pttl(lock)).toBeGreaterThan(0);
      await eventually(async () => expect(await redis.exists(lock)).toBe(0), { timeoutMs: 5000, what: 'the account lock to run out' });
    } finally {
      await redis.quit();
    }
    expect((await anonymous().post('/api/v1/auth/login', { email: victim.email, password: TEST_PASSWORD })).status).toBe(200);
  });

  it('login attempts per account are rate limited per minute', async () => {
    await inOneRateWindow();
    const busy = await t.person(schoolId, 'student', email('busy'));
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await anonymous().post('/api/v1/auth/login', { email: busy.email, password: TEST_PASSWORD })).status);
    // One login was spent by the fixture: 5 more pass, then the limit of 6 answers 429.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
  });

  it('lab requests per account are rate limited (429 + Retry-After) before anything is created', async () => {
    await inOneRateWindow();
    const student = await t.person(schoolId, 'student', email('eager'));
    await t.enroll(courseId, student, 'student');
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await student.client.post('/api/v1/labs', { course: courseId, template: 'no-such-template' }));
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 429]);
    expect(answers[3].body.message).toBe('too many lab requests for this account: at most 3 per minute');
    expect(Number(answers[3].headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
