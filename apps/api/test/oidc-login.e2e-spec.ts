import { createHash, randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { chromium } from 'playwright-core';
import { Client } from 'pg';
import { ApiClient, Browser, BrowserResponse, LabfleetStack, OidcTestAccount, OidcTestProvider, oidcLogin } from '@labfleet/testing';

jest.setTimeout(120_000);

/** The status, with the body in the failure message when it is not the expected one. */
const expectStatus = (res: BrowserResponse, status: number) => expect(`${res.status} ${res.body}`).toMatch(new RegExp(`^${status}\\b`));

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CLIENT_ID = 'labfleet';
const CLIENT_SECRET = `secret-${randomBytes(16).toString('hex')}`;
const tag = randomBytes(3).toString('hex');
const email = (name: string) => `${name}-${tag}@school.example`;

/** People known to the school's identity provider; only some of them have a Labfleet account. */
const ana: OidcTestAccount = { sub: `ana-${tag}`, password: 'ana-password', email: email('ana'), email_verified: true, name: 'Ana Student' };
const ben: OidcTestAccount = { sub: `ben-${tag}`, password: 'ben-password', email: email('ben'), email_verified: true, name: 'Ben Student' };
const cleo: OidcTestAccount = { sub: `cleo-${tag}`, password: 'cleo-password', email: email('cleo'), email_verified: true, name: 'Cleo Stranger' };
/** Claims Dan's address, but the provider has not verified it. */
const mallory: OidcTestAccount = { sub: `mallory-${tag}`, password: 'mallory-password', email: email('dan'), email_verified: false, name: 'Mallory' };
const dan: OidcTestAccount = { sub: `dan-${tag}`, password: 'dan-password', email: email('dan'), email_verified: true, name: 'Dan Student' };

/**
 * OpenID Connect login against a real OpenID provider (the `oidc-provider` package) started by
 * this test on 127.0.0.1: the browser part is plain fetch with a cookie jar that only talks to
 * the two loopback servers of this file.
 */
describe('OpenID Connect login with a real oidc-provider in the test', () => {
  let stack: LabfleetStack;
  let idp: OidcTestProvider;
  let admin: ApiClient;
  let publicUrl: string;
  let callbackUrl: string;
  let school: { id: string; slug: string };
  let redis: IORedis;
  const users: Record<string, { id: string }> = {};

  const browser = () => new Browser([publicUrl, idp.issuer]);
  const loginUrl = (slug = school.slug, query = '') => `${publicUrl}/api/v1/auth/oidc/${slug}/login${query}`;
  const login = (who: OidcTestAccount, query = '', b = browser()) => oidcLogin(b, loginUrl(school.slug, query), { login: who.sub, password: who.password }, callbackUrl);

  async function sql<T = any>(text: string, values: unknown[] = []): Promise<T[]> {
    const db = new Client({ connectionString: stack.instance.db.url });
    await db.connect();
    try {
      return (await db.query(text, values)).rows as T[];
    } finally {
      await db.end();
    }
  }

  beforeAll(async () => {
    stack = await LabfleetStack.start((port) => ({ PUBLIC_URL: `http://127.0.0.1:${port}` }), 0);
    admin = stack.client;
    publicUrl = admin.baseUrl;
    callbackUrl = `${publicUrl}/api/v1/auth/oidc/callback`;
    redis = new IORedis(stack.instance.env().REDIS_URL);
    idp = await OidcTestProvider.start({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: callbackUrl, accounts: [ana, ben, cleo, mallory, dan] });

    const created = await admin.post('/api/v1/schools', { name: 'OIDC School', slug: `oidc-${tag}` });
    expect(created.status).toBe(201);
    school = created.body;
    const configured = await admin.patch(`/api/v1/schools/${school.id}`, { oidcIssuer: idp.issuer, oidcClientId: CLIENT_ID, oidcClientSecret: CLIENT_SECRET });
    expect(configured.status).toBe(200);
    expect(configured.body).toMatchObject({ oidcIssuer: idp.issuer, oidcClientId: CLIENT_ID, oidcClientSecretSet: true });

    // Accounts made by the admin, without passwords: they can only come in through the provider.
    for (const [key, who, role] of [['ana', ana, 'student'], ['ben', ben, 'teacher'], ['dan', dan, 'student']] as const) {
      const user = await admin.post('/api/v1/users', { schoolId: school.id, email: who.email, name: who.name, role });
      expect(user.status).toBe(201);
      users[key] = user.body;
    }
  });

  afterAll(async () => {
    await idp?.stop();
    redis?.disconnect();
    await stack?.stop();
  });

  it('real oidc-provider in the test: a student created by the admin (no password) logs in and gets a working session, audited', async () => {
    const logins = async () => (await admin.get(`/api/v1/audit?action=auth.login&actorId=${users.ana.id}`)).body;
    const before = (await logins()).total;
    const { response } = await login(ana);
    expectStatus(response, 200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const session = JSON.parse(response.body);
    expect(session).toEqual({
      tokenType: 'Bearer',
      accessToken: expect.any(String),
      expiresIn: expect.any(Number),
      refreshToken: expect.any(String),
      refreshExpiresIn: expect.any(Number),
      user: { id: users.ana.id, email: ana.email, name: ana.name, role: 'student', schoolId: school.id },
    });

    const me = await new ApiClient(publicUrl, session.accessToken).get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: users.ana.id, role: 'student', schoolId: school.id });

    const audit = await logins();
    expect(audit.total).toBe(before + 1);
    expect(audit.items[0]).toEqual(expect.objectContaining({ action: 'auth.login', actorId: users.ana.id, schoolId: school.id, detail: expect.objectContaining({ method: 'oidc', issuer: idp.issuer }) }));

    // The refresh token works like a password login's.
    const refreshed = await new ApiClient(publicUrl, null).post('/api/v1/auth/refresh', { refreshToken: session.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user.id).toBe(users.ana.id);
  });

  it('real oidc-provider in the test: the second login matches the linked identity even after the email changed at the provider', async () => {
    const logins = async () => (await admin.get(`/api/v1/audit?action=auth.login&actorId=${users.ben.id}`)).body.total;
    const before = await logins();
    const first = await login(ben);
    expectStatus(first.response, 200);
    expect(JSON.parse(first.response.body).user).toMatchObject({ id: users.ben.id, role: 'teacher' });
    expect(await sql('SELECT user_id, issuer, subject FROM identities WHERE subject = $1', [ben.sub])).toEqual([{ user_id: users.ben.id, issuer: idp.issuer, subject: ben.sub }]);

    // Ben's address changes at the school (marriage, a new domain...): he is still Ben here.
    await idp.setAccount({ ...ben, email: email('benjamin') });
    const second = await login(ben);
    expectStatus(second.response, 200);
    const session = JSON.parse(second.response.body);
    expect(session.user).toMatchObject({ id: users.ben.id, email: ben.email, role: 'teacher', schoolId: school.id });
    expect((await new ApiClient(publicUrl, session.accessToken).get('/api/v1/me')).body).toMatchObject({ id: users.ben.id, role: 'teacher' });
    expect(await logins()).toBe(before + 2);
  });

  it('real oidc-provider in the test: someone the provider knows but with no Labfleet account in the school gets 403 and nothing is created', async () => {
    const before = (await admin.get(`/api/v1/schools/${school.id}/users?limit=500`)).body;
    const { response } = await login(cleo);
    expectStatus(response, 403);
    expect(JSON.parse(response.body).message).toMatch(/no Labfleet account/);

    const after = (await admin.get(`/api/v1/schools/${school.id}/users?limit=500`)).body;
    expect(after.total).toBe(before.total);
    expect(await sql('SELECT id FROM users WHERE email = $1', [cleo.email])).toEqual([]);
    expect(await sql('SELECT id FROM identities WHERE subject = $1', [cleo.sub])).toEqual([]);
    const failed = await admin.get('/api/v1/audit?action=auth.login-failed');
    expect(failed.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ actorId: null, actorLabel: cleo.email, detail: { method: 'oidc', reason: 'no account' } })]));
  });

  it('real oidc-provider in the test: an unverified email claim does not match or link an account', async () => {
    const { response } = await login(mallory);
    expectStatus(response, 403);
    expect(await sql('SELECT id FROM identities WHERE subject = $1', [mallory.sub])).toEqual([]);

    // Dan, whose address it is, still gets in (and Mallory was not linked to his account).
    const real = await login(dan);
    expectStatus(real.response, 200);
    expect(JSON.parse(real.response.body).user.id).toBe(users.dan.id);
    expect((await login(mallory)).response.status).toBe(403);
  });

  it('real oidc-provider in the test: replaying the callback URL or making up a state is a 400', async () => {
    const { callbackUrl: used, response } = await login(ana);
    expectStatus(response, 200);
    const params = new URL(used).searchParams;
    expect(params.get('code')).toBeTruthy();
    expect(params.get('state')).toBeTruthy();

    const replay = await browser().request(used);
    expectStatus(replay, 400);
    expect(JSON.parse(replay.body).message).toMatch(/unknown or expired login state/);

    const madeUp = await browser().request(`${callbackUrl}?code=${params.get('code')}&state=${randomBytes(16).toString('base64url')}`);
    expectStatus(madeUp, 400);
    expect((await browser().request(`${callbackUrl}?code=abc`)).status).toBe(400);
  });

  /** A login started with returnTo: the one-time code of its redirect, the key Redis holds it under, and every URL the browser saw. */
  async function loginWithReturnTo(who: OidcTestAccount) {
    const b = browser();
    const { response } = await login(who, '?returnTo=/app', b);
    expectStatus(response, 302);
    expect(response.rawLocation).toMatch(/^\/app#login_code=[\w-]{43}$/);
    const code = new URLSearchParams(response.rawLocation!.split('#')[1]).get('login_code')!;
    const key = `${stack.instance.instance}:ephemeral:oidc-handover:${createHash('sha256').update(code).digest('hex')}`;
    return { code, key, urls: [...b.visited, response.rawLocation!] };
  }
  const redeem = (code: unknown) => new ApiClient(publicUrl, null).post('/api/v1/auth/oidc/redeem', { code });

  it('real oidc-provider in the test: a login started with returnTo hands over a one-time code in the fragment, and no URL ever holds a token', async () => {
    const { code, key, urls } = await loginWithReturnTo(ana);
    // Kept in Redis under the code's hash, for a minute at most.
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);

    const redeemed = await redeem(code);
    expect(redeemed.status).toBe(200);
    const { accessToken, refreshToken, expiresIn } = redeemed.body;
    expect(expiresIn).toBeGreaterThan(0);
    expect(await redis.exists(key)).toBe(0);
    for (const url of urls) {
      expect(url).not.toContain(accessToken);
      expect(url).not.toContain(refreshToken);
      expect(url).not.toMatch(/access_token|refresh_token|lf_rt_/);
    }
    const me = await new ApiClient(publicUrl, accessToken).get('/api/v1/me');
    expect(me.body).toMatchObject({ id: users.ana.id, role: 'student', schoolId: school.id });
    const refreshed = await new ApiClient(publicUrl, null).post('/api/v1/auth/refresh', { refreshToken });
    expect(refreshed.status).toBe(200);

    // The code works once.
    const again = await redeem(code);
    expect(again.status).toBe(400);
    expect(again.body.message).toMatch(/unknown, used or expired login code; sign in again/);
  });

  it('real oidc-provider in the test: the web page in headless Chromium redeems the code, drops it from the address bar, and says so when it is used up', async () => {
    const { code } = await loginWithReturnTo(dan);
    const chrome = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await chrome.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${publicUrl}/#login_code=${code}`);
      await page.getByRole('button', { name: 'Log out' }).waitFor({ timeout: 30_000 });
      expect(page.url()).not.toContain(code);
      const kept = JSON.parse((await page.evaluate("sessionStorage.getItem('labfleet.session')")) as string);
      expect(kept.refreshToken).toMatch(/^lf_rt_/);
      expect(errors).toEqual([]);

      // The same code again, in a new tab without a session: the page says why and offers the login.
      const second = await chrome.newPage();
      await second.goto(`${publicUrl}/#login_code=${code}`);
      await second.getByRole('alert').filter({ hasText: /login code/ }).waitFor({ timeout: 30_000 });
      expect(await second.evaluate("sessionStorage.getItem('labfleet.session')")).toBeNull();
    } finally {
      await chrome.close();
    }
  });

  it('real oidc-provider in the test: an expired login code, a made-up one or none is a 400', async () => {
    const { code, key } = await loginWithReturnTo(ben);
    // Expiry without waiting a minute: a TTL of 0 ends the key as its 60 s would.
    await redis.expire(key, 0);
    const expired = await redeem(code);
    expect(expired.status).toBe(400);
    expect(expired.body.message).toMatch(/unknown, used or expired login code/);

    expect((await redeem(randomBytes(32).toString('base64url'))).status).toBe(400);
    expect((await redeem('')).status).toBe(400);
    expect((await redeem(42)).status).toBe(400);
  });

  it('real oidc-provider in the test: a returnTo that a browser would take off-site is a 400 before the provider is asked', async () => {
    const offSite = ['https://evil.example/', '//evil.example/app', '/\\evil.example/app', '/\t/evil.example/app', 'javascript:alert(1)', 'app'];
    // A browser on this site resolves the first four to evil.example (WHATWG URL parsing, as here).
    for (const returnTo of offSite.slice(0, 4)) expect(new URL(returnTo, publicUrl).host).toBe('evil.example');
    for (const returnTo of offSite) {
      const res = await browser().request(loginUrl(school.slug, `?returnTo=${encodeURIComponent(returnTo)}`));
      expect({ returnTo, status: res.status, location: res.location }).toEqual({ returnTo, status: 400, location: null });
    }
  });

  it('real oidc-provider in the test: a school without OpenID Connect configured is a 404 at the start, as is an unknown school', async () => {
    const plain = await admin.post('/api/v1/schools', { name: 'No OIDC School', slug: `plain-${tag}` });
    expect(plain.status).toBe(201);
    const res = await browser().request(loginUrl(plain.body.slug));
    expectStatus(res, 404);
    expect(res.location).toBeNull();
    expect((await browser().request(loginUrl(`nope-${tag}`))).status).toBe(404);
  });
});
