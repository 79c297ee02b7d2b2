import { Test, TestingModule } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ConfigModule } from '@labfleet/config';
import { LabStatus } from '@labfleet/contracts';
import { LAB_PROVIDER, LabRuntime } from '@labfleet/domain';
import { LabJobsService } from '@labfleet/queue';
import { createTestDatabase, eventually, insertLabs, insertTemplate, TestDatabase, testConfig, removeRedisKeys } from '@labfleet/testing';
import { LabLifecycleModule } from '../src/lab-lifecycle.module';
import { ReconcilerService } from '../src/reconciler.service';

jest.setTimeout(60_000);

const READY = 300;

/**
 * A backend that answers reconcile's one read from a table and counts the calls: what is
 * measured is how often the pass asks, which a real backend could not show for hundreds of labs
 * here. Whatever else the pass touches is real (Postgres, Redis, the services).
 */
function standInBackend(runtimes: Map<string, LabRuntime>) {
  const calls = { labRuntimes: 0, inspect: 0 };
  const destroyed: string[] = [];
  const backend = {
    kind: 'docker',
    labRuntimes: async () => {
      calls.labRuntimes++;
      return runtimes;
    },
    inspect: async (labId: string) => {
      calls.inspect++;
      return runtimes.get(labId) ?? { state: 'gone' };
    },
    destroy: async (labId: string) => void destroyed.push(labId),
  };
  return { backend, calls, destroyed };
}

describe('reconcile against a stand-in backend of hundreds of labs, on the real Postgres and Redis', () => {
  const instance = `rc${Date.now().toString(36)}`;
  let db: TestDatabase;
  let sql: Client;
  let ready: string[];
  let stopped: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    const template = await insertTemplate(sql, 'docker');
    await insertLabs(sql, { templateId: template, status: LabStatus.Ready, count: READY, createdAt: new Date() });
    await insertLabs(sql, { templateId: template, status: LabStatus.Stopped, count: 1, createdAt: new Date() });
    ready = (await sql.query<{ id: string }>(`SELECT id FROM labs WHERE status = 'ready' ORDER BY id`)).rows.map((r) => r.id);
    stopped = (await sql.query<{ id: string }>(`SELECT id FROM labs WHERE status = 'stopped'`)).rows[0].id;
  });

  afterAll(async () => {
    await removeRedisKeys(instance);
    await sql?.end();
    await db?.drop();
  });

  async function withReconciler<T>(backend: object, fn: (reconciler: ReconcilerService) => Promise<T>): Promise<T> {
    const config = testConfig(instance, { DATABASE_URL: db.url, REDIS_KEY_PREFIX: instance });
    const app: TestingModule = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), LabLifecycleModule] })
      .overrideProvider(LAB_PROVIDER)
      .useValue(backend)
      .compile();
    await app.init();
    try {
      await eventually(() => app.get(LabJobsService).ping(), { what: 'Redis to answer' });
      return await fn(app.get(ReconcilerService));
    } finally {
      await app.close();
    }
  }

  it(`reads the backend once for all ${READY} ready labs, not once per lab; adopts them, fails the lost one, removes what has no live lab`, async () => {
    const [lost, ...running] = ready;
    const leftover = randomUUID();
    const { backend, calls, destroyed } = standInBackend(
      new Map<string, LabRuntime>([...running.map((id) => [id, { state: 'running' }] as const), [stopped, { state: 'running' }], [leftover, { state: 'gone' }]]),
    );
    const summary = await withReconciler(backend, (reconciler) => reconciler.run());
    expect(calls).toEqual({ labRuntimes: 1, inspect: 0 });
    expect(summary).toEqual({ adopt: READY - 1, 'remove-orphan': 2, 'mark-failed': 1, 'requeue-provision': 0, 'requeue-destroy': 0 });
    // The failed lab's clean-up goes through the backend too.
    expect(destroyed.sort()).toEqual([lost, stopped, leftover].sort());
    const rows = await sql.query(`SELECT status, failure_reason FROM labs WHERE id = $1`, [lost]);
    expect(rows.rows).toEqual([{ status: LabStatus.Failed, failure_reason: 'the lab container disappeared' }]);
  });
});
