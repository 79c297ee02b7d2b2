import { randomBytes } from 'node:crypto';
import { LabStatus } from '@labfleet/contracts';
import { ApiClient, eventually, freePort, LabfleetProcess, LabfleetStack, Person, TEST_ADMIN_TOKEN, TenantBuilder } from '@labfleet/testing';

jest.setTimeout(180_000);

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** A Prometheus text exposition (0.0.4): its families' HELP and TYPE, and its samples. */
function parse(text: string): { types: Map<string, string>; helps: Set<string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\w+) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') types.set(meta[2], meta[3]);
      else helps.add(meta[2]);
      continue;
    }
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v]));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { types, helps, samples };
}

/** One sample's value (0 when absent), whatever the order of its labels. */
function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.find((s) => s.name === name && Object.keys(s.labels).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found?.value ?? 0;
}

/** What grows with the history: counted in Redis as it happens, so every API process shows the same. */
const COUNTED = ['labfleet_labs_ended_total', 'labfleet_lab_requests_total', 'labfleet_provision_duration_seconds_bucket', 'labfleet_provision_duration_seconds_sum', 'labfleet_provision_duration_seconds_count'];

/**
 * `/metrics` through the real processes: what the worker counts (a lab ready, stopped, failed) and
 * what the API counts (a lab handed out, from the pool or new) shows on the scrape of any API
 * process, as prom-client's exposition; ended labs leave `labfleet_labs` for
 * `labfleet_labs_ended_total`. Each test reads the counters before and after what it does.
 */
describe('/metrics counters across processes', () => {
  let stack: LabfleetStack;
  let second: LabfleetProcess;
  let secondClient: ApiClient;
  let t: TenantBuilder;
  let schoolId: string;
  let courseId: string;
  const tag = randomBytes(3).toString('hex');
  let enrolled = 0;

  const scrape = async (client: ApiClient) => {
    const res = await client.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return parse(res.body as string);
  };
  const student = async (): Promise<Person> => {
    const s = await t.person(schoolId, 'student', `m${++enrolled}-${tag}@example.test`);
    await t.enroll(courseId, s, 'student');
    return s;
  };
  const request = async (p: Person, template: string) => {
    const res = await p.client.post('/api/v1/labs', { course: courseId, template });
    expect(res.status).toBe(202);
    return res.body;
  };
  const pool = async () => (await stack.client.get('/api/v1/pools')).body.pools.find((p: { template: string }) => p.template === 'small');
  const setPool = async (min: number) => expect((await stack.client.request('PUT', '/api/v1/pools/small', { min })).status).toBe(200);

  beforeAll(async () => {
    stack = await LabfleetStack.start({
      TEMPLATES_FILE: 'apps/api/test/fixtures/metrics-templates.json',
      CAPACITY_CPUS: '4',
      CAPACITY_MEMORY_MB: '100000',
      POOL_TICK_SECONDS: '1',
    });
    // A second API process of the same installation: it counted nothing itself.
    const port = await freePort();
    second = LabfleetProcess.start('api', `${stack.instance.instance}-api-2`, stack.env({ PORT: String(port) }));
    await second.waitForLog('Nest application successfully started');
    secondClient = new ApiClient(`http://127.0.0.1:${port}`, TEST_ADMIN_TOKEN);
    await eventually(async () => expect((await secondClient.request('GET', '/health')).status).toBe(200), { what: 'the second API to answer' });
    t = new TenantBuilder(stack.client);
    schoolId = (await t.school(`m-${tag}`)).id;
    courseId = (await t.course(schoolId, 'Metrics', { labsPerStudent: 5 })).id;
  }, 240_000);

  afterAll(async () => {
    await second?.stop();
    await stack?.stop();
  });

  it('a lab made, used and stopped is counted where it happens, and shows alike on every API process', async () => {
    const before = (await scrape(stack.client)).samples;
    const alice = await student();
    const lab = await request(alice, 'small');
    expect(lab).toMatchObject({ status: LabStatus.Pending, claimedAt: null });
    await alice.client.waitForLab(lab.id, [LabStatus.Ready], 90_000);
    const ready = (await scrape(stack.client)).samples;
    expect(value(ready, 'labfleet_labs', { status: 'ready', template: 'small', pool: 'false' })).toBe(value(before, 'labfleet_labs', { status: 'ready', template: 'small', pool: 'false' }) + 1);

    expect((await alice.client.delete(`/api/v1/labs/${lab.id}`)).status).toBe(202);
    await alice.client.waitForLab(lab.id, [LabStatus.Stopped], 90_000);
    const after = await eventually(
      async () => {
        const { samples } = await scrape(stack.client);
        expect(value(samples, 'labfleet_labs_ended_total', { status: 'stopped', template: 'small', pool: 'false' })).toBe(value(before, 'labfleet_labs_ended_total', { status: 'stopped', template: 'small', pool: 'false' }) + 1);
        return samples;
      },
      { what: 'the stopped lab to be counted' },
    );
    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
    expect(delta('labfleet_lab_requests_total', { source: 'cold' })).toBe(1);
    expect(delta('labfleet_lab_requests_total', { source: 'pool' })).toBe(0);
    expect(delta('labfleet_provision_duration_seconds_count')).toBe(1);
    expect(delta('labfleet_provision_duration_seconds_bucket', { le: '+Inf' })).toBe(1);
    expect(delta('labfleet_provision_duration_seconds_sum')).toBeGreaterThan(0);
    expect(value(after, 'labfleet_labs', { status: 'ready', template: 'small', pool: 'false' })).toBe(value(before, 'labfleet_labs', { status: 'ready', template: 'small', pool: 'false' }));
    expect(after.some((s) => s.name === 'labfleet_labs' && s.labels.status === 'stopped')).toBe(false);

    // The API process that counted nothing shows the same counts.
    const elsewhere = (await scrape(secondClient)).samples;
    const counted = (samples: readonly Sample[]) => samples.filter((s) => COUNTED.includes(s.name));
    expect(counted(elsewhere)).toEqual(counted(after));
  });

  it('a lab whose set-up fails counts as failed; a pool lab claimed counts as from the pool, and one retired unclaimed as a pool lab that ended', async () => {
    const before = (await scrape(stack.client)).samples;
    const bob = await student();
    const broken = await request(bob, 'broken');
    expect((await bob.client.waitForLab(broken.id, [LabStatus.Failed], 90_000)).failureReason).toMatch(/set-up step 1 on node1 failed \(exit 3/);

    await setPool(1);
    await eventually(async () => expect(await pool()).toMatchObject({ idle: 1, warming: 0 }), { timeoutMs: 90_000, what: 'the pool to fill' });
    const claimed = await request(bob, 'small');
    expect(claimed.status).toBe(LabStatus.Ready);
    expect(claimed.claimedAt).not.toBeNull();
    // The pool refills once the claims stop, then shrinks to nothing: its new lab ends unclaimed.
    await eventually(async () => expect(await pool()).toMatchObject({ idle: 1, warming: 0 }), { timeoutMs: 90_000, what: 'the pool to refill' });
    await setPool(0);
    expect((await bob.client.delete(`/api/v1/labs/${claimed.id}`)).status).toBe(202);

    const after = await eventually(
      async () => {
        const { samples } = await scrape(stack.client);
        const delta = (labels: Record<string, string>) => value(samples, 'labfleet_labs_ended_total', labels) - value(before, 'labfleet_labs_ended_total', labels);
        expect({
          failed: delta({ status: 'failed', template: 'broken', pool: 'false' }),
          stoppedOwned: delta({ status: 'stopped', template: 'small', pool: 'false' }),
          stoppedPool: delta({ status: 'stopped', template: 'small', pool: 'true' }),
        }).toEqual({ failed: 1, stoppedOwned: 1, stoppedPool: 1 });
        return samples;
      },
      { timeoutMs: 90_000, what: 'the three ended labs to be counted' },
    );
    const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
    expect(delta('labfleet_lab_requests_total', { source: 'pool' })).toBe(1);
    expect(delta('labfleet_lab_requests_total', { source: 'cold' })).toBe(1);
    // Ready once each: the two pool labs (the broken lab never was).
    expect(delta('labfleet_provision_duration_seconds_count')).toBe(2);
  });

  it('the exposition is well formed: every family has HELP and TYPE, the histogram is cumulative up to its count', async () => {
    const { types, helps, samples } = await scrape(secondClient);
    const family = (name: string) => {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      return types.get(base) === 'histogram' ? base : name;
    };
    for (const s of samples) {
      expect(types.has(family(s.name))).toBe(true);
      expect(helps.has(family(s.name))).toBe(true);
    }
    expect(types.get('labfleet_provision_duration_seconds')).toBe('histogram');
    expect(types.get('labfleet_labs_ended_total')).toBe('counter');
    expect(types.get('labfleet_labs')).toBe('gauge');
    const buckets = samples.filter((s) => s.name === 'labfleet_provision_duration_seconds_bucket').map((s) => s.value);
    expect(buckets.length).toBeGreaterThan(1);
    expect([...buckets].sort((a, b) => a - b)).toEqual(buckets);
    expect(buckets.at(-1)).toBe(value(samples, 'labfleet_provision_duration_seconds_count'));
  });
});
