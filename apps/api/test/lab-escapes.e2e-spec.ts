import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LabStatus } from '@labfleet/contracts';
import { labNetworkName } from '@labfleet/provider-docker';
import { ApiClient, docker, eventually, LabfleetStack, TenantBuilder, TEST_REGISTRY } from '@labfleet/testing';

jest.setTimeout(600_000);

type Outcome = 'blocked' | 'escaped' | 'exposed' | 'n/a';
/** A Labfleet stack and a student of one of its courses, whose labs the attempts run in. */
interface Installation {
  readonly stack: LabfleetStack;
  readonly student: ApiClient;
  readonly courseId: string;
}

async function install(env: Record<string, string> = {}): Promise<Installation> {
  const stack = await LabfleetStack.start(env);
  const t = new TenantBuilder(stack.client);
  const tag = randomBytes(3).toString('hex');
  const school = await t.school(`esc-${tag}`);
  const course = await t.course(school.id, 'Escapes', { labsPerStudent: 5 });
  const student = await t.person(school.id, 'student', `student-${tag}@example.test`);
  await t.enroll(course.id, student, 'student');
  return { stack, student: student.client, courseId: course.id };
}
type Results = Map<string, { outcome: Outcome; detail: string }>;

const PROBES = readFileSync(join(__dirname, 'fixtures/escape-probes.sh'), 'utf8');
/** Where the lab's shell keeps the probes, and where a container in the lab sees them. */
const PROBE_FILE = '/root/escape-probes.sh';
const CONTAINER = 'a `docker run --privileged` container in the lab';
/** The memory limit of each shipped template's nodes. */
const MEMORY_MB: Record<string, number> = Object.fromEntries(
  (JSON.parse(readFileSync('deploy/templates.json', 'utf8')).templates as { name: string; memoryMb: number }[]).map((t) => [t.name, t.memoryMb]),
);

/**
 * The escape suite (docs/providers.md "Security profiles", docs/security.md): every known way out of a
 * container, tried from
 * a student's shell in a lab and from a privileged container inside it, in a lab of the default
 * (confined) profile and, as the control that shows the attempts are real, in a `privileged` lab.
 * Every attempt is harmless by construction (see the probe script). The table of what was tried
 * and what stopped it is printed.
 */
describe('labs that cannot break out: the escape suite, confined vs privileged', () => {
  const token = randomBytes(8).toString('hex');
  const markerDir = mkdtempSync('/tmp/labfleet-escape-');
  const releaseMarker = join(markerDir, 'release-agent');
  let confined: Installation;
  let privileged: Installation;
  /** Stands for any service of the host's on every address: an engine's TCP port, a database. */
  let standIn: Server;
  const accepted: Socket[] = [];
  const table: string[] = [];
  const results = new Map<string, Results>();
  let other: { id: string; address: string };

  beforeAll(async () => {
    writeFileSync(join(markerDir, 'marker'), token);
    standIn = createServer((s) => accepted.push(s.on('error', () => undefined)));
    await new Promise<void>((r) => standIn.listen(0, '0.0.0.0', r));
    [confined, privileged] = await Promise.all([install(), install({ LAB_SECURITY_PROFILE: 'privileged' })]);
    // A second confined lab serving a port: "another lab" to reach.
    const b = await newLab(confined);
    const serve = await confined.student.sh(b.id, 'setsid socat TCP-LISTEN:7000,reuseaddr,fork EXEC:cat </dev/null >/dev/null 2>&1 &');
    expect(serve.exitCode).toBe(0);
    other = { id: b.id, address: `${b.nodes[0].address}:7000` };
    await eventually(async () => expect((await confined.student.sh(b.id, `timeout 3 bash -c 'exec 3<>/dev/tcp/${b.nodes[0].address}/7000' && echo reachable`)).stdout.trim()).toBe('reachable'), {
      intervalMs: 100,
      what: 'the other lab to serve its port',
    });
  });

  afterAll(async () => {
    if (table.length) console.log(table.join('\n'));
    accepted.forEach((s) => s.destroy());
    await new Promise((r) => standIn?.close(r));
    await Promise.all([confined?.stack.stop(), privileged?.stack.stop()]);
    rmSync(markerDir, { recursive: true, force: true });
  });

  async function newLab({ student, courseId }: Installation, template = 'docker'): Promise<any> {
    const { body } = await student.post('/api/v1/labs', { course: courseId, template });
    return student.waitForLab(body.id, [LabStatus.Ready, LabStatus.Failed], 180_000);
  }

  /** The lab network's gateway: the host, as the lab sees it. */
  async function gatewayOf(stack: LabfleetStack, labId: string): Promise<string> {
    const network = await docker.getNetwork(labNetworkName(stack.instance.instance, labId)).inspect();
    return network.IPAM!.Config![0].Gateway!;
  }

  /** Runs the probes in a lab (its shell, or a privileged container in it) and reads the host's markers. */
  async function probe({ stack, student }: Installation, lab: any, where: 'shell' | 'container', node = 'node1'): Promise<Results> {
    const gateway = await gatewayOf(stack, lab.id);
    const api = new URL(stack.client.baseUrl).port;
    // The stand-in answers the host itself at the gateway's address: a refusal from the lab is the lab's doing.
    await new Promise<void>((resolve, reject) => {
      const s = new Socket().on('error', reject);
      s.connect(Number((standIn.address() as { port: number }).port), gateway, () => (s.destroy(), resolve()));
    });
    const targets = [
      `host-service-on-all-addresses=${gateway}:${(standIn.address() as { port: number }).port}`,
      `postgres=${gateway}:5432`,
      `redis=${gateway}:6379`,
      `registry-writer=${gateway}:${TEST_REGISTRY.hostPort}`,
      `api=${gateway}:${api}`,
      `other-lab=${other.address}`,
    ].join(' ');
    const rootDisk = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === '/')!.split(' ')[2];
    // The node's memory limit, which the host set for the lab from its template.
    const env = { MARKER_DIR: markerDir, TOKEN: token, HOST_NAME: hostname(), DISK: rootDisk, TARGETS: targets, MEMORY_LIMIT: String(MEMORY_MB[lab.template] * 1024 * 1024) };
    const upload = await student.request('PUT', `/api/v1/labs/${lab.id}/files?path=${PROBE_FILE}&node=${node}`, undefined, PROBES, 'application/octet-stream');
    expect(upload.status).toBe(200);
    const vars = Object.entries(env).map(([k, v]) => `${k}='${v}'`);
    const command =
      where === 'shell'
        ? `env ${vars.join(' ')} PROBE_ROOT=/tmp/lf-probe bash ${PROBE_FILE}`
        : `docker pull -q debian:bookworm-slim >/dev/null && docker run --rm --privileged -v /root:/probe ${vars.map((v) => `-e ${v}`).join(' ')} -e PROBE_ROOT=/tmp/lf-probe debian:bookworm-slim bash /probe/escape-probes.sh`;
    if (existsSync(releaseMarker)) unlinkSync(releaseMarker);
    const run = await student.sh(lab.id, command, 180, node);
    const found: Results = new Map();
    if (run.exitCode !== 0) {
      found.set('(the attempt)', { outcome: 'n/a', detail: `could not run: ${`${run.stderr}`.trim().split('\n').filter((l) => /error/i.test(l)).join(' | ')}` });
      return found;
    }
    for (const line of `${run.stdout}`.trim().split('\n')) {
      const [name, outcome, detail] = line.split('\t');
      if (outcome !== 'attempted') {
        found.set(name, { outcome: outcome as Outcome, detail });
        continue;
      }
      // The host decides: did the release agent run? (The kernel runs it as the cgroup empties: give it 2 s.)
      const ran = await eventually(() => readFileSync(releaseMarker, 'utf8').trim(), { timeoutMs: 2000, intervalMs: 100, what: 'the release agent to run on the host' }).catch(() => null);
      found.set(name, ran ? { outcome: 'escaped', detail: `${detail}: on the host, it ${ran}` } : { outcome: 'blocked', detail: `${detail}: the host ran nothing` });
    }
    return found;
  }

  function record(profile: string, where: string, found: Results): void {
    results.set(`${profile} / ${where}`, found);
    table.push(`\nescape suite: ${profile} lab, from ${where}`, `${'attempt'.padEnd(30)}${'result'.padEnd(9)}what happened`);
    for (const [name, { outcome, detail }] of found) table.push(`${name.padEnd(30)}${outcome.padEnd(9)}${detail}`);
  }

  const ATTEMPTS = [
    'cgroup-release-agent',
    'cgroup-notify-on-release',
    'host-block-device',
    'sysrq-trigger',
    'proc-sys-kernel',
    'core-pattern',
    'kernel-module',
    'dev-kmsg',
    'dev-mem',
    'nsenter-pid1',
    'host-docker-socket',
    'host-service-on-all-addresses',
    'postgres',
    'redis',
    'registry-writer',
    'api',
    'other-lab',
    'own-cgroup-limits',
  ];

  /** Every attempt made, every one blocked: n/a only where the thing does not exist on this kernel for anyone (this one has no sysrq). */
  function expectAllBlocked(found: Results): void {
    expect([...found.keys()]).toEqual(ATTEMPTS);
    const absent = existsSync('/proc/sysrq-trigger') ? [] : ['sysrq-trigger'];
    for (const [name, { outcome }] of found) expect([name, outcome]).toEqual([name, absent.includes(name) ? 'n/a' : 'blocked']);
    expect(existsSync(releaseMarker)).toBe(false);
  }

  it.each([
    ['a student shell', 'shell' as const],
    [CONTAINER, 'container' as const],
  ])('in a confined lab, from %s, every attempt fails', async (where, how) => {
    const lab = await newLab(confined);
    expect(lab).toMatchObject({ status: 'ready' });
    const found = await probe(confined, lab, how);
    record('confined', where, found);
    expectAllBlocked(found);
  });

  // Every template the platform ships runs confined: their nodes hold the same way (here the last
  // node of each multi-node template; on swarm-5, a worker of the swarm its set-up formed).
  it.each([
    ['swarm-3', 'node3'],
    ['swarm-5', 'node5'],
  ])('in a confined %s lab, from a student shell on %s, every attempt fails', async (template, node) => {
    const lab = await newLab(confined, template);
    expect(lab).toMatchObject({ status: 'ready' });
    const found = await probe(confined, lab, 'shell', node);
    record(`confined ${template}`, `a student shell on ${node}`, found);
    expectAllBlocked(found);
  });

  it('the control: in a privileged lab the same attempts get out (the checks are not vacuous)', async () => {
    const lab = await newLab(privileged);
    expect(lab).toMatchObject({ status: 'ready' });
    const shell = await probe(privileged, lab, 'shell');
    record('privileged (control)', 'a student shell', shell);
    record('privileged (control)', CONTAINER, await probe(privileged, lab, 'container'));
    // Root on the host: a program of the student's ran there, host-wide files are writable, the kernel log readable.
    expect(shell.get('cgroup-release-agent')).toMatchObject({ outcome: 'escaped', detail: expect.stringContaining('ran as uid 0') });
    expect(shell.get('own-cgroup-limits')?.outcome).toBe('escaped');
    expect(shell.get('dev-kmsg')?.outcome).toBe('escaped');
    expect(shell.get('core-pattern')?.outcome).toBe('exposed');
    expect(shell.get('proc-sys-kernel')?.outcome).toBe('exposed');
    expect(shell.get('kernel-module')?.outcome).toBe('exposed');
    expect(shell.get('host-block-device')?.outcome).toMatch(/^(escaped|exposed)$/);
    // The operator was told so when the worker started; the confined installation's worker says nothing.
    expect(privileged.stack.workers[0].logs).toMatch(/"lab security".*every student is root on the lab hosts/);
    expect(confined.stack.workers[0].logs).not.toMatch(/"lab security"/);
  });
});
