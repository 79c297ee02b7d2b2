import { randomBytes } from 'node:crypto';
import { LabStatus } from '@labfleet/contracts';
import { LabfleetStack, Person, TenantBuilder } from '@labfleet/testing';

jest.setTimeout(120_000);

/**
 * Warm pool and admission on the real engine, with a capacity of 2 CPUs and a template that
 * reserves 0.5: four labs fit, one request may wait, the next is refused.
 */
describe('warm pool, timetable and admission', () => {
  let stack: LabfleetStack;
  let students: Person[];
  let courseId: string;
  let schoolId: string;
  const tag = randomBytes(3).toString('hex');

  const pools = async () => (await stack.client.get('/api/v1/pools')).body;
  const pool = async () => (await pools()).pools.find((p: { template: string }) => p.template === 'small');
  async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 90_000): Promise<T> {
    const started = Date.now();
    for (;;) {
      const value = await read();
      if (ok(value)) return value;
      if (Date.now() - started > timeoutMs) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const request = (p: Person) => p.client.post('/api/v1/labs', { course: courseId, template: 'small' });

  beforeAll(async () => {
    stack = await LabfleetStack.start({
      TEMPLATES_FILE: 'apps/api/test/fixtures/pool-templates.json',
      CAPACITY_CPUS: '2',
      CAPACITY_MEMORY_MB: '100000',
      ADMISSION_QUEUE_MAX: '1',
      POOL_TICK_SECONDS: '1',
    });
    const t = new TenantBuilder(stack.client);
    schoolId = (await t.school(`p-${tag}`)).id;
    courseId = (await t.course(schoolId, 'Rush', { labsPerStudent: 1 })).id;
    students = [];
    for (let i = 0; i < 6; i++) {
      const s = await t.person(schoolId, 'student', `rush${i}-${tag}@example.test`);
      await t.enroll(courseId, s, 'student');
      students.push(s);
    }
  }, 180_000);

  afterAll(() => stack?.stop());

  it('sizing a pool is for platform admins, names what is wrong, and takes effect within seconds', async () => {
    expect((await students[0].client.request('PUT', '/api/v1/pools/small', { min: 2 })).status).toBe(403);
    expect((await stack.client.request('PUT', '/api/v1/pools/nope', { min: 2 })).status).toBe(404);
    expect((await stack.client.request('PUT', '/api/v1/pools/small', { min: 3, max: 2 })).body.message).toBe('max (2) must be at least min (3)');
    expect((await stack.client.request('PUT', '/api/v1/pools/small', { min: -1 })).status).toBe(400);
    const set = await stack.client.request('PUT', '/api/v1/pools/small', { min: 2 });
    expect(set.status).toBe(200);
    expect(set.body.pools.find((p: any) => p.template === 'small')).toMatchObject({ minIdle: 2, target: 2 });
    const filled = await until('pool filled', pool, (p) => p.idle === 2);
    expect(filled).toMatchObject({ idle: 2, warming: 0, claimed: 0 });
  });

  it('two students at the same instant get two different warm labs, at once; the pool refills to its minimum', async () => {
    const started = Date.now();
    const [a, b] = await Promise.all([request(students[0]), request(students[1])]);
    const elapsed = Date.now() - started;
    expect([a.status, b.status]).toEqual([202, 202]);
    expect([a.body.status, b.body.status]).toEqual([LabStatus.Ready, LabStatus.Ready]);
    expect(a.body.id).not.toEqual(b.body.id);
    expect(a.body.claimedAt).not.toBeNull();
    expect(a.body).toMatchObject({ ownerId: students[0].id, courseId });
    expect(elapsed).toBeLessThan(5000);
    // The claimed lab works: it is a running Docker host.
    expect((await students[0].client.sh(a.body.id, 'docker info --format "{{.ServerVersion}}"')).exitCode).toBe(0);
    await until('pool refilled', pool, (p) => p.idle === 2 && p.claimed === 2);
    // Its history says it came from the pool.
    const events = (await students[0].client.get(`/api/v1/labs/${a.body.id}/events`)).body;
    expect(events.at(-1)).toMatchObject({ from: 'ready', to: 'ready', actor: students[0].email, detail: { action: 'claimed' } });
  });

  it('beyond capacity a request waits in line with its position, a full line is 429, and it proceeds when a lab ends', async () => {
    // Two more students take the two refilled labs; capacity (four labs) is now all in use.
    const [c, d] = await Promise.all([request(students[2]), request(students[3])]);
    expect([c.body.status, d.body.status]).toEqual([LabStatus.Ready, LabStatus.Ready]);
    expect(await pools()).toMatchObject({ capacity: { cpus: 2 }, reserved: { cpus: 2 }, free: { cpus: 0 }, waiting: 0 });
    const waiting = await request(students[4]);
    expect(waiting.status).toBe(202);
    expect(waiting.body).toMatchObject({ status: LabStatus.Pending, queuePosition: 1, claimedAt: null });
    expect((await students[4].client.get(`/api/v1/labs/${waiting.body.id}`)).body.queuePosition).toBe(1);
    const refused = await request(students[5]);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ limit: 'admissionQueue', limitValue: 1, current: 1 });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The pool does not refill ahead of a waiting student.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await pool()).toMatchObject({ idle: 0, warming: 0, claimed: 5 });
    expect((await students[4].client.get(`/api/v1/labs/${waiting.body.id}`)).body).toMatchObject({ status: LabStatus.Pending, queuePosition: 1 });
    // A lab ends: the waiting one goes through, before any pool refill.
    expect((await stack.client.request('PUT', '/api/v1/pools/small', { min: 0 })).status).toBe(200);
    expect((await students[0].client.delete(`/api/v1/labs/${(await students[0].client.get('/api/v1/labs')).body.items[0].id}`)).status).toBe(202);
    const ready = await students[4].client.waitForLab(waiting.body.id, [LabStatus.Ready], 90_000);
    expect(ready.queuePosition).toBeNull();
    const events = (await students[4].client.get(`/api/v1/labs/${waiting.body.id}/events`)).body;
    expect(events[0]).toMatchObject({ to: 'pending', detail: { queued: true } });
    // Make room for the next test: only the admitted lab stays.
    for (const s of students.slice(1, 4)) {
      for (const lab of (await s.client.get('/api/v1/labs?status=ready')).body.items) await s.client.delete(`/api/v1/labs/${lab.id}`);
    }
    await until('room made', pools, (p) => p.reserved.cpus === 0.5);
  });

  it('a timetabled session pre-warms labs, and the pool shrinks back when the timetable says so', async () => {
    expect((await stack.client.patch(`/api/v1/schools/${schoolId}`, { timezone: 'Mars/Olympus' })).body.message).toEqual(['timezone must be an IANA time zone such as Europe/Paris']);
    expect((await stack.client.patch(`/api/v1/schools/${schoolId}`, { timezone: 'Pacific/Auckland' })).status).toBe(200);
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: 'Pacific/Auckland', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date()).map((p) => [p.type, p.value]));
    const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday) + 1;
    const now = Number(parts.hour) * 60 + Number(parts.minute);
    // A session starting within the lead time (10 min) counts already.
    const start = Math.min(now + 5, 1438);
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const slot = { weekday, start: hhmm(start), end: hhmm(Math.min(start + 1, 1439)), expectedStudents: 1, template: 'small' };
    const put = await stack.client.request('PUT', `/api/v1/courses/${courseId}/timetable`, { slots: [slot] });
    expect(put.status).toBe(200);
    expect(put.body.slots).toEqual([expect.objectContaining({ weekday, start: slot.start, expectedStudents: 1, template: 'small' })]);
    expect((await students[0].client.get(`/api/v1/courses/${courseId}/timetable`)).body.slots).toHaveLength(1);
    expect((await students[0].client.request('PUT', `/api/v1/courses/${courseId}/timetable`, { slots: [] })).status).toBe(403);
    expect((await stack.client.request('PUT', `/api/v1/courses/${courseId}/timetable`, { slots: [{ ...slot, template: 'nope' }] })).body.message).toBe("slots[0].template: unknown template 'nope'");
    await until('pre-warmed', pool, (p) => p.scheduled === 1 && p.target === 1 && p.idle === 1);
    expect((await stack.client.request('PUT', `/api/v1/courses/${courseId}/timetable`, { slots: [] })).status).toBe(200);
    await until('shrunk back', pool, (p) => p.scheduled === 0 && p.idle === 0);
  });

  it('/metrics reports labs by state, pool vs cold, provision times, queues, reconcile and capacity', async () => {
    const res = await stack.client.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const text: string = res.body;
    expect(text).toContain('labfleet_lab_requests_total{source="pool"} 4');
    expect(text).toContain('labfleet_lab_requests_total{source="cold"} 1');
    expect(text).toMatch(/labfleet_labs\{status="ready",template="small",pool="false"\} 1/);
    expect(text).toMatch(/labfleet_labs\{status="stopped",template="small",pool="false"\} 4/);
    expect(text).toMatch(/labfleet_provision_duration_seconds_count [1-9]\d*/);
    expect(text).toMatch(/labfleet_queue_jobs\{queue="lab-provision",state="active"\} \d+/);
    expect(text).toMatch(/labfleet_reconcile_runs_total [1-9]\d*/);
    expect(text).toContain(`labfleet_capacity_cpus{host="${stack.instance.instance}"} 2`);
    expect((await students[0].client.request('GET', '/metrics')).status).toBe(403);
    expect((await students[0].client.get('/api/v1/pools')).status).toBe(403);
  });
});
