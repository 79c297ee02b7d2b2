import { WebSocket } from 'ws';
import { ApiClient } from '../api-client';
import { eventually } from '../eventually';
import { login, TenantBuilder, TEST_PASSWORD } from '../tenants';

export interface ProbeResult {
  readonly what: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Opens the terminal WebSocket at `url`; resolves with the HTTP status of the upgrade (101 when opened). */
function openTerminal(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/**
 * What two API processes must share for a client to use either: sessions (a refresh token rotated
 * on one is used up on the other), terminal tickets (issued by one, redeemed once, on the other)
 * and rate limits (a login limit counted across both). Each API process is called directly.
 */
export async function probeStatelessApis(apiUrls: readonly [string, string], admin: ApiClient, course: { schoolId: string; courseId: string }, tag: string): Promise<ProbeResult[]> {
  const [one, two] = apiUrls;
  const tenants = new TenantBuilder(admin);
  const results: ProbeResult[] = [];
  const check = (what: string, ok: boolean, detail: string) => results.push({ what, ok, detail });

  const person = await tenants.person(course.schoolId, 'student', `probe-${tag}@example.test`);
  await tenants.enroll(course.courseId, person, 'student');
  const first = await login(one, person.email, TEST_PASSWORD);
  const rotated = await new ApiClient(two, null).post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
  const replayed = await new ApiClient(one, null).post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
  const family = await new ApiClient(two, null).post('/api/v1/auth/refresh', { refreshToken: rotated.body.refreshToken });
  check('session', rotated.status === 200 && replayed.status === 401 && family.status === 401, `login on API 1, refresh on API 2: ${rotated.status}; the used token again on API 1: ${replayed.status}; its family on API 2: ${family.status}`);

  const client = new ApiClient(one, rotated.body.accessToken);
  const made = await new ApiClient(two, rotated.body.accessToken).post('/api/v1/labs', { course: course.courseId, template: 'docker' });
  if (made.status !== 202) throw new Error(`probe lab: ${made.status} ${JSON.stringify(made.body)}`);
  try {
    const lab = await eventually(async () => {
      const { body } = await client.get(`/api/v1/labs/${made.body.id}`);
      if (body.status !== 'ready') throw new Error(`probe lab is ${body.status}`);
      return body;
    }, { timeoutMs: 180_000, what: 'the probe lab to be ready' });
    const ticket = await client.post(`/api/v1/labs/${lab.id}/terminal`, {});
    const wsUrl = (base: string) => `${base.replace('http', 'ws')}${ticket.body.url}`;
    const opened = await openTerminal(wsUrl(two));
    const again = await openTerminal(wsUrl(one));
    check('terminal ticket', ticket.status === 200 && opened === 101 && again === 401, `ticket from API 1: ${ticket.status}; opened on API 2: ${opened}; again on API 1: ${again}`);
  } finally {
    await client.delete(`/api/v1/labs/${made.body.id}`);
  }

  // The per-account login limit (10 a minute) counted across both: the 11th attempt is refused on
  // either. Its windows are fixed minutes: start early in one, so that every attempt falls in it.
  const leftInMinute = 60_000 - (Date.now() % 60_000);
  if (leftInMinute < 20_000) await new Promise((resolve) => setTimeout(resolve, leftInMinute + 100)); // the clock, not a condition
  const limited = await tenants.person(course.schoolId, 'student', `limit-${tag}@example.test`);
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) statuses.push((await new ApiClient(i % 2 ? two : one, null).post('/api/v1/auth/login', { email: limited.email, password: TEST_PASSWORD })).status);
  // TenantBuilder.person logged in once already: the 10th attempt here is the 11th in the minute.
  check('rate limit', statuses.slice(0, 9).every((s) => s === 200) && statuses.slice(9).every((s) => s === 429), `11 logins alternating API 1 and 2 (after 1 more): ${statuses.join(' ')}`);
  return results;
}
