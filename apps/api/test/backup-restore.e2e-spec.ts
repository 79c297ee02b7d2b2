import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { dataSourceOptions } from '@labfleet/persistence';
import {
  ADMIN_DATABASE_URL,
  ApiClient,
  createTestDatabase,
  eventually,
  freePort,
  LabfleetStack,
  login,
  NO_RESOURCES,
  Person,
  removeLabResources,
  REPO_ROOT,
  TenantBuilder,
  TEST_PASSWORD,
  TestDatabase,
  TestInstance,
  withClient,
} from '@labfleet/testing';

jest.setTimeout(300_000);

interface ScriptResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** deploy/<script> as an operator runs it, with `env` as the installation's environment. */
function runScript(script: 'backup.sh' | 'restore.sh', args: string[], env: Record<string, string>): Promise<ScriptResult> {
  return new Promise((resolve) => {
    execFile('bash', [`deploy/${script}`, ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function backupDir(result: ScriptResult): string {
  if (result.code !== 0) throw new Error(`backup.sh exited ${result.code}: ${result.stderr}`);
  return result.stdout.trim().split('\n').pop()!;
}

const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

/** Every row of every table of the database at `url`, by table, in a stable order. */
function tableRows(url: string): Promise<Record<string, unknown[]>> {
  return withClient(url, async (db) => {
    const tables = (await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)).rows.map((r) => r.table_name as string);
    const out: Record<string, unknown[]> = {};
    for (const table of tables) out[table] = (await db.query(`SELECT * FROM "${table}" t ORDER BY t::text`)).rows;
    return out;
  });
}

/**
 * Installation A runs with a school, people, a course, labs and their history; it is backed up
 * while it runs, then its processes stop (its labs stay on the engine, as after losing the
 * server). The backup is restored into a new database B; A's API and worker are started again on B
 * with the same LABFLEET_INSTANCE and an empty Redis (a new key prefix): Redis is not backed up.
 */
describe('a backup of a running installation restores onto a fresh one', () => {
  let a: LabfleetStack;
  let b: LabfleetStack | undefined;
  let dbB: TestDatabase | undefined;
  const backups = mkdtempSync(join(tmpdir(), 'labfleet-backups-'));
  let backup: string;
  let teacher: Person;
  let student: Person;
  let courseId: string;
  let apiToken: string;
  /**
   * ready: kept, to be re-adopted; gone: its containers removed between backup and restore; brief:
   * expires soon, but only after A is lost (with 60 s, a slow set-up beside two other files let A
   * expire it before the backup); ended: stopped before the backup.
   */
  const labs = { ready: '', gone: '', brief: '', ended: '' };
  const seenOnA: { events: Record<string, unknown>; audit: unknown; members: unknown } = { events: {}, audit: null, members: null };
  let bWorkerStartedAt = 0;
  const RECONCILE_INTERVAL_SECONDS = 2;
  const BRIEF_TTL_SECONDS = 120;

  const eventsOf = async (client: ApiClient, id: string) => (await client.get(`/api/v1/labs/${id}/events`)).body;
  const auditOf = async (client: ApiClient, schoolId: string) => (await client.get(`/api/v1/audit?schoolId=${schoolId}`)).body.items;

  beforeAll(async () => {
    a = await LabfleetStack.start();
    const tenants = new TenantBuilder(a.client);
    const tag = randomBytes(3).toString('hex');
    const school = await tenants.school(`backup-${tag}`);
    courseId = (await tenants.course(school.id, 'Docker 101', { labsPerStudent: 5 })).id;
    teacher = await tenants.person(school.id, 'teacher', `teacher-${tag}@example.test`);
    student = await tenants.person(school.id, 'student', `student-${tag}@example.test`);
    await tenants.enroll(courseId, teacher, 'teacher');
    await tenants.enroll(courseId, student, 'student');
    expect((await teacher.client.post(`/api/v1/courses/${courseId}/grants`, { userId: student.id, minutes: 30, reason: 'project' })).status).toBe(201);
    apiToken = (await teacher.client.post('/api/v1/me/tokens', { name: 'grading', expiresInDays: 30 })).body.token;

    const request = async (ttlSeconds?: number) => {
      const { status, body } = await student.client.post('/api/v1/labs', { template: 'docker', course: courseId, ...(ttlSeconds ? { ttlSeconds } : {}) });
      expect(status).toBe(202);
      return body.id as string;
    };
    [labs.ready, labs.gone, labs.brief, labs.ended] = await Promise.all([request(), request(), request(BRIEF_TTL_SECONDS), request()]);
    for (const id of Object.values(labs)) await student.client.waitForLab(id, [LabStatus.Ready], 120_000);
    // What the student left in the lab: the restored installation must give back this lab, not a new one.
    await student.client.sh(labs.ready, 'echo kept-across-restore > /root/marker');
    expect((await student.client.delete(`/api/v1/labs/${labs.ended}`)).status).toBe(202);
    await student.client.waitForLab(labs.ended, [LabStatus.Stopped]);
    for (const id of Object.values(labs)) seenOnA.events[id] = await eventsOf(a.client, id);
    seenOnA.audit = await auditOf(a.client, school.id);
    seenOnA.members = (await teacher.client.get(`/api/v1/courses/${courseId}/members`)).body;
  });

  afterAll(async () => {
    await Promise.all([b?.api?.stop(), ...(b?.workers ?? []).map((w) => w.stop())]);
    await Promise.all([a?.api?.stop(), ...(a?.workers ?? []).map((w) => w.stop())]);
    // A's instance holds the labs (both installations label them alike), A's database and both Redis prefixes.
    await a?.instance.destroy();
    await dbB?.drop();
    rmSync(backups, { recursive: true, force: true });
  });

  it('backup.sh dumps the running installation, with a manifest of its version, schema and instance', async () => {
    backup = backupDir(await runScript('backup.sh', [backups], a.instance.env()));
    const manifest = manifestOf(backup);
    const migrations = await withClient(a.instance.db.url, (db) => db.query(`SELECT name FROM migrations ORDER BY timestamp`));
    expect(manifest).toMatchObject({
      format: 'labfleet-backup/1',
      instance: a.instance.instance,
      labfleetVersion: JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version,
      commit: expect.stringMatching(/^([0-9a-f]{40}|unknown)$/),
      migrations: migrations.rows.map((r: { name: string }) => r.name),
      dumpFile: 'labfleet.dump',
    });
    expect(Date.now() - Date.parse(manifest.createdAt)).toBeLessThan(120_000);
    expect(readFileSync(join(backup, 'labfleet.dump')).length).toBe(manifest.dumpBytes);

    // Then A is lost: its processes end; its labs stay on the engine, but for one whose containers go too.
    expect((await a.client.get(`/api/v1/labs/${labs.brief}`)).body).toMatchObject({ status: 'ready' });
    await Promise.all([a.api.stop(), ...a.workers.map((w) => w.stop())]);
    await removeLabResources(a.instance.instance, labs.gone);
    expect((await a.instance.resources(labs.ready)).containers).toHaveLength(1);
  });

  it('restore.sh refuses a database that is not empty, and leaves it as it was', async () => {
    const before = await tableRows(a.instance.db.url);
    const refused = await runScript('restore.sh', [backup], a.instance.env());
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`database ${a.instance.db.name} is not empty`);
    expect(refused.stderr).toContain('--force');
    expect(await tableRows(a.instance.db.url)).toEqual(before);
  });

  it('restore.sh restores every table, row for row, into an empty database', async () => {
    dbB = await createTestDatabase(false);
    const restored = await runScript('restore.sh', [backup], a.instance.env({ DATABASE_URL: dbB.url }));
    expect(restored).toMatchObject({ code: 0 });
    expect(restored.stderr).toContain(`done: start the API and the worker with LABFLEET_INSTANCE=${a.instance.instance}`);
    const [rowsA, rowsB] = [await tableRows(a.instance.db.url), await tableRows(dbB.url)];
    expect(Object.keys(rowsB)).toEqual(Object.keys(rowsA));
    for (const table of ['users', 'courses', 'memberships', 'minute_grants', 'refresh_tokens', 'api_tokens', 'audit_events', 'labs', 'lab_events', 'lab_nodes', 'templates', 'migrations']) {
      expect([table, rowsB[table].length > 0]).toEqual([table, true]);
    }
    for (const table of Object.keys(rowsA)) expect([table, rowsB[table]]).toEqual([table, rowsA[table]]);
  });

  it('started on the restored database with an empty Redis: the people log in, their sessions and tokens work, the history is there', async () => {
    b = new LabfleetStack(a.instance, await freePort(), { DATABASE_URL: dbB!.url, REDIS_KEY_PREFIX: `${a.instance.instance}:restored`, RECONCILE_INTERVAL_SECONDS: String(RECONCILE_INTERVAL_SECONDS) });
    await b.startApi();
    await b.startWorker();
    bWorkerStartedAt = Date.now();
    const base = b.client.baseUrl;

    const studentOnB = new ApiClient(base, (await login(base, student.email, TEST_PASSWORD)).accessToken);
    expect((await studentOnB.get('/api/v1/me')).body).toMatchObject({ id: student.id, role: 'student' });
    expect((await new ApiClient(base, null).post('/api/v1/auth/login', { email: teacher.email, password: 'not-the-password' })).status).toBe(401);
    const refreshed = await new ApiClient(base, null).post('/api/v1/auth/refresh', { refreshToken: student.session.refreshToken });
    expect(refreshed.status).toBe(200);
    expect((await new ApiClient(base, apiToken).get('/api/v1/me')).body).toMatchObject({ id: teacher.id, role: 'teacher' });

    const teacherOnB = new ApiClient(base, (await login(base, teacher.email, TEST_PASSWORD)).accessToken);
    expect((await teacherOnB.get(`/api/v1/courses/${courseId}/members`)).body).toEqual(seenOnA.members);
    const schoolId = (await teacherOnB.get('/api/v1/me')).body.schoolId;
    // The logins just made on B come on top of A's audit trail, which is all there.
    expect(await auditOf(b.client, schoolId)).toEqual(expect.arrayContaining(seenOnA.audit as unknown[]));
    expect((await studentOnB.get(`/api/v1/labs/${labs.ended}`)).body).toMatchObject({ status: 'stopped' });
    for (const id of [labs.ended, labs.ready]) expect(await eventsOf(b.client, id)).toEqual(seenOnA.events[id]);
  });

  it('the ready lab is re-adopted as it was: still ready, same container, the student’s files, exec works', async () => {
    const summary = JSON.parse(b!.workers[0].logs.split('\n').find((l) => l.includes('"startup reconcile done"'))!).message;
    expect(summary).toMatchObject({ adopt: 2, 'mark-failed': 1, 'remove-orphan': 0, 'requeue-provision': 0, 'requeue-destroy': 0 });
    expect((await b!.client.get(`/api/v1/labs/${labs.ready}`)).body).toMatchObject({ status: 'ready', failureReason: null });
    expect((await b!.client.exec(labs.ready, ['cat', '/root/marker'])).stdout).toBe('kept-across-restore\n');
    expect((await b!.client.exec(labs.ready, ['docker', 'info', '--format', 'ok'])).stdout.trim()).toBe('ok');
    expect((await a.instance.resources(labs.ready)).containers).toHaveLength(1);
  });

  it('the lab whose containers went between backup and restore is failed, with the reason, within the reconcile interval', async () => {
    const failed = await b!.client.waitForLab(labs.gone, [LabStatus.Failed], RECONCILE_INTERVAL_SECONDS * 1000);
    expect(failed.failureReason).toBe('the lab container disappeared');
    const last = (await eventsOf(b!.client, labs.gone)).at(-1);
    expect(last).toMatchObject({ from: 'ready', to: 'failed', actor: 'reconciler' });
    expect(Date.parse(last.at)).toBeLessThanOrEqual(bWorkerStartedAt + RECONCILE_INTERVAL_SECONDS * 1000);
    expect(await a.instance.resources(labs.gone)).toEqual(NO_RESOURCES);
  });

  it('the lab whose expiry job was in the lost Redis still expires at its time', async () => {
    const expiresAt = Date.parse((await b!.client.get(`/api/v1/labs/${labs.brief}`)).body.expiresAt);
    // The expiry is the job's, at its time; taking the lab down after it is the engine's, which at
    // CI's load took over a minute.
    const ending = await eventually(
      async () => {
        const event = (await eventsOf(b!.client, labs.brief)).find((e: { to: string }) => e.to === 'stopping');
        if (!event) throw new Error('not ending yet');
        return event as { actor: string; at: string };
      },
      { timeoutMs: Math.max(0, expiresAt - Date.now()) + 30_000, intervalMs: 500, what: `lab ${labs.brief} to be ending` },
    );
    expect(ending.actor).toBe('expiry');
    expect(Date.parse(ending.at)).toBeGreaterThanOrEqual(expiresAt);
    const stopped = await b!.client.waitForLab(labs.brief, [LabStatus.Stopped], 180_000);
    expect(Date.parse(stopped.endedAt)).toBeGreaterThanOrEqual(expiresAt);
    expect((await eventsOf(b!.client, labs.brief)).map((e: { to: string; actor: string }) => [e.to, e.actor]).slice(-2)).toEqual([
      ['stopping', 'expiry'],
      ['stopped', 'worker'],
    ]);
    expect(await a.instance.resources(labs.brief)).toEqual(NO_RESOURCES);
  });

  it('removing both installations leaves no lab resource, no database and no Redis key', async () => {
    await Promise.all([b?.api?.stop(), ...(b?.workers ?? []).map((w) => w.stop())]);
    await a.instance.destroy();
    await dbB!.drop();
    expect(await a.instance.resources()).toEqual(NO_RESOURCES);
    const names = [a.instance.db.name, dbB!.name];
    expect((await withClient(ADMIN_DATABASE_URL, (db) => db.query(`SELECT datname FROM pg_database WHERE datname = ANY($1)`, [names]))).rows).toEqual([]);
    const redis = new IORedis('redis://127.0.0.1:6379');
    try {
      expect(await redis.keys(`${a.instance.instance}*`)).toEqual([]);
    } finally {
      await redis.quit();
    }
  });
});

describe('a backup of the previous release is upgraded by the restore; a damaged one is refused', () => {
  let old: TestInstance;
  const fresh: TestDatabase[] = [];
  const backups = mkdtempSync(join(tmpdir(), 'labfleet-backups-'));
  let backup: string;
  let names: string[];

  beforeAll(async () => {
    old = await TestInstance.create();
    // The previous release's schema: every migration but the two added since, with rows it wrote.
    const ds = await new DataSource(dataSourceOptions(old.db.url)).initialize();
    try {
      names = ds.migrations.map((m) => String(m.name));
      for (let i = 0; i < 2; i++) await ds.undoLastMigration({ transaction: 'each' });
      const [{ id: template }] = await ds.query(`INSERT INTO templates (name, cpus, memory_mb, pids_limit, ttl_seconds) VALUES ('old-docker', 1, 1024, 512, 3600) RETURNING id`);
      const [{ id: lab }] = await ds.query(
        `INSERT INTO labs (id, template_id, status, provider, created_at, expires_at, ended_at, failure_reason) VALUES (gen_random_uuid(), $1, 'failed', 'docker', now(), now(), now(), 'engine restarted') RETURNING id`,
        [template],
      );
      await ds.query(`INSERT INTO lab_events (lab_id, from_status, to_status, actor) VALUES ($1, 'ready', 'failed', 'reconciler')`, [lab]);
    } finally {
      await ds.destroy();
    }
    backup = backupDir(await runScript('backup.sh', [backups], old.env()));
  });
  afterAll(async () => {
    await old?.destroy();
    for (const db of fresh) await db.drop();
    rmSync(backups, { recursive: true, force: true });
  });

  const emptyDatabase = async () => {
    const db = await createTestDatabase(false);
    fresh.push(db);
    return db;
  };
  const tablesOf = async (url: string) => Object.keys(await tableRows(url));

  it('restores it and runs the migration step: the schema is this release’s, the rows are the old ones', async () => {
    expect(manifestOf(backup)).toMatchObject({ migrations: names.slice(0, -2), lastMigration: names.at(-3) });
    const target = await emptyDatabase();
    const restored = await runScript('restore.sh', [backup], old.env({ DATABASE_URL: target.url }));
    expect(restored).toMatchObject({ code: 0 });
    expect(restored.stderr).toContain(`schema now at ${names.at(-1)}`);
    const [before, after] = [await tableRows(old.db.url), await tableRows(target.url)];
    // In the order they ran (rows are sorted as text, where id 10 comes before 2).
    expect((after.migrations as { id: number; name: string }[]).sort((x, y) => x.id - y.id).map((m) => m.name)).toEqual(names);
    for (const table of Object.keys(before).filter((t) => t !== 'migrations')) expect([table, after[table].length]).toEqual([table, before[table].length]);
    expect(after.templates.find((t) => (t as { name: string }).name === 'old-docker')).toMatchObject({ memory_mb: 1024, kubernetes: null });
    expect(after.labs).toEqual([expect.objectContaining({ status: 'failed', failure_reason: 'engine restarted' })]);

    // --force replaces what is there (here: the same backup, restored again).
    const again = await runScript('restore.sh', ['--force', backup], old.env({ DATABASE_URL: target.url }));
    expect(again).toMatchObject({ code: 0 });
    expect(await tableRows(target.url)).toMatchObject({ labs: after.labs, lab_events: after.lab_events });
  });

  it('refuses a backup whose dump changed since it was taken, restoring nothing', async () => {
    const damaged = join(backups, 'damaged');
    cpSync(backup, damaged, { recursive: true });
    appendFileSync(join(damaged, 'labfleet.dump'), 'x');
    const target = await emptyDatabase();
    const refused = await runScript('restore.sh', [damaged], old.env({ DATABASE_URL: target.url }));
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('does not match the checksum');
    expect(await tablesOf(target.url)).toEqual([]);
  });
});
