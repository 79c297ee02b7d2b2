import { randomBytes } from 'node:crypto';
import { LabStatus } from '@labfleet/contracts';
import { consistently, eventually, LabfleetStack, Person, TenantBuilder } from '@labfleet/testing';

jest.setTimeout(120_000);

/**
 * An IANA zone where it is mid-day now (09:00 to 15:59) and at least 3 h away from UTC: a session
 * starting there in a few minutes cannot cross midnight, and would not be near if the school's zone
 * were ignored. (`Etc/GMT-3` is UTC+3: POSIX signs.)
 */
function midDayZone(now: Date): { zone: string; weekday: number; minute: number } {
  const offsets = Array.from({ length: 25 }, (_, i) => i - 12).filter((o) => Math.abs(o) >= 3);
  const localHour = (o: number) => (now.getUTCHours() + o + 24) % 24;
  const offset = offsets.find((o) => localHour(o) >= 9 && localHour(o) < 16)!;
  const zone = `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now).map((p) => [p.type, p.value]));
  return { zone, weekday: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday) + 1, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

/** The value of one sample of a Prometheus text exposition (0 when absent), whatever the order of its labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}

/**
 * Warm pool and admission on the real engine, with a capacity of 2 CPUs and a template that
 * reserves 0.5: four labs fit, one request may wait, the next is refused. Every test starts from an
 * empty pool and free capacity (afterEach) and makes the students and labs it counts.
 */
describe('warm pool, timetable and admission', () => {
  let stack: LabfleetStack;
  let t: TenantBuilder;
  let courseId: string;
  let schoolId: string;
  const tag = randomBytes(3).toString('hex');
  let enrolled = 0;

  const pools = async () => (await stack.client.get('/api/v1/pools')).body;
  const pool = async () => (await pools()).pools.find((p: { template: string }) => p.template === 'small');
  const setPool = async (min: number) => expect((await stack.client.request('PUT', '/api/v1/pools/small', { min })).status).toBe(200);
  const request = (p: Person) => p.client.post('/api/v1/labs', { course: courseId, template: 'small' });
  /** New students of the course (one lab each at most), for one test. */
  const newStudents = async (n: number): Promise<Person[]> => {
    const made: Person[] = [];
    for (let i = 0; i < n; i++) {
      const s = await t.person(schoolId, 'student', `rush${++enrolled}-${tag}@example.test`);
      await t.enroll(courseId, s, 'student');
      made.push(s);
    }
    return made;
  };

  beforeAll(async () => {
    stack = await LabfleetStack.start({
      TEMPLATES_FILE: 'apps/api/test/fixtures/pool-templates.json',
      CAPACITY_CPUS: '2',
      CAPACITY_MEMORY_MB: '100000',
      ADMISSION_QUEUE_MAX: '1',
      POOL_TICK_SECONDS: '1',
    });
    t = new TenantBuilder(stack.client);
    schoolId = (await t.school(`p-${tag}`)).id;
    courseId = (await t.course(schoolId, 'Rush', { labsPerStudent: 1 })).id;
  }, 180_000);

  // Room for the next test: no pool, no timetable, no live lab, nothing reserved or waiting.
  afterEach(async () => {
    await setPool(0);
    expect((await stack.client.request('PUT', `/api/v1/courses/${courseId}/timetable`, { slots: [] })).status).toBe(200);
    const live = (await stack.client.get('/api/v1/labs?status=pending,provisioning,ready&limit=100')).body.items;
    for (const lab of live) await stack.client.delete(`/api/v1/labs/${lab.id}`);
    await eventually(
      async () => {
        expect(await pools()).toMatchObject({ reserved: { cpus: 0 }, waiting: 0 });
        expect(await pool()).toMatchObject({ target: 0, idle: 0, warming: 0, claimed: 0 });
      },
      { timeoutMs: 90_000, what: 'the installation to be empty again' },
    );
  }, 120_000);

  afterAll(() => stack?.stop());

  it('sizing a pool is for platform admins, names what is wrong, and takes effect within seconds', async () => {
    const [student] = await newStudents(1);
    expect((await student.client.request('PUT', '/api/v1/pools/small', { min: 2 })).status).toBe(403);
    expect((await stack.client.request('PUT', '/api/v1/pools/nope', { min: 2 })).status).toBe(404);
    expect((await stack.client.request('PUT', '/api/v1/pools/small', { min: 3, max: 2 })).body.message).toBe('max (2) must be at least min (3)');
    expect((await stack.client.request('PUT', '/api/v1/pools/small', { min: -1 })).status).toBe(400);
    const set = await stack.client.request('PUT', '/api/v1/pools/small', { min: 2 });
    expect(set.status).toBe(200);
    expect(set.body.pools.find((p: any) => p.template === 'small')).toMatchObject({ minIdle: 2, target: 2 });
    await eventually(async () => expect(await pool()).toMatchObject({ idle: 2, warming: 0, claimed: 0 }), { timeoutMs: 90_000, what: 'the pool to fill' });
  });

  it('two students at the same instant get two different warm labs, at once; the pool refills to its minimum', async () => {
    const [first, second] = await newStudents(2);
    await setPool(2);
    await eventually(async () => expect(await pool()).toMatchObject({ idle: 2, warming: 0 }), { timeoutMs: 90_000, what: 'the pool to fill' });
    const started = performance.now();
    const [a, b] = await Promise.all([request(first), request(second)]);
    const elapsed = performance.now() - started;
    expect([a.status, b.status]).toEqual([202, 202]);
    expect([a.body.status, b.body.status]).toEqual([LabStatus.Ready, LabStatus.Ready]);
    expect(a.body.id).not.toEqual(b.body.id);
    expect(a.body.claimedAt).not.toBeNull();
    expect(a.body).toMatchObject({ ownerId: first.id, courseId });
    expect(elapsed).toBeLessThan(5000);
    // The claimed lab works: it is a running Docker host.
    expect((await first.client.sh(a.body.id, 'docker info --format "{{.ServerVersion}}"')).exitCode).toBe(0);
    await eventually(async () => expect(await pool()).toMatchObject({ idle: 2, claimed: 2 }), { timeoutMs: 90_000, what: 'the pool to refill' });
    // Its history says it came from the pool.
    const events = (await first.client.get(`/api/v1/labs/${a.body.id}/events`)).body;
    expect(events.at(-1)).toMatchObject({ from: 'ready', to: 'ready', actor: first.email, detail: { action: 'claimed' } });
  });

  it('beyond capacity a request waits in line with its position, a full line is 429, and it proceeds when a lab ends', async () => {
    const students = await newStudents(6);
    // Four labs take the whole capacity.
    const holding = await Promise.all(students.slice(0, 4).map(request));
    expect(holding.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    await Promise.all(holding.map((r, i) => students[i].client.waitForLab(r.body.id, [LabStatus.Ready], 90_000)));
    expect(await pools()).toMatchObject({ capacity: { cpus: 2 }, reserved: { cpus: 2 }, free: { cpus: 0 }, waiting: 0 });
    const waiting = await request(students[4]);
    expect(waiting.status).toBe(202);
    expect(waiting.body).toMatchObject({ status: LabStatus.Pending, queuePosition: 1, claimedAt: null });
    expect((await students[4].client.get(`/api/v1/labs/${waiting.body.id}`)).body.queuePosition).toBe(1);
    const refused = await request(students[5]);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ limit: 'admissionQueue', limitValue: 1, current: 1 });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The pool does not refill ahead of a waiting student: over two pool ticks (POOL_TICK_SECONDS=1) nothing is made.
    await setPool(2);
    await consistently(
      async () => {
        expect(await pool()).toMatchObject({ idle: 0, warming: 0, claimed: 5 });
        expect((await students[4].client.get(`/api/v1/labs/${waiting.body.id}`)).body).toMatchObject({ status: LabStatus.Pending, queuePosition: 1 });
      },
      { forMs: 2500, intervalMs: 250 },
    );
    // A lab ends: the waiting one goes through.
    await setPool(0);
    expect((await students[0].client.delete(`/api/v1/labs/${holding[0].body.id}`)).status).toBe(202);
    const ready = await students[4].client.waitForLab(waiting.body.id, [LabStatus.Ready], 90_000);
    expect(ready.queuePosition).toBeNull();
    const events = (await students[4].client.get(`/api/v1/labs/${waiting.body.id}/events`)).body;
    expect(events[0]).toMatchObject({ to: 'pending', detail: { queued: true } });
  });

  it('a timetabled session pre-warms labs, and the pool shrinks back when the timetable says so', async () => {
    const [student] = await newStudents(1);
    expect((await stack.client.patch(`/api/v1/schools/${schoolId}`, { timezone: 'Mars/Olympus' })).body.message).toEqual(['timezone must be an IANA time zone such as Europe/Paris']);
    expect((await stack.client.patch(`/api/v1/schools/${schoolId}`, { timezone: 'Pacific/Auckland' })).status).toBe(200);
    // A session starting in 5 minutes (the lead time is 10), in a zone where that is mid-day: any time of day or night here.
    const { zone, weekday, minute } = midDayZone(new Date());
    expect((await stack.client.patch(`/api/v1/schools/${schoolId}`, { timezone: zone })).status).toBe(200);
    const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const slot = { weekday, start: hhmm(minute + 5), end: hhmm(minute + 65), expectedStudents: 1, template: 'small' };
    const put = await stack.client.request('PUT', `/api/v1/courses/${courseId}/timetable`, { slots: [slot] });
    expect(put.status).toBe(200);
    expect(put.body.slots).toEqual([expect.objectContaining({ weekday, start: slot.start, expectedStudents: 1, template: 'small' })]);
    expect((await student.client.get(`/api/v1/courses/${courseId}/timetable`)).body.slots).toHaveLength(1);
    expect((await student.client.request('PUT', `/api/v1/courses/${courseId}/timetable`, { slots: [] })).status).toBe(403);
    expect((await stack.client.request('PUT', `/api/v1/courses/${courseId}/timetable`, { slots: [{ ...slot, template: 'nope' }] })).body.message).toBe("slots[0].template: unknown template 'nope'");
    await eventually(async () => expect(await pool()).toMatchObject({ scheduled: 1, target: 1, idle: 1 }), { timeoutMs: 90_000, what: 'the session to pre-warm a lab' });
    expect((await stack.client.request('PUT', `/api/v1/courses/${courseId}/timetable`, { slots: [] })).status).toBe(200);
    await eventually(async () => expect(await pool()).toMatchObject({ scheduled: 0, idle: 0 }), { timeoutMs: 90_000, what: 'the pool to shrink back' });
  });

  it('/metrics reports labs by state, pool vs cold, provision times, queues, reconcile and capacity', async () => {
    const [cold, warm] = await newStudents(2);
    const metrics = async () => {
      const res = await stack.client.request('GET', '/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
      return res.body as string;
    };
    const before = await metrics();
    // One lab made for its student (cold), one taken from the pool.
    const made = await request(cold);
    await cold.client.waitForLab(made.body.id, [LabStatus.Ready], 90_000);
    await setPool(1);
    await eventually(async () => expect(await pool()).toMatchObject({ idle: 1 }), { timeoutMs: 90_000, what: 'the pool to fill' });
    expect((await request(warm)).body.status).toBe(LabStatus.Ready);

    const text = await metrics();
    const delta = (name: string, labels: Record<string, string> = {}) => sample(text, name, labels) - sample(before, name, labels);
    expect(delta('labfleet_lab_requests_total', { source: 'pool' })).toBe(1);
    expect(delta('labfleet_lab_requests_total', { source: 'cold' })).toBe(1);
    expect(delta('labfleet_labs', { status: 'ready', template: 'small', pool: 'false' })).toBe(2);
    expect(delta('labfleet_provision_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^labfleet_queue_jobs\{.*queue="lab-provision".*\} \d+$/m);
    expect(sample(text, 'labfleet_reconcile_runs_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'labfleet_capacity_cpus', { host: stack.instance.instance })).toBe(2);
    expect((await cold.client.request('GET', '/metrics')).status).toBe(403);
    expect((await cold.client.get('/api/v1/pools')).status).toBe(403);
  });
});
