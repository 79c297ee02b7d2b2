import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { LabStatus } from '@labfleet/contracts';
import { courseRegistryNames, runExec } from '@labfleet/provider-docker';
import { docker, eventually, LabfleetStack, Person, TEST_PASSWORD, testConfig, twoSchools } from '@labfleet/testing';

jest.setTimeout(240_000);

const HOST = 'labfleet-courses:5000';
const CAP_MB = 1;

/**
 * The course registry with the real `docker login`, `push` and `pull` typed inside labs: two
 * students of a course (a lab each), the course's teacher and someone of another school (logged in,
 * in turn, in the second lab). Labfleet is the token server; the registry decides from its tokens.
 */
describe('course registry: docker login, push and pull inside labs, by who may', () => {
  let stack: LabfleetStack;
  let w: Awaited<ReturnType<typeof twoSchools>>;
  let labA: string;
  let labB: string;
  let namespaceA: string;

  const sh = (lab: string, script: string) => stack.client.sh(lab, script, 120);
  const login = (lab: string, who: Person, password = TEST_PASSWORD) =>
    sh(lab, `docker logout ${HOST} >/dev/null 2>&1; printf '%s' '${password}' | docker login ${HOST} -u '${who.email}' --password-stdin`);
  /** An image of its own (no base to pull): `bytes` of random data and a marker. */
  const build = (lab: string, tag: string, bytes: number) =>
    sh(lab, `d=$(mktemp -d) && cd $d && head -c ${bytes} /dev/urandom > blob && echo ${tag} > marker && printf 'FROM scratch\\nCOPY blob marker /\\n' > Dockerfile && docker build -q -t ${tag} .`);
  const store = () => docker.getContainer(courseRegistryNames(testConfig(stack.instance.instance).courseRegistry.name).store);
  const inStore = async (script: string) => (await runExec(store(), docker.modem, { command: ['sh', '-c', script], timeoutMs: 20_000, outputLimitBytes: 65536 })).stdout.trim();

  beforeAll(async () => {
    stack = await LabfleetStack.start({ COURSE_REGISTRY: 'on', COURSE_REGISTRY_CAP_MB: String(CAP_MB) });
    w = await twoSchools(stack.client, randomBytes(3).toString('hex'));
    const { courseA, studentA1, studentA2 } = w.school1;
    const made = await Promise.all([studentA1, studentA2].map((s) => s.client.post('/api/v1/labs', { course: courseA.id, template: 'docker' })));
    [labA, labB] = made.map((r) => r.body.id);
    await Promise.all([labA, labB].map((id) => stack.client.waitForLab(id, [LabStatus.Ready], 120_000)));
    namespaceA = (await studentA1.client.get(`/api/v1/labs/${labA}`)).body.registryNamespace;
  });
  afterAll(() => stack?.stop());

  it('tells each lab where its owner pushes: <host>/<course>/<student>', () => {
    expect(namespaceA).toBe(`${HOST}/${w.school1.courseA.id}/${w.school1.studentA1.id}`);
  });

  it('lets a student log in with their Labfleet password, push to their namespace and pull it back', async () => {
    expect((await login(labA, w.school1.studentA1)).stdout).toMatch(/Login Succeeded/);
    expect(await build(labA, `${namespaceA}/app:1`, 600_000)).toMatchObject({ exitCode: 0 });
    const push = await sh(labA, `docker push ${namespaceA}/app:1`);
    expect(push).toMatchObject({ exitCode: 0 });
    const pull = await sh(labA, `id=$(docker image inspect -f '{{.Id}}' ${namespaceA}/app:1) && docker rmi ${namespaceA}/app:1 >/dev/null && docker pull -q ${namespaceA}/app:1 && [ "$(docker image inspect -f '{{.Id}}' ${namespaceA}/app:1)" = "$id" ]`);
    expect(pull).toMatchObject({ exitCode: 0 });
  });

  it("checks the pack's registry-push exercise: it fails with nothing tagged, then with a tag not pushed, and passes once pushed", async () => {
    const { courseA, teacherA, studentA1 } = w.school1;
    const pack = (await teacherA.client.get('/api/v1/packs/docker-fundamentals')).body;
    const imported = await teacherA.client.request('POST', `/api/v1/courses/${courseA.id}/pack`, undefined, pack, 'application/yaml');
    expect(imported.status).toBe(201);
    const exercise = imported.body.find((e: { key: string }) => e.key === 'registry-push');
    const check = async () => (await studentA1.client.post(`/api/v1/labs/${labA}/exercises/${exercise.id}/check`)).body;
    expect(await check()).toMatchObject({ passed: false, message: 'No image is tagged <registry>/<course>/<you>/hello:1 in this lab.' });
    expect(await sh(labA, `docker tag ${namespaceA}/app:1 ${namespaceA}/hello:1`)).toMatchObject({ exitCode: 0 });
    expect(await check()).toMatchObject({ passed: false, message: expect.stringMatching(/is tagged .*, but the registry does not have it/) });
    expect(await sh(labA, `docker push ${namespaceA}/hello:1`)).toMatchObject({ exitCode: 0 });
    expect(await check()).toMatchObject({ passed: true, message: `The registry has ${namespaceA}/hello:1.` });
  });

  it('refuses a wrong password at docker login', async () => {
    const r = await login(labB, w.school1.studentA2, 'not-the-password');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/unauthorized|wrong email or password/i);
  });

  it('denies a classmate: no pull of another student\'s image, no push into their namespace', async () => {
    expect((await login(labB, w.school1.studentA2)).stdout).toMatch(/Login Succeeded/);
    const pull = await sh(labB, `docker pull ${namespaceA}/app:1`);
    expect(pull.exitCode).not.toBe(0);
    expect(pull.stderr).toMatch(/denied|unauthorized/i);
    expect(await build(labB, `${namespaceA}/intruder:1`, 1000)).toMatchObject({ exitCode: 0 });
    const push = await sh(labB, `docker push ${namespaceA}/intruder:1`);
    expect(push.exitCode).not.toBe(0);
    expect(push.stdout + push.stderr).toMatch(/denied|unauthorized/i);
  });

  it('shows a student nothing of the catalog (the registry refuses their token for it)', async () => {
    const { email } = w.school1.studentA2;
    const r = await sh(
      labB,
      `t=$(curl -sf -u '${email}:${TEST_PASSWORD}' 'http://${HOST}/token?service=labfleet-courses&scope=registry:catalog:*' | jq -r .token) && ` +
        `echo "$t" | cut -d. -f2 | tr '_-' '/+' | base64 -d 2>/dev/null; echo; curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t" http://${HOST}/v2/_catalog`,
    );
    expect(r.stdout).toMatch(/"access":\[\]/);
    expect(r.stdout.trim().split('\n').pop()).toBe('401');
  });

  it('lets the course\'s teacher pull every student\'s image', async () => {
    expect((await login(labB, w.school1.teacherA)).stdout).toMatch(/Login Succeeded/);
    expect(await sh(labB, `docker pull -q ${namespaceA}/app:1 && docker run --rm --entrypoint /marker ${namespaceA}/app:1 2>/dev/null; docker image inspect -f ok ${namespaceA}/app:1`)).toMatchObject({ exitCode: 0 });
  });

  it('denies someone of another school', async () => {
    expect((await login(labB, w.school2.teacher)).stdout).toMatch(/Login Succeeded/);
    const pull = await sh(labB, `docker rmi -f ${namespaceA}/app:1 >/dev/null 2>&1; docker pull ${namespaceA}/app:1`);
    expect(pull.exitCode).not.toBe(0);
    expect(pull.stderr).toMatch(/denied|unauthorized/i);
  });

  it('refuses a push once the student\'s namespace holds more than the cap, pulls still work', async () => {
    // 600 kB pushed so far; 600 kB more puts the namespace over 1 MB, the push after that is refused.
    expect(await build(labA, `${namespaceA}/app:2`, 600_000)).toMatchObject({ exitCode: 0 });
    expect(await sh(labA, `docker push ${namespaceA}/app:2`)).toMatchObject({ exitCode: 0 });
    const used = Number(await inStore(`find /var/lib/registry/docker/registry/v2/repositories/${w.school1.courseA.id} -path '*/_layers/*' -name link | wc -l`));
    expect(used).toBeGreaterThanOrEqual(2);
    expect(await build(labA, `${namespaceA}/app:3`, 1000)).toMatchObject({ exitCode: 0 });
    const refused = await sh(labA, `docker push ${namespaceA}/app:3`);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/denied|unauthorized/i);
    expect(await sh(labA, `docker rmi ${namespaceA}/app:1 >/dev/null && docker pull -q ${namespaceA}/app:1`)).toMatchObject({ exitCode: 0 });
  });

  it('gives an over-cap student a token with pull only (asked through the API, with an API token)', async () => {
    const { studentA1, courseA } = w.school1;
    const pat = (await studentA1.client.post('/api/v1/me/tokens', { name: 'registry' })).body.token as string;
    const basic = Buffer.from(`${studentA1.email}:${pat}`).toString('base64');
    const scope = `repository:${courseA.id}/${studentA1.id}/app:pull,push`;
    const res = await fetch(`${stack.client.baseUrl}/api/v1/registry/token?service=labfleet-courses&scope=${encodeURIComponent(scope)}`, { headers: { authorization: `Basic ${basic}` } });
    expect(res.status).toBe(200);
    const claims = jwt.decode(((await res.json()) as { token: string }).token) as { access: unknown };
    expect(claims.access).toEqual([{ type: 'repository', name: `${courseA.id}/${studentA1.id}/app`, actions: ['pull'] }]);
  });

  it('removes the course\'s images from the registry storage when the course is deleted', async () => {
    const courseId = w.school1.courseA.id;
    const root = '/var/lib/registry/docker/registry/v2';
    expect(Number(await inStore(`find ${root}/blobs -name data | wc -l`))).toBeGreaterThan(0);
    const busy = await w.school1.admin.client.request('DELETE', `/api/v1/courses/${courseId}`);
    expect(busy.status).toBe(409);
    await Promise.all([labA, labB].map((id) => stack.client.request('DELETE', `/api/v1/labs/${id}`)));
    await Promise.all([labA, labB].map((id) => stack.client.waitForLab(id, [LabStatus.Stopped])));
    expect((await w.school1.admin.client.request('DELETE', `/api/v1/courses/${courseId}`)).status).toBe(204);
    expect((await w.school1.admin.client.get(`/api/v1/courses/${courseId}`)).status).toBe(404);
    await eventually(
      async () => {
        expect(await inStore(`ls ${root}/repositories`)).toBe('');
        // Only this course pushed anything here: no blob may be left.
        expect(await inStore(`find ${root}/blobs -name data | wc -l`)).toBe('0');
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'the course registry data to be removed' },
    );
  });
});
