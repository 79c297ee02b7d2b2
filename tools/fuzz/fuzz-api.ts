/**
 * Fuzzes the API from its own OpenAPI document.
 *
 *   npm run fuzz        (build, then node dist/tools/fuzz/fuzz-api.js)
 *
 * 1. a Labfleet stack of its own (API and worker as real processes, its own database and Redis
 *    prefix), and through its API two schools with people of every role, courses, members, API
 *    tokens and a ready lab each (fuzz-world.ts);
 * 2. the limits and slow clients (limit-probes.ts): body and header size limits, a slowloris of
 *    FUZZ_SLOW_CONNECTIONS connections, a flood of FUZZ_WS_MESSAGES messages on a lab's terminal
 *    WebSocket, each while a normal request is timed;
 * 3. every operation of `/docs-json` as every role (platform admin, school A's admin, teacher and
 *    student, nobody), FUZZ_RUNS cases each (default 25) that fast-check generates from the seed
 *    (FUZZ_SEED, else random; printed): bodies from the schema then mutated, path and query
 *    parameters, content types, headers (fuzz-requests.ts); operations that delete run last;
 * 4. the oracles (fuzz-oracles.ts) on every answer: no 5xx, an answer within 30 s, a JSON `message`
 *    on every 4xx, none of school B's ids, emails or names in an answer to school A's people or to
 *    nobody, no host file; no file written on this machine by an upload's tar archive that climbs
 *    out of its lab; and at the end the API and worker still running, with no RangeError,
 *    uncaught exception or unhandled rejection in their logs (a process that died is restarted,
 *    so the run goes on, and counted);
 * 5. a table: operation × role → cases, statuses, failures; totals; the seed; a FUZZ_SUMMARY line.
 *
 * FUZZ_ONLY (a regular expression on `METHOD /path`) fuzzes some operations only; FUZZ_PROBES=0
 * skips step 2. Exits non-zero on any failure. Network: loopback only; no value the fuzzer sends
 * makes the API reach out (see keepOffTheNetwork). Removes all it made, also on Ctrl-C.
 */
import { randomInt } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { ApiClient, LabfleetProcess, LabfleetStack } from '@labfleet/testing';
import { cleanUpOnSignal, count, describe, text } from '../bench/bench-kit';
import { buildWorld, FuzzWorld, ROLES } from './fuzz-world';
import { printReport, ProbeResult, summarise } from './fuzz-report';
import { Cell, runCell } from './fuzz-runner';
import { HEADERS_TIMEOUT_SECONDS, REQUEST_TIMEOUT_SECONDS, runProbes } from './limit-probes';
import { readOperations } from './openapi-operations';

const SEED = count('FUZZ_SEED', randomInt(0, 2 ** 31 - 1));
const RUNS = count('FUZZ_RUNS', 25, 1);
const ONLY = text('FUZZ_ONLY');
const PROBES = count('FUZZ_PROBES', 1) === 1;
const CONCURRENCY = 4;
/** What a crashed or badly broken process leaves in its log. */
const CRASH_SIGNS = /RangeError|Maximum call stack|uncaughtException|unhandledRejection|Unhandled promise rejection|UnhandledPromiseRejection|FATAL ERROR|heap out of memory/i;

/** Stack settings for a run: tokens that outlive it, no rate limit or login lock in its way, room for the two labs and one more. */
const STACK_SETTINGS = {
  ACCESS_TOKEN_TTL_SECONDS: '86400',
  RATE_LIMIT_LOGIN_PER_MINUTE: '100000',
  LOGIN_LOCK_AFTER_FAILURES: '100',
  CAPACITY_CPUS: '4',
  CAPACITY_MEMORY_MB: '400',
  // Short enough for the slowloris probe to see the server cut slow clients.
  HTTP_HEADERS_TIMEOUT_SECONDS: String(HEADERS_TIMEOUT_SECONDS),
  HTTP_REQUEST_TIMEOUT_SECONDS: String(REQUEST_TIMEOUT_SECONDS),
};

/** Checks the API and workers after a cell; restarts any that died, so the run goes on. */
async function checkProcesses(stack: LabfleetStack, after: string, incidents: string[], dead: LabfleetProcess[]): Promise<void> {
  if (!stack.api.running) {
    incidents.push(`the API died (${stack.api.exitSignal ?? 'exit'}) during ${after}`);
    dead.push(stack.api);
    await stack.startApi();
  }
  for (const [i, w] of stack.workers.entries()) {
    if (w.running) continue;
    incidents.push(`worker ${i + 1} died during ${after}`);
    dead.push(w);
    stack.workers.splice(i, 1);
    await stack.startWorker();
  }
}

/** Distinct error lines of the API's log (5xx are logged with their stack), most frequent first. */
function errorLines(logs: string): string[] {
  const counts = new Map<string, number>();
  for (const line of logs.split('\n')) {
    if (!/"level":"(error|fatal)"/.test(line)) continue;
    const m = /"error":"([^"\\]*(?:\\.[^"\\]*)*)"/.exec(line) ?? /"(?:message|msg)":"([^"\\]*(?:\\.[^"\\]*)*)"/.exec(line);
    const key = (m?.[1] ?? line).split('\\n').slice(0, 2).join(' | ').slice(0, 240);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n}× ${k}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`fuzz: seed ${SEED}, ${RUNS} cases per operation and role${ONLY ? `, operations matching /${ONLY}/` : ''}`);
  let stack: LabfleetStack | undefined;
  let world: FuzzWorld | undefined;
  const cleanup = async () => {
    if (world) {
      rmSync(world.hostMarker.path, { force: true });
      for (const f of readdirSync('/tmp').filter((f) => `/tmp/${f}`.startsWith(world!.escapePrefix))) rmSync(`/tmp/${f}`, { force: true });
    }
    await stack?.stop().catch((e) => console.warn(`could not remove the stack: ${describe(e)}`));
  };
  cleanUpOnSignal(cleanup);
  let failed = true;
  try {
    stack = await LabfleetStack.start({ ...STACK_SETTINGS });
    const baseUrl = stack.client.baseUrl;
    const document = await (await fetch(`${baseUrl}/docs-json`)).json();
    const operations = readOperations(document)
      .filter((op) => !ONLY || new RegExp(ONLY).test(op.key))
      // What deletes runs last, so the labs, members and tokens are there for the rest.
      .sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    console.log(`${operations.length} operations in the OpenAPI document; making two schools...`);
    world = await buildWorld(baseUrl);
    console.log(`world ready in ${((Date.now() - started) / 1000).toFixed(0)} s: labs ${world.own.lab[0]} (school A) and ${world.other.lab[0]} (school B)`);

    const incidents: string[] = [];
    const dead: LabfleetProcess[] = [];
    const probesStarted = Date.now();
    const probes: ProbeResult[] = PROBES ? await runProbes(stack, world, dead) : [];
    await checkProcesses(stack, 'the limit probes', incidents, dead);
    const fuzzStarted = Date.now();

    const cells: Cell[] = [];
    for (const op of operations) {
      for (const role of ROLES) {
        const cell = await runCell(op, world.callers[role], world, SEED, RUNS, CONCURRENCY);
        cells.push(cell);
        await checkProcesses(stack, `${op.key} as ${role}`, incidents, dead);
      }
      const failures = cells.filter((c) => c.op === op.key).reduce((n, c) => n + c.failures.length, 0);
      console.log(`  ${op.key}: ${ROLES.length * RUNS} cases${failures ? `, ${failures} failures` : ''}`);
    }

    for (const role of ['school-admin', 'teacher', 'student'] as const) {
      const me = await new ApiClient(baseUrl, world.callers[role].token).get('/api/v1/me');
      if (me.status !== 200 || me.body.role !== role) incidents.push(`the ${role} caller is no longer one (${me.status} ${JSON.stringify(me.body).slice(0, 120)}): the run changed its own callers`);
    }
    const { escapePrefix } = world;
    const escaped = readdirSync('/tmp').filter((f) => `/tmp/${f}`.startsWith(escapePrefix));
    if (escaped.length) incidents.push(`an upload wrote on this machine, outside its lab: /tmp/${escaped.join(', /tmp/')}`);
    for (const p of [...dead, stack.api, ...stack.workers]) {
      const sign = CRASH_SIGNS.exec(p.logs);
      if (sign) incidents.push(`${p.name}'s log shows "${sign[0]}" (test-artifacts/${p.name}.log)`);
    }
    const errors = [...dead, stack.api].flatMap((p) => errorLines(p.logs));
    if (errors.length) console.log(`\nerrors in the API's log:\n${errors.slice(0, 15).map((e) => `  ${e}`).join('\n')}`);
    const seconds = (from: number, to = Date.now()) => Math.round((to - from) / 1000);
    console.log(`\ntimes: stack and world ${seconds(started, probesStarted)} s, probes ${seconds(probesStarted, fuzzStarted)} s, operations ${seconds(fuzzStarted)} s`);
    const summary = summarise(cells, probes, incidents, SEED, RUNS, (Date.now() - started) / 1000);
    printReport(cells, summary);
    failed = summary.failures > 0;
  } finally {
    await cleanup();
  }
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(`fuzz failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
