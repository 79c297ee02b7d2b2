import { randomBytes } from 'node:crypto';
import { LabfleetStack, twoSchools } from '@labfleet/testing';

jest.setTimeout(180_000);

type World = Awaited<ReturnType<typeof twoSchools>>;

/**
 * A school's caps on one lab (docs/api.md "Schools, people and courses"): set by platform admins
 * within the platform's, read by the school's admins, applied to the templates its teachers save
 * and to the labs its people ask for, global templates included. An API and no worker: every lab
 * asked for here is refused or stays pending, so no container is made.
 */
describe("a school's caps on what one lab may ask for (real API and Postgres)", () => {
  let stack: LabfleetStack;
  let w: World;
  const caps = () => `/api/v1/schools/${w.school1.id}/caps`;
  const NO_CAPS = { nodes: null, cpus: null, memoryMb: null, pidsLimit: null, diskMb: null, ttlSeconds: null };

  beforeAll(async () => {
    stack = await LabfleetStack.start({}, 0);
    w = await twoSchools(stack.client, randomBytes(3).toString('hex'));
  }, 120_000);
  afterAll(() => stack?.stop());

  it('a platform admin sets them; one above the platform cap is a 400 naming it, and nothing changes', async () => {
    const fresh = await stack.client.get(caps());
    expect(fresh.status).toBe(200);
    expect(fresh.body).toEqual({ schoolId: w.school1.id, caps: NO_CAPS, platform: { nodes: 5, cpus: 4, memoryMb: 8192, pidsLimit: 8192, diskMb: 20480, ttlSeconds: 86400 }, exceeding: [] });

    const above = await stack.client.patch(caps(), { cpus: 8, memoryMb: 2048 });
    expect(above.status).toBe(400);
    expect(above.body.message).toBe('cpus: cpus is 8; this platform allows at most 4 per lab');
    expect((await stack.client.patch(caps(), { cpus: 0 })).status).toBe(400);
    expect((await stack.client.get(caps())).body.caps).toEqual(NO_CAPS);

    const set = await stack.client.patch(caps(), { nodes: 2, cpus: 1, memoryMb: 2048, ttlSeconds: 7200 });
    expect(set.status).toBe(200);
    expect(set.body.caps).toEqual({ ...NO_CAPS, nodes: 2, cpus: 1, memoryMb: 2048, ttlSeconds: 7200 });
    // The built-in multi-node global templates now ask for more than the school allows: listed, not changed.
    expect(set.body.exceeding.map((t: { name: string; problems: { field: string }[] }) => [t.name, t.problems.map((p) => p.field)])).toEqual([
      ['swarm-3', ['nodes']],
      ['swarm-5', ['nodes']],
    ]);
    const audit = await w.school1.admin.client.get('/api/v1/audit?action=school.caps-changed');
    expect(audit.body.items).toHaveLength(1);
  });

  it("the school's admin reads them but may not set them; its teachers may not read them; another school's admin finds no such school", async () => {
    const own = await w.school1.admin.client.get(caps());
    expect(own.status).toBe(200);
    expect(own.body.caps).toMatchObject({ nodes: 2, cpus: 1 });
    expect((await w.school1.admin.client.patch(caps(), { cpus: 4 })).status).toBe(403);
    expect((await w.school1.teacherA.client.get(caps())).status).toBe(403);
    for (const outsider of [w.school2.admin, w.school2.teacher]) {
      expect((await outsider.client.get(caps())).status).toBe(404);
      expect((await outsider.client.patch(caps(), { cpus: 4 })).status).toBe(404);
    }
    expect((await stack.client.get(caps())).body.caps).toMatchObject({ cpus: 1 });
  });

  it("a teacher's template asking for more than the school allows is a 400 naming the field; within it, 201; another school is not held to it", async () => {
    const base = { scope: 'course', courseId: w.school1.courseA.id };
    const over = await w.school1.teacherA.client.post('/api/v1/templates', { ...base, name: 'too-big', cpus: 2 });
    expect(over.status).toBe(400);
    expect(over.body.message).toBe('cpus: cpus is 2; this school allows at most 1 per lab');
    const school = await w.school1.admin.client.post('/api/v1/templates', { scope: 'school', name: 'long', ttlSeconds: 9000 });
    expect(school.status).toBe(400);
    expect(school.body.message).toBe('ttlSeconds: ttlSeconds is 9000 s; this school allows at most 7200 s per lab');

    const within = await w.school1.teacherA.client.post('/api/v1/templates', { ...base, name: 'fits', cpus: 1, memoryMb: 2048 });
    expect(within.status).toBe(201);
    const edit = await w.school1.teacherA.client.patch(`/api/v1/templates/${within.body.id}`, { memoryMb: 4096 });
    expect(edit.status).toBe(400);
    expect(edit.body.message).toBe('memoryMb: memoryMb is 4096 MB; this school allows at most 2048 MB per lab');

    const elsewhere = await w.school2.teacher.client.post('/api/v1/templates', { scope: 'course', courseId: w.school2.course.id, name: 'too-big', cpus: 2 });
    expect(elsewhere.status).toBe(201);
  });

  it("a lab of a global template above the school's caps is refused at request, naming the cap; the same template serves another school", async () => {
    const refused = await w.school1.studentA1.client.post('/api/v1/labs', { course: w.school1.courseA.id, template: 'swarm-3' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ limit: 'schoolCaps.nodes', limitValue: 2, current: 3 });
    expect(refused.body.message).toBe("template 'swarm-3' asks for more than this school allows one lab: nodes is 3; this school allows at most 2 per lab");
    expect((await w.school1.studentA1.client.get('/api/v1/labs')).body.items).toEqual([]);

    expect((await w.school2.student.client.post('/api/v1/labs', { course: w.school2.course.id, template: 'swarm-3' })).status).toBe(202);
    expect((await w.school1.studentA1.client.post('/api/v1/labs', { course: w.school1.courseA.id, template: 'fits' })).status).toBe(202);
  });

  it('lowering a cap below saved templates is allowed and lists them; their new labs are refused, labs already asked for stay', async () => {
    const lowered = await stack.client.patch(caps(), { cpus: 0.5 });
    expect(lowered.status).toBe(200);
    expect(lowered.body.caps.cpus).toBe(0.5);
    const names = lowered.body.exceeding.map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(['docker', 'fits', 'swarm-3']));
    expect(lowered.body.exceeding.find((t: { name: string }) => t.name === 'fits')).toMatchObject({
      scope: 'course',
      courseId: w.school1.courseA.id,
      problems: [{ field: 'cpus', asked: 1, cap: 0.5, message: 'cpus is 1; this school allows at most 0.5 per lab' }],
    });

    const refused = await w.school1.studentA2.client.post('/api/v1/labs', { course: w.school1.courseA.id, template: 'fits' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ limit: 'schoolCaps.cpus', limitValue: 0.5, current: 1 });
    const kept = (await w.school1.studentA1.client.get('/api/v1/labs')).body.items;
    expect(kept).toEqual([expect.objectContaining({ template: 'fits', status: expect.stringMatching(/^(pending|queued)$/) })]);

    // Null lifts the school's cap: only the platform's applies again.
    const lifted = await stack.client.patch(caps(), { cpus: null });
    expect(lifted.body.caps.cpus).toBeNull();
    expect(lifted.body.exceeding.map((t: { name: string }) => t.name)).toEqual(['swarm-3', 'swarm-5']);
    expect((await w.school1.studentA2.client.post('/api/v1/labs', { course: w.school1.courseA.id, template: 'fits' })).status).toBe(202);
  });
});
