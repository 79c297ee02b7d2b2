import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { LabStatus } from '@labfleet/contracts';
import { readPack } from '@labfleet/lab-lifecycle';
import { docker, eventually, LabfleetStack, TEST_PASSWORD, twoSchools } from '@labfleet/testing';

jest.setTimeout(300_000);

/** The images of the pack's two Compose exercises (`mysql:8.0` is the mariadb stand-in's tag). */
const IMAGES = ['mariadb:latest', 'wordpress:latest', 'mysql:8.0', 'ghost:latest'];

type World = Awaited<ReturnType<typeof twoSchools>>;

/**
 * Templates made by a teacher (docs/api.md "Templates"): scoped to their course, bounded by the
 * caps, their images checked when saved and pushed to the mirror by the worker, and a lab of one
 * running the course's WordPress + MariaDB and Ghost + MySQL Compose files offline. One stack, one lab.
 */
describe('templates made by teachers, their images served by the mirror (real stack)', () => {
  let stack: LabfleetStack;
  let w: World;
  let template: { id: string; name: string; version: number };
  let lab: string;
  let packText: string;
  /** The pack's exercises as imported into the course, by key. */
  const exercises: Record<string, { id: string }> = {};
  const missing = `labfleet-absent-${randomBytes(3).toString('hex')}:1`;
  const path = () => `/api/v1/templates/${template.id}`;

  beforeAll(async () => {
    // The curriculum stand-ins are built by the machine's set-up (offline-base-images.sh --curriculum).
    for (const image of IMAGES) await docker.getImage(image).inspect();
    stack = await LabfleetStack.start();
    w = await twoSchools(stack.client, randomBytes(3).toString('hex'));
    const policy = await w.school1.teacherA.client.patch(`/api/v1/courses/${w.school1.courseA.id}/policy`, { maxTtlSeconds: 3600 });
    expect(policy.status).toBe(200);
  }, 120_000);
  afterAll(() => stack?.stop());

  it('a teacher makes a course template with the Compose exercises\' images; the worker pushes them at once', async () => {
    const res = await w.school1.teacherA.client.post('/api/v1/templates', {
      name: 'wordpress',
      scope: 'course',
      courseId: w.school1.courseA.id,
      description: 'WordPress + MariaDB and Ghost + MySQL with Compose',
      ttlSeconds: 3600,
      images: IMAGES,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'wordpress', scope: 'course', courseId: w.school1.courseA.id, schoolId: w.school1.id, version: 1, retiredAt: null, images: IMAGES });
    template = res.body;
    // Pushing ghost (~700 MB) the first time on a machine takes a while; the shared mirror keeps it after.
    await stack.workers[0].waitForLog(/template images prepared[^\n]*"template":"wordpress"[^\n]*"version":1/, 240_000);
    const audit = await w.school1.admin.client.get('/api/v1/audit?action=template.created');
    expect(audit.body.items).toEqual([expect.objectContaining({ targetId: template.id, actorLabel: w.school1.teacherA.email })]);
  });

  it("is seen by the course's people only: another school's teacher gets 404, other course's too", async () => {
    const listed = async (client: typeof w.school1.studentA1.client) => (await client.get('/api/v1/templates')).body.map((t: { id: string }) => t.id);
    expect(await listed(w.school1.studentA1.client)).toContain(template.id);
    expect(await listed(w.school1.admin.client)).toContain(template.id);
    for (const outsider of [w.school2.teacher, w.school2.admin, w.school1.teacherB]) {
      expect(await listed(outsider.client)).not.toContain(template.id);
      expect((await outsider.client.get(path())).status).toBe(404);
      expect((await outsider.client.patch(path(), { description: 'mine now' })).status).toBe(404);
      expect((await outsider.client.post(`${path()}/retire`)).status).toBe(404);
    }
    expect((await w.school1.studentA1.client.patch(path(), { description: 'mine now' })).status).toBe(403);
    // Another school's teacher cannot use it in their course either: for them it does not exist.
    const other = await w.school2.teacher.client.post('/api/v1/labs', { course: w.school2.course.id, template: 'wordpress' });
    expect(other.status).toBe(400);
    expect(other.body.message).toMatch(/unknown template 'wordpress'/);
  });

  it('a template asking for more than the caps or the course allow, or for its own lab image, is refused, naming the field; nothing changes', async () => {
    const base = { scope: 'course', courseId: w.school1.courseA.id };
    const cpus = await w.school1.teacherA.client.post('/api/v1/templates', { ...base, name: 'too-big', cpus: 16 });
    expect(cpus.status).toBe(400);
    expect(cpus.body.message).toMatch(/^cpus: cpus is 16; this platform allows at most 4 per lab/);
    const ttl = await w.school1.teacherA.client.post('/api/v1/templates', { ...base, name: 'too-long', ttlSeconds: 7200 });
    expect(ttl.status).toBe(400);
    expect(ttl.body.message).toMatch(/^ttlSeconds: .*at most 3600 s/);
    const edit = await w.school1.teacherA.client.patch(path(), { memoryMb: 65536 });
    expect(edit.status).toBe(400);
    expect(edit.body.message).toMatch(/^memoryMb: /);
    // The lab node image is the platform's to choose: a teacher's lab runs the platform's.
    const image = await w.school1.teacherA.client.patch(path(), { image: 'debian:bookworm-slim' });
    expect(image.status).toBe(400);
    expect(image.body.message).toBe('image: only platform admins choose the lab image of a template');
    expect((await w.school1.teacherA.client.get(path())).body).toMatchObject({ version: 1, image: null, memoryMb: 2048 });
  });

  it('an image that is not on the host engine is an error on the template, named, when it is saved', async () => {
    const res = await w.school1.teacherA.client.post('/api/v1/templates', { scope: 'course', courseId: w.school1.courseA.id, name: 'broken', ttlSeconds: 3600, images: ['mariadb:latest', missing] });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(`images: image '${missing}' is not on the host engine (pull or build it there first)`);
    const names = (await w.school1.teacherA.client.get('/api/v1/templates')).body.map((t: { name: string }) => t.name);
    expect(names).not.toContain('broken');
  });

  it("a student of the course gets a lab of it and does the pack's WordPress + MariaDB exercise: its check fails saying why, then passes once the Compose file runs (images pulled through the mirror), then fails again with a wrong password", async () => {
    const teacher = w.school1.teacherA.client;
    const student = w.school1.studentA1.client;
    packText = (await teacher.get('/api/v1/packs/docker-fundamentals')).body;
    const imported = await teacher.request('POST', `/api/v1/courses/${w.school1.courseA.id}/pack`, undefined, packText, 'application/yaml');
    expect(imported.status).toBe(201);
    for (const e of imported.body) exercises[e.key] = e;
    const exercise = exercises['compose-wordpress'];
    const res = await student.post('/api/v1/labs', { course: w.school1.courseA.id, template: 'wordpress' });
    expect(res.status).toBe(202);
    lab = res.body.id;
    const ready = await stack.client.waitForLab(lab, [LabStatus.Ready], 120_000);
    expect(ready).toMatchObject({ template: 'wordpress', templateId: template.id, templateVersion: 1 });
    const check = () => student.post(`/api/v1/labs/${lab}/exercises/${exercise.id}/check`);
    expect((await check()).body).toMatchObject({ passed: false, message: '/root/wordpress does not exist.' });

    const solution = readPack(packText).exercises.find((e) => e.key === 'compose-wordpress')!.solution!;
    expect(await student.exec(lab, ['bash', '-c', solution], { timeoutSeconds: 280 })).toMatchObject({ exitCode: 0 });
    // A fresh WordPress takes a moment to reach its database.
    const passed = await eventually(
      async () => {
        const r = await check();
        expect(r.body).toMatchObject({ passed: true });
        return r.body;
      },
      { timeoutMs: 120_000, intervalMs: 3000, what: 'the WordPress check to pass' },
    );
    expect(passed.message).toBe('WordPress answers on port 8083 and reaches MariaDB.');
    expect((await stack.client.sh(lab, "curl -s -o /dev/null -w '%{http_code} %{redirect_url}' localhost:8083/", 30)).stdout).toMatch(/^302 .*wp-admin\/install\.php/);

    const wrong = "cd /root/wordpress && sed -i 's/WORDPRESS_DB_PASSWORD: password/WORDPRESS_DB_PASSWORD: wrong/' docker-compose.yml && docker compose up -d";
    expect(await student.exec(lab, ['bash', '-c', wrong], { timeoutSeconds: 120 })).toMatchObject({ exitCode: 0 });
    await eventually(async () => expect((await check()).body).toMatchObject({ passed: false, message: expect.stringMatching(/cannot reach its database/) }), {
      timeoutMs: 120_000,
      intervalMs: 3000,
      what: 'the check to fail with a wrong database password',
    });
  });

  it("the same lab does the pack's Ghost + MySQL exercise: its check fails saying why, then passes once the Compose file runs (images pulled through the mirror) and Ghost has booted", async () => {
    const student = w.school1.studentA1.client;
    const check = () => student.post(`/api/v1/labs/${lab}/exercises/${exercises['compose-ghost'].id}/check`);
    expect((await check()).body).toMatchObject({ passed: false, message: '/root/ghost does not exist.' });

    const solution = readPack(packText).exercises.find((e) => e.key === 'compose-ghost')!.solution!;
    expect(await student.exec(lab, ['bash', '-c', solution], { timeoutSeconds: 280 })).toMatchObject({ exitCode: 0 });
    // Ghost creates its tables on its first start: a minute or more on two busy cores. Wait for
    // what the check looks at (Ghost's page, its 200 rather than a boot-time 503) without spending
    // the student's check attempts, then check once.
    await eventually(async () => expect((await stack.client.sh(lab, "curl -s -o /dev/null -w '%{http_code}' localhost:8082/", 30)).stdout).toBe('200'), {
      timeoutMs: 360_000,
      intervalMs: 3000,
      what: 'Ghost to answer on port 8082 in the lab',
    });
    expect((await check()).body).toMatchObject({ passed: true, message: 'Ghost answers on port 8082, with its MySQL database.' });
  }, 600_000);

  it("editing the template makes a new version and leaves the running lab's alone", async () => {
    const res = await w.school1.teacherA.client.patch(path(), { description: 'now with a set-up step', setup: [{ node: 'node1', run: 'touch /root/v2' }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 2, setup: [{ node: 'node1', run: 'touch /root/v2' }] });
    expect((await stack.client.get(`/api/v1/labs/${lab}`)).body).toMatchObject({ status: LabStatus.Ready, templateVersion: 1 });
    const audit = await w.school1.admin.client.get('/api/v1/audit?action=template.changed');
    expect(audit.body.items).toEqual([expect.objectContaining({ targetId: template.id, detail: expect.objectContaining({ version: 2 }) })]);
  });

  it('a retired template makes no new labs (409); the running lab goes on', async () => {
    const res = await w.school1.teacherA.client.post(`${path()}/retire`);
    expect(res.status).toBe(200);
    expect(res.body.retiredAt).toEqual(expect.any(String));
    const asked = await w.school1.studentA2.client.post('/api/v1/labs', { course: w.school1.courseA.id, template: 'wordpress' });
    expect(asked.status).toBe(409);
    expect(asked.body.message).toMatch(/template 'wordpress' is retired/);
    expect((await w.school1.teacherA.client.get('/api/v1/templates')).body.map((t: { id: string }) => t.id)).not.toContain(template.id);
    expect((await w.school1.teacherA.client.get('/api/v1/templates?retired=true')).body.map((t: { id: string }) => t.id)).toContain(template.id);
    expect((await stack.client.get(`/api/v1/labs/${lab}`)).body.status).toBe(LabStatus.Ready);
    // WordPress still answers (with its database error since the last test's wrong password).
    expect((await stack.client.sh(lab, "curl -s -o /dev/null -w '%{http_code}' localhost:8083/", 30)).stdout).toMatch(/^[2-5]\d\d$/);
  });

  it("the teacher's page lists the course's templates, makes one with its form and retires it (Chromium)", async () => {
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`${stack.client.baseUrl}/#/login`);
      await page.getByLabel('Email').fill(w.school1.teacherA.email);
      await page.getByLabel('Password').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(/#\/teach$/);
      const card = page.locator(`section[data-course="${w.school1.courseA.id}"]`);
      await card.getByText('New template').click();
      await card.getByLabel('Name').fill('nginx-only');
      await card.getByLabel('Images (e.g. mariadb, wordpress)').fill('nginx:latest');
      await card.getByLabel('Lifetime (min)').fill('30');
      await card.getByRole('button', { name: 'Make template' }).click();
      const row = card.locator('tr', { hasText: 'nginx-only' });
      await row.waitFor();
      const made = (await w.school1.teacherA.client.get('/api/v1/templates')).body.find((t: { name: string }) => t.name === 'nginx-only');
      expect(made).toMatchObject({ scope: 'course', courseId: w.school1.courseA.id, images: ['nginx:latest'], ttlSeconds: 1800, version: 1 });
      await row.getByRole('button', { name: 'Retire template nginx-only' }).click();
      await row.waitFor({ state: 'detached' });
      expect((await w.school1.teacherA.client.get(`/api/v1/templates/${made.id}`)).body.retiredAt).toEqual(expect.any(String));
      expect(errors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
