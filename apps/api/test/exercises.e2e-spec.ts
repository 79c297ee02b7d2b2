import { randomBytes } from 'node:crypto';
import { Browser, chromium, Page } from 'playwright-core';
import { LabStatus } from '@labfleet/contracts';
import { readPack } from '@labfleet/lab-lifecycle';
import { ApiClient, eventually, LabfleetStack, Person, TEST_PASSWORD, TenantBuilder } from '@labfleet/testing';

jest.setTimeout(300_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Pack exercises this machine can run today, each with what its check says on a fresh lab. */
const RUNNABLE: Record<string, RegExp> = {
  'nginx-8080': /No running container from the nginx image publishes port 8080/,
  'named-volume': /There is no volume named course-data/,
  'bind-mount': /\/root\/site\/index\.html does not exist/,
  'user-network': /There is no network named course-net/,
  'own-dockerfile': /\/root\/myapp\/Dockerfile does not exist/,
  'multi-stage-slim': /\/root\/slim\/Dockerfile does not exist/,
};

/**
 * Exercises with checks on the real stack (compiled API and worker, Postgres, Redis, Docker): a
 * teacher imports the built-in "Docker fundamentals" pack; in a student's fresh labs (one
 * `docker`, one `swarm-3`) every runnable check fails saying why, and passes once its solution
 * (from the pack itself) is typed into the lab; attempts and first successes feed the teacher's
 * grid and CSV; the check's script is never on the lab's disk or in its process list; a hanging
 * check is cut at its timeout; the lab page shows it all in Chromium.
 */
describe('exercises with checks and the Docker fundamentals pack', () => {
  let stack: LabfleetStack;
  let teacher: Person, student: Person, classmate: Person, outsider: Person;
  let courseId: string;
  let lab: any;
  let swarmLab: any;
  const ex: Record<string, any> = {};
  let packText: string;

  const check = (who: Person, labId: string, key: string) => who.client.post(`/api/v1/labs/${labId}/exercises/${ex[key].id}/check`);
  /** The check's answer once it passes (a server just started takes a moment to answer). */
  const passes = (labId: string, key: string, timeoutMs = 60_000) =>
    eventually(
      async () => {
        const r = await check(student, labId, key);
        expect(r.status).toBe(200);
        expect(r.body).toMatchObject({ passed: true });
        return r.body;
      },
      { timeoutMs, intervalMs: 1000, what: `the check of ${key} to pass` },
    );

  beforeAll(async () => {
    stack = await LabfleetStack.start({ RATE_LIMIT_CHECKS_PER_LAB_PER_MINUTE: '300' });
    const t = new TenantBuilder(stack.client);
    const tag = randomBytes(3).toString('hex');
    const [school, other] = [await t.school(`ex-${tag}`), await t.school(`ex2-${tag}`)];
    courseId = (await t.course(school.id, 'Docker fundamentals', { labsPerStudent: 2 })).id;
    const otherCourse = (await t.course(other.id, 'Elsewhere')).id;
    teacher = await t.person(school.id, 'teacher', `tess-${tag}@example.test`);
    student = await t.person(school.id, 'student', `ana-${tag}@example.test`);
    classmate = await t.person(school.id, 'student', `ben-${tag}@example.test`);
    outsider = await t.person(other.id, 'teacher', `olga-${tag}@example.test`);
    await t.enroll(courseId, teacher, 'teacher');
    await t.enroll(courseId, student, 'student');
    await t.enroll(courseId, classmate, 'student');
    await t.enroll(otherCourse, outsider, 'teacher');
    const [a, b] = await Promise.all([
      student.client.post('/api/v1/labs', { template: 'docker', course: courseId }),
      student.client.post('/api/v1/labs', { template: 'swarm-3', course: courseId }),
    ]);
    [lab, swarmLab] = await Promise.all([student.client.waitForLab(a.body.id, [LabStatus.Ready], 120_000), student.client.waitForLab(b.body.id, [LabStatus.Ready], 240_000)]);
  }, 360_000);

  afterAll(() => stack?.stop());

  it('a teacher imports the built-in pack; a bad pack is refused naming its field, and adds nothing; the same keys twice are refused', async () => {
    const listed = await teacher.client.get('/api/v1/packs');
    expect(listed.body).toContainEqual(expect.objectContaining({ name: 'docker-fundamentals', exercises: 10 }));
    packText = (await teacher.client.get('/api/v1/packs/docker-fundamentals')).body;
    const schema = await new ApiClient(stack.client.baseUrl, null).get('/api/v1/packs/schema');
    expect(schema.body).toMatchObject({ title: 'Labfleet exercise pack' });

    const broken = packText.replace('timeoutSeconds: 20', 'timeoutSeconds: 9999');
    const refused = await teacher.client.request('POST', `/api/v1/courses/${courseId}/pack`, undefined, broken, 'application/yaml');
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('pack field exercises[0].check.timeoutSeconds must be <= 300');
    expect((await teacher.client.get(`/api/v1/courses/${courseId}/exercises`)).body).toEqual([]);

    const imported = await teacher.client.request('POST', `/api/v1/courses/${courseId}/pack`, undefined, packText, 'application/yaml');
    expect(imported.status).toBe(201);
    expect(imported.body.map((e: any) => e.key)).toEqual(readPack(packText).exercises.map((e) => e.key));
    for (const e of imported.body) ex[e.key] = e;

    const again = await teacher.client.request('POST', `/api/v1/courses/${courseId}/pack`, undefined, packText, 'application/yaml');
    expect(again.status).toBe(409);
    expect((await teacher.client.get(`/api/v1/courses/${courseId}/exercises`)).body).toHaveLength(10);
  });

  it('students read instructions and hints, never a check or a solution; they cannot write; other schools get 404', async () => {
    const seen = await student.client.get(`/api/v1/courses/${courseId}/exercises`);
    expect(seen.status).toBe(200);
    expect(seen.body[0]).toMatchObject({ key: 'nginx-8080', instructions: expect.stringContaining('8080'), hints: expect.any(Array) });
    const beside = await student.client.get(`/api/v1/labs/${lab.id}/exercises`);
    for (const body of [seen.body, beside.body, (await student.client.get(`/api/v1/courses/${courseId}/exercises/${ex['nginx-8080'].id}`)).body]) {
      const text = JSON.stringify(body);
      expect(text).not.toContain('checkScript');
      expect(text).not.toContain('solution');
      expect(text).not.toContain('fail()');
    }
    expect((await teacher.client.get(`/api/v1/courses/${courseId}/exercises`)).body[0].checkScript).toContain('fail()');
    const write = await student.client.post(`/api/v1/courses/${courseId}/exercises`, { key: 'mine', title: 'Mine', instructions: 'x', checkScript: 'true' });
    expect(write.status).toBe(403);
    for (const path of ['exercises', `exercises/${ex['nginx-8080'].id}`, 'progress', 'pack']) expect((await outsider.client.get(`/api/v1/courses/${courseId}/${path}`)).status).toBe(404);
    expect((await outsider.client.post(`/api/v1/courses/${courseId}/exercises`, { key: 'x', title: 'X', instructions: 'x', checkScript: 'true' })).status).toBe(404);
    const invalid = await teacher.client.post(`/api/v1/courses/${courseId}/exercises`, { key: 'x', title: 'X', instructions: 'x', checkScript: 'true', checkTimeoutSeconds: 0 });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body)).toMatch(/checkTimeoutSeconds/);
    const nulled = await teacher.client.patch(`/api/v1/courses/${courseId}/exercises/${ex['nginx-8080'].id}`, { title: null });
    expect(nulled.status).toBe(400);
    expect(nulled.body.message).toBe('title cannot be null');
  });

  it('on a fresh lab every runnable check fails, saying why', async () => {
    for (const [key, why] of Object.entries(RUNNABLE)) {
      const r = await check(student, lab.id, key);
      expect(r.status).toBe(200);
      expect({ key, ...r.body }).toMatchObject({ key, passed: false, timedOut: false, message: expect.stringMatching(why) });
    }
  });

  for (const key of Object.keys(RUNNABLE)) {
    it(`${key}: passes once the pack's solution is typed into the lab`, async () => {
      const solution = readPack(packText).exercises.find((e) => e.key === key)!.solution!;
      const typed = await student.client.exec(lab.id, ['bash', '-c', solution], { timeoutSeconds: 180 });
      expect({ key, exitCode: typed.exitCode, stderr: typed.stderr }).toMatchObject({ key, exitCode: 0 });
      const passed = await passes(lab.id, key);
      expect(passed.message).not.toMatch(/^Not done/);
    });
  }

  it('swarm-3-nodes: refused in a one-node lab; fails in a fresh swarm-3 lab; passes once the swarm is formed and a service spread over it', async () => {
    const wrong = await check(student, lab.id, 'swarm-3-nodes');
    expect(wrong.status).toBe(409);
    expect(wrong.body.message).toMatch(/needs a lab of the 'swarm-3' template/);
    const fresh = await check(student, swarmLab.id, 'swarm-3-nodes');
    expect(fresh.body).toMatchObject({ passed: false, message: 'node1 is not in a swarm.' });
    const sh = (node: string, script: string) => student.client.exec(swarmLab.id, ['bash', '-c', script], { node, timeoutSeconds: 120 });
    expect((await sh('node1', 'docker swarm init --advertise-addr eth0 >/dev/null')).exitCode).toBe(0);
    const token = (await sh('node1', 'docker swarm join-token -q worker')).stdout.trim();
    expect((await check(student, swarmLab.id, 'swarm-3-nodes')).body.message).toMatch(/The swarm has 1 ready node\(s\), not 3/);
    for (const node of ['node2', 'node3']) expect((await sh(node, `docker swarm join --token ${token} node1:2377`)).exitCode).toBe(0);
    expect((await sh('node1', 'docker service create -d --name web --replicas 3 --replicas-max-per-node 1 nginx')).exitCode).toBe(0);
    const passed = await passes(swarmLab.id, 'swarm-3-nodes', 180_000);
    expect(passed.message).toMatch(/^Service web runs on 3 nodes of a 3-node swarm/);
  });

  // compose-wordpress and compose-ghost are done both ways in teacher-templates.e2e-spec.ts, on a
  // lab of a teacher's template whose mariadb, wordpress, mysql and ghost images the mirror serves.
  // registry-push is done both ways in course-registry.e2e-spec.ts, against the real course registry.

  it('a hanging check is cut at its timeout and says so; one check at a time per lab; the script is never on disk or in the process list', async () => {
    const marker = `MARKER-${randomBytes(4).toString('hex')}`;
    const created = await teacher.client.post(`/api/v1/courses/${courseId}/exercises`, {
      key: 'hangs',
      title: 'A check that hangs',
      instructions: 'Nothing to do. <img src=x onerror="document.title=\'pwned\'"> [click](javascript:alert(1)) **bold**',
      checkScript: `# ${marker}\nsleep 60\necho never`,
      checkTimeoutSeconds: 5,
    });
    expect(created.status).toBe(201);
    ex.hangs = created.body;
    const started = Date.now();
    const running = check(student, lab.id, 'hangs');
    const probe = `cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' ' | grep -c ${marker.replace('MARKER', 'MARK[E]R')}; grep -rlsF ${marker.replace('MARKER', 'MARK"E"R')} /root /tmp /var/tmp /run /dev/shm /etc | wc -l`;
    // While it runs (its sleep is in the lab): a second check is refused, and nothing in the lab shows the script.
    await eventually(
      async () => expect((await student.client.exec(lab.id, ['bash', '-c', "pgrep -f '^sleep 60$' >/dev/null && echo running || echo not yet"])).stdout.trim()).toBe('running'),
      { timeoutMs: 4000, intervalMs: 100, what: 'the hanging check to be running' },
    );
    await eventually(
      async () => {
        const second = await check(student, lab.id, 'nginx-8080');
        expect(second.status).toBe(429);
        expect(second.body.message).toMatch(/a check in this lab is already running/);
      },
      { timeoutMs: 3000, intervalMs: 100, what: 'a second check to be refused while one runs' },
    );
    expect((await student.client.exec(lab.id, ['bash', '-c', probe])).stdout.trim().split('\n')).toEqual(['0', '0']);
    const r = await running;
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ passed: false, timedOut: true, message: expect.stringMatching(/^The check did not finish within 5 s and was stopped/) });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await student.client.exec(lab.id, ['bash', '-c', probe])).stdout.trim().split('\n')).toEqual(['0', '0']);
  });

  it('checks run only in one\'s own lab: a classmate gets 404, the teacher 403', async () => {
    expect((await check(classmate, lab.id, 'nginx-8080')).status).toBe(404);
    expect((await check(teacher, lab.id, 'nginx-8080')).status).toBe(403);
    expect((await check(outsider, lab.id, 'nginx-8080')).status).toBe(404);
  });

  it('the teacher\'s grid and CSV show attempts and first successes; students and other schools cannot read them', async () => {
    const grid = await teacher.client.get(`/api/v1/courses/${courseId}/progress`);
    expect(grid.status).toBe(200);
    const ana = grid.body.students.find((s: any) => s.userId === student.id);
    const ben = grid.body.students.find((s: any) => s.userId === classmate.id);
    const cell = (line: any, key: string) => line.cells[grid.body.exercises.findIndex((e: any) => e.key === key)];
    expect(ana.done).toBe(Object.keys(RUNNABLE).length + 1);
    expect(cell(ana, 'nginx-8080')).toMatchObject({ state: 'done', attempts: expect.any(Number), firstPassedAt: expect.any(String) });
    expect(cell(ana, 'nginx-8080').attempts).toBeGreaterThanOrEqual(2);
    expect(cell(ana, 'hangs')).toMatchObject({ state: 'tried', attempts: 1, firstPassedAt: null });
    expect(cell(ana, 'compose-ghost')).toMatchObject({ state: 'not-started', attempts: 0 });
    expect(ben.cells.every((c: any) => c.state === 'not-started')).toBe(true);

    const csv = await teacher.client.request('GET', `/api/v1/courses/${courseId}/progress?format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (csv.body as string).trim().split('\r\n');
    expect(lines[0]).toBe('email,name,position,key,exercise,state,attempts,first_passed_at');
    expect(lines).toHaveLength(1 + 2 * 11);
    expect(lines.find((l) => l.startsWith(student.email) && l.includes(',nginx-8080,'))).toMatch(/,done,\d+,20\d\d-/);

    expect((await student.client.get(`/api/v1/courses/${courseId}/progress`)).status).toBe(403);
    const own = await student.client.get(`/api/v1/labs/${lab.id}/exercises`);
    expect(own.body.find((e: any) => e.key === 'nginx-8080').progress).toMatchObject({ firstPassedAt: expect.any(String) });
  });

  it('the course exports as one pack file that imports into another course as it was', async () => {
    const exported = await teacher.client.get(`/api/v1/courses/${courseId}/pack`);
    expect(exported.headers.get('content-type')).toMatch(/^application\/yaml/);
    const pack = readPack(exported.body);
    const original = readPack(packText);
    expect(pack.exercises.map((e) => e.key)).toEqual([...original.exercises.map((e) => e.key), 'hangs']);
    expect(pack.exercises.slice(0, 10).map((e) => e.check.script)).toEqual(original.exercises.map((e) => e.check.script));
  });

  it('the lab page shows the exercises beside the terminal: instructions (as text, never HTML), a Check button, the result and progress', async () => {
    let browser: Browser | undefined;
    const errors: string[] = [];
    const logIn = async (page: Page, person: Person) => {
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      try {
        const res = await page.goto(`${stack.client.baseUrl}/#/login`);
        if (res?.status() !== 200) throw new Error(`GET / answers ${res?.status()}`);
        await page.getByLabel('Email').fill(person.email);
        await page.getByLabel('Password').fill(TEST_PASSWORD);
        await page.getByRole('button', { name: 'Log in' }).click();
        await page.getByRole('button', { name: 'Log out' }).waitFor();
      } catch (e) {
        throw new Error(`${(e as Error).message}\npage ${page.url()} shows:\n${await page.locator('body').innerText().catch(() => '?')}\nerrors: ${errors.join('\n')}`);
      }
    };
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'] });
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const origin = stack.client.baseUrl;
      await context.route('**/*', (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort('blockedbyclient')));
      const page = await context.newPage();
      page.setDefaultTimeout(60_000);
      await logIn(page, student);
      await page.goto(`${origin}/#/lab/${lab.id}`);
      const nginx = page.locator('[data-exercise="nginx-8080"]');
      await nginx.getByText('Welcome to nginx!', { exact: false }).waitFor();
      await page.locator('#exercise-progress').getByText(`${Object.keys(RUNNABLE).length + 1} of 11 done`).waitFor();
      await nginx.getByRole('button', { name: 'Check: Run nginx published on port 8080' }).click();
      await nginx.locator('[data-result][data-passed="true"]', { hasText: /^Passed: nginx answers on port 8080/ }).waitFor();
      await nginx.getByText('✓ done').waitFor();
      const volume = page.locator('[data-exercise="named-volume"]');
      expect(await volume.locator('.instructions ol li').count()).toBe(3);
      const hangs = page.locator('[data-exercise="hangs"]');
      await hangs.getByText('<img src=x onerror=', { exact: false }).waitFor();
      expect(await hangs.locator('img, a[href^="javascript"]').count()).toBe(0);
      expect(await hangs.locator('strong').innerText()).toBe('bold');
      expect(await page.title()).not.toBe('pwned');
      await context.close();

      // The teacher's page: the grid, with the student's done exercise, and the CSV download.
      const teacherContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await teacherContext.route('**/*', (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort('blockedbyclient')));
      const teach = await teacherContext.newPage();
      teach.setDefaultTimeout(60_000);
      await logIn(teach, teacher);
      await teach.goto(`${origin}/#/teach`);
      const row = teach.locator(`.progress-grid tr[data-student="${student.id}"]`);
      await row.getByText(`${Object.keys(RUNNABLE).length + 1}/11`).waitFor();
      expect(await row.locator('td[data-state="done"]').count()).toBe(Object.keys(RUNNABLE).length + 1);
      const download = teach.waitForEvent('download');
      await teach.getByRole('button', { name: 'Download progress (CSV)' }).click();
      expect((await download).suggestedFilename()).toBe('progress-Docker fundamentals.csv');
      await teacherContext.close();
    } finally {
      await browser?.close();
    }
  });
});
