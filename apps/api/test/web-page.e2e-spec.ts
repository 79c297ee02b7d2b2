import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page, Request, WebSocketRoute } from 'playwright-core';
import { LabStatus } from '@labfleet/contracts';
import { consistently, eventually, LabfleetStack, Person, TEST_PASSWORD, TenantBuilder } from '@labfleet/testing';

jest.setTimeout(900_000);

const SHOTS = join(__dirname, '..', '..', '..', 'test-artifacts', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The web page in real headless Chromium: a student starts a lab, uses its terminal and opens a
 * port; another student cannot reach them; the teacher watches. The browser may talk to the test's
 * API origin only: every other request is refused (and recorded), so no internet asset is needed.
 */
/**
 * The time left a warning shows, in seconds: how much of a lab's time is gone before its page shows
 * it depends on the host (at CI's load lab A's 100 s were at 55 s), so tests bound it, not match it.
 */
function secondsShown(text: string): number {
  const shown = /ends in (\d+) min (\d\d) s/.exec(text);
  if (!shown) throw new Error(`no time left in "${text}"`);
  return Number(shown[1]) * 60 + Number(shown[2]);
}

describe('the web page, in headless Chromium', () => {
  let stack: LabfleetStack;
  let browser: Browser;
  let origin: string;
  let courseId: string;
  let studentA: Person, studentB: Person, teacher: Person, schoolAdmin: Person;
  let schoolSlug: string;
  let schoolId: string;
  const blocked: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const contexts: BrowserContext[] = [];
  /** The pages' WebSockets (they pass through Playwright), to cut one in a test. */
  const sockets: { context: BrowserContext; url: string; route: WebSocketRoute }[] = [];
  let pageA: Page;
  let labId: string;
  let portUrl: string;

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  /** A browser context that reaches only the test's API (HTTP and WebSocket). */
  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    context.setDefaultTimeout(60_000);
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url === origin || url.startsWith(`${origin}/`)) return route.continue();
      blocked.push(url);
      return route.abort('blockedbyclient');
    });
    const wsOrigin = origin.replace(/^http/, 'ws');
    await context.routeWebSocket(/.*/, (ws) => {
      if (ws.url().startsWith(`${wsOrigin}/`)) {
        ws.connectToServer();
        sockets.push({ context, url: ws.url(), route: ws });
      } else {
        blocked.push(ws.url());
        void ws.close();
      }
    });
    context.on('page', (page) => {
      page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
      page.on('console', (m) => m.type() === 'error' && consoleErrors.push(`${page.url()}: ${m.text()}`));
    });
    contexts.push(context);
    return context;
  }

  /**
   * Loads `url` until no request of it failed with ERR_NETWORK_CHANGED: Chromium drops what is in
   * flight when the host gains an interface, as when the pool's refill makes a lab network.
   */
  async function load(page: Page, url: string): Promise<number | undefined> {
    for (let attempt = 1; ; attempt++) {
      let changed = false;
      const onFailed = (r: Request) => (changed ||= r.failure()?.errorText === 'net::ERR_NETWORK_CHANGED');
      page.on('requestfailed', onFailed);
      const loading = attempt === 1 ? page.goto(url, { waitUntil: 'networkidle' }) : page.reload({ waitUntil: 'networkidle' });
      const res = await loading.finally(() => page.off('requestfailed', onFailed));
      if (!changed || attempt === 3) return res?.status();
    }
  }

  async function logIn(page: Page, person: Person, screenshot?: string): Promise<void> {
    const status = await load(page, `${origin}/#/login`);
    if (status !== 200) throw new Error(`GET / answers ${status}: the API does not serve the web page (serveWebAssets in bootstrap.ts)`);
    try {
      await page.getByLabel('Email').fill(person.email);
      if (screenshot) await shot(page, screenshot);
      await page.getByLabel('Password').fill(TEST_PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('button', { name: 'Log out' }).waitFor();
    } catch (e) {
      await shot(page, `failed-login-${person.role}`).catch(() => undefined);
      throw new Error(`${(e as Error).message}\npage ${page.url()} shows:\n${await page.locator('body').innerText().catch(() => '?')}\nconsole errors: ${consoleErrors.join('\n')}`);
    }
  }

  /** The text on the screen of the terminal of `node` (xterm.js's DOM renderer). */
  const screen = (page: Page, node = 'node1') => page.locator(`.term[data-node="${node}"] .xterm-rows`).innerText();

  /** The terminal's screen once it shows `pattern`. */
  const waitForScreen = (page: Page, pattern: RegExp, timeoutMs: number): Promise<string> =>
    eventually(
      async () => {
        const text = await screen(page).catch(() => '');
        expect(text).toMatch(pattern);
        return text;
      },
      { timeoutMs, intervalMs: 250, what: `the terminal to show ${pattern}` },
    );

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await LabfleetStack.start((port) => ({ PUBLIC_URL: `http://127.0.0.1:${port}` }));
    origin = stack.client.baseUrl;
    const t = new TenantBuilder(stack.client);
    const tag = randomBytes(3).toString('hex');
    const school = await t.school(`web-${tag}`);
    schoolSlug = school.slug;
    schoolId = school.id;
    courseId = (await t.course(school.id, 'Docker 101')).id;
    studentA = await t.person(school.id, 'student', `ana-${tag}@example.test`);
    studentB = await t.person(school.id, 'student', `ben-${tag}@example.test`);
    teacher = await t.person(school.id, 'teacher', `tess-${tag}@example.test`);
    schoolAdmin = await t.person(school.id, 'school-admin', `sam-${tag}@example.test`);
    await t.enroll(courseId, studentA, 'student');
    await t.enroll(courseId, studentB, 'student');
    await t.enroll(courseId, teacher, 'teacher');
    // Nothing but the loopback: any name resolves to nowhere, besides the routes above.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'] });
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await stack?.stop();
  });

  it('a. student A logs in, starts a docker lab and sees it go from pending to ready', async () => {
    pageA = await (await newContext()).newPage();
    await logIn(pageA, studentA, 'a0-login');
    await pageA.getByRole('heading', { name: 'Start a lab' }).waitFor();
    await pageA.getByLabel('Course').selectOption(courseId);
    await pageA.getByLabel('Template').selectOption('docker');
    await shot(pageA, 'a1-student-home');
    await pageA.getByRole('button', { name: 'Start lab' }).click();
    await pageA.waitForURL(/#\/lab\/[0-9a-f-]{36}$/);
    labId = pageA.url().split('/').pop()!;
    await pageA.locator('#lab-progress li[data-status="pending"]').waitFor();
    await shot(pageA, 'a2-lab-pending');
    await pageA.locator('#lab-status[data-status="ready"]').waitFor({ timeout: 180_000 });
    const steps = await pageA.locator('#lab-progress li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-status')));
    expect(steps[0]).toBe('pending');
    expect(steps[steps.length - 1]).toBe('ready');
    await pageA.locator('#time-left').waitFor();
    expect(await pageA.locator('#time-left').innerText()).toMatch(/\d+ (h|min)/);
    await shot(pageA, 'a3-lab-ready');
  });

  it('b. types docker run -p 8080:80 nginx in the terminal, and opens the port in a new tab', async () => {
    await pageA.locator('.term-state[data-state="open"]').waitFor({ timeout: 120_000 });
    await waitForScreen(pageA, /\S/, 60_000); // the shell's prompt
    await pageA.locator('.term[data-node="node1"] .xterm').click();
    await pageA.keyboard.type('docker run -d -p 8080:80 nginx');
    await pageA.keyboard.press('Enter');
    await waitForScreen(pageA, /docker run -d -p 8080:80 nginx/, 30_000);
    await shot(pageA, 'b1-terminal-typed');

    const link = pageA.locator('#ports-list a[data-port="8080"]');
    await link.waitFor({ timeout: 240_000 });
    portUrl = (await link.getAttribute('href'))!;
    expect(portUrl).toBe(`/labs/${labId}/ports/8080/`);
    await shot(pageA, 'b2-port-listed');
    // Nothing on the page is a stray value (a null appended to the DOM shows as the word).
    expect(await pageA.locator('body').innerText()).not.toMatch(/^(null|undefined)$/m);

    // The ports list is redrawn as it polls: a click that landed on the old link opens nothing.
    const tab = await eventually(
      async () => (await Promise.all([pageA.context().waitForEvent('page', { timeout: 10_000 }), link.click()]))[0],
      { timeoutMs: 60_000, what: 'the port link to open a new tab' },
    );
    await tab.waitForLoadState();
    // nginx may need a moment after its port is published: reload until it answers.
    await eventually(
      async () => {
        if (!/Welcome to nginx/.test(await tab.content())) await tab.reload();
        expect(await tab.content()).toMatch(/Welcome to nginx/);
      },
      { timeoutMs: 60_000, intervalMs: 1000, what: 'nginx to answer in the new tab' },
    );
    expect(tab.url()).toBe(`${origin}${portUrl}`);
    await shot(tab, 'b3-nginx-in-new-tab');
    await tab.close();
  });

  it("c. student B can open neither A's terminal nor A's port (404)", async () => {
    const pageB = await (await newContext()).newPage();
    await logIn(pageB, studentB);
    const labAnswer = pageB.waitForResponse((r) => r.url() === `${origin}/api/v1/labs/${labId}` && r.request().method() === 'GET');
    await pageB.goto(`${origin}/#/lab/${labId}`);
    expect((await labAnswer).status()).toBe(404);
    await pageB.locator('#lab-status[data-status="not-found"]').waitFor();
    await shot(pageB, 'c1-student-b-lab-not-found');

    // The ticket for a terminal, asked for through the page's own API module, with B's session.
    const ticket = await pageB.evaluate(`(async () => {
      const { api } = await import('/api.js');
      try { await api('POST', '/labs/${labId}/terminal', { json: { node: 'node1' } }); return 200; } catch (e) { return e.status; }
    })()`);
    expect(ticket).toBe(404);

    const port = await pageB.goto(`${origin}${portUrl ?? `/labs/${labId}/ports/8080/`}`);
    expect(port?.status()).toBe(404);
    expect(await pageB.content()).not.toMatch(/Welcome to nginx/);
    await shot(pageB, 'c2-student-b-port-404');
  });

  it("d. the teacher sees A's lab in the course grid and watches its terminal read-only", async () => {
    const pageT = await (await newContext()).newPage();
    const sent: string[] = [];
    pageT.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
    await logIn(pageT, teacher);
    await pageT.waitForURL(/#\/teach$/);
    const line = pageT.locator(`section[data-course="${courseId}"] tr[data-student="${studentA.id}"] .lab-line[data-lab="${labId}"][data-status="ready"]`);
    await line.waitFor();
    expect(await pageT.locator(`section[data-course="${courseId}"] tr[data-student="${studentB.id}"]`).innerText()).toMatch(/—/);
    await shot(pageT, 'd1-teacher-grid');

    const ticket = pageT.waitForRequest((r) => r.url() === `${origin}/api/v1/labs/${labId}/terminal` && r.method() === 'POST');
    await line.getByRole('link', { name: /Watch terminal/ }).click();
    await pageT.waitForURL(new RegExp(`#/watch/${labId}$`));
    expect((await ticket).postDataJSON()).toEqual({ node: 'node1', readOnly: true });
    await pageT.locator('.term-state[data-state="open"]').waitFor({ timeout: 120_000 });
    await waitForScreen(pageT, /docker run -d -p 8080:80 nginx/, 60_000);
    // Keys typed by the watcher are not sent.
    await pageT.locator('.term[data-node="node1"] .xterm').click();
    await pageT.keyboard.type('echo from-the-teacher');
    await consistently(() => expect(sent.filter((f) => f.includes('"input"'))).toEqual([]), { forMs: 500 });
    await shot(pageT, 'd2-teacher-watching');
  });

  it('e. student A uploads a file into /root and downloads it back', async () => {
    await pageA.locator('#upload-file').setInputFiles({ name: 'hello.txt', mimeType: 'text/plain', buffer: Buffer.from('hello from the browser\n') });
    await pageA.getByRole('button', { name: 'Upload', exact: true }).click();
    await pageA.locator('.notice.ok', { hasText: 'Saved as /root/hello.txt' }).waitFor();
    expect((await studentA.client.sh(labId, 'cat /root/hello.txt')).stdout).toBe('hello from the browser\n');

    await pageA.getByLabel(/Download a file/).fill('/root/hello.txt');
    const [download] = await Promise.all([pageA.waitForEvent('download'), pageA.getByRole('button', { name: 'Download', exact: true }).click()]);
    expect(download.suggestedFilename()).toBe('hello.txt');
    const chunks: Buffer[] = [];
    for await (const chunk of (await download.createReadStream())!) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello from the browser\n');
    await shot(pageA, 'e1-files');
  });

  it('f. after a dropped connection the terminal reconnects, to the same shell', async () => {
    const term = pageA.locator('.term[data-node="node1"] .xterm');
    await term.click();
    await pageA.keyboard.type('export MARK=kept-$((6*7))');
    await pageA.keyboard.press('Enter');
    const tickets: string[] = [];
    pageA.on('request', (r) => r.url().endsWith(`/labs/${labId}/terminal`) && tickets.push(r.url()));
    const current = sockets.filter((s) => s.context === pageA.context() && s.url.includes(`/labs/${labId}/terminal/ws`)).pop()!;
    await current.route.close({ code: 4000, reason: 'cut by the test' }); // the page sees the connection drop
    await pageA.locator('.term-state[data-state="reconnecting"]').waitFor();
    await pageA.locator('.term-state[data-state="open"]').waitFor({ timeout: 60_000 });
    expect(tickets).toHaveLength(1);
    await term.click();
    await pageA.keyboard.type('echo "[$MARK]"');
    await pageA.keyboard.press('Enter');
    await waitForScreen(pageA, /^\[kept-42\]/m, 30_000);
    await shot(pageA, 'f1-reconnected');
  });

  it('g. a second lab is refused with the quota message; a refreshed session keeps working', async () => {
    await pageA.goto(`${origin}/#/labs`);
    await pageA.locator(`a[href="#/lab/${labId}"]`).waitFor();
    await pageA.getByLabel('Course').selectOption(courseId);
    await pageA.getByRole('button', { name: 'Start lab' }).click();
    const refusal = pageA.locator('form .notice.error');
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(/already have 1 running lab.*limit 1/i);
    await shot(pageA, 'g1-quota-refused');

    const tokens = () => pageA.evaluate(`sessionStorage.getItem('labfleet.session')`);
    const before = await tokens();
    await pageA.evaluate(`import('/api.js').then((m) => m.refresh())`);
    expect(await tokens()).not.toBe(before);
    const again = await pageA.context().newPage();
    expect((await again.goto(`${origin}${portUrl}`))?.status()).toBe(200);
    await again.close();
  });

  it('h. student A stops the lab from the page', async () => {
    await pageA.goto(`${origin}/#/lab/${labId}`);
    await pageA.getByRole('button', { name: 'Stop lab' }).click();
    await pageA.getByRole('button', { name: 'Yes, stop it' }).click();
    await pageA.locator('#lab-status[data-status="stopping"], #lab-status[data-status="stopped"]').waitFor();
    expect(await pageA.locator('#lab-work').isHidden()).toBe(true);
    await pageA.locator('#lab-status[data-status="stopped"]').waitFor({ timeout: 120_000 });
    await shot(pageA, 'h1-lab-stopped');
  });

  it('i. a school admin sees the school, its caps per lab and the templates', async () => {
    // The platform's own memory cap: it narrows nothing the later steps ask for.
    expect((await stack.client.patch(`/api/v1/schools/${schoolId}/caps`, { memoryMb: 8192 })).status).toBe(200);
    const page = await (await newContext()).newPage();
    await logIn(page, schoolAdmin);
    await page.waitForURL(/#\/admin$/);
    const [schools, templates, pools] = ['Schools', 'Templates', 'Capacity and warm pools'].map((name) => page.getByRole('region', { name }));
    await schools.getByRole('cell', { name: schoolSlug, exact: true }).waitFor();
    // Their own school only (the second column is the short name), every seeded template, and the capacity.
    expect(await schools.locator('tbody tr td:nth-child(2)').allInnerTexts()).toEqual([schoolSlug]);
    expect(await schools.locator('tbody tr td:nth-child(5)').allInnerTexts()).toEqual(['8192 MB']);
    await templates.getByRole('cell', { name: 'docker', exact: true }).waitFor();
    expect(await templates.locator('tbody tr td:first-child').allInnerTexts()).toEqual(expect.arrayContaining(['docker', 'swarm-3', 'swarm-5']));
    await pools.locator('table').waitFor();
    expect(await pools.locator('dd').first().innerText()).toMatch(/^\d+(\.\d+)? CPU, \d+ MB$/);
    expect(await pools.locator('tbody tr td:first-child').allInnerTexts()).toEqual(expect.arrayContaining(['docker']));
    await shot(page, 'i1-school-admin');
  });

  it('j. a lab about to end warns at 10 and at 2 minutes, with an Extend button that moves the real expiry and lifts the warning', async () => {
    // Short lives asked for honestly (ttlSeconds, as any student may): the labs start inside their last 10 and 2 minutes.
    const [created, createdB] = await Promise.all([
      studentA.client.post('/api/v1/labs', { template: 'docker', course: courseId, ttlSeconds: 100 }),
      studentB.client.post('/api/v1/labs', { template: 'docker', course: courseId, ttlSeconds: 590 }),
    ]);
    expect([created.status, createdB.status]).toEqual([202, 202]);
    const shortLab: string = created.body.id;
    try {
      // Pages load once both labs are made: Chromium drops requests in flight when the engine adds a network.
      await Promise.all([studentA.client.waitForLab(shortLab, [LabStatus.Ready], 90_000), studentB.client.waitForLab(createdB.body.id, [LabStatus.Ready], 90_000)]);
      const pageB = await (await newContext()).newPage();
      await logIn(pageB, studentB);
      await pageB.goto(`${origin}/#/lab/${createdB.body.id}`);
      await pageB.locator('#lab-status[data-status="ready"]').waitFor();
      const tenMinutes = pageB.locator('#time-warning');
      await tenMinutes.waitFor();
      expect(await tenMinutes.getAttribute('data-stage')).toBe('10');
      expect(secondsShown(await tenMinutes.innerText())).toBeLessThanOrEqual(590);
      await shot(pageB, 'j0-ten-minute-warning');

      await pageA.goto(`${origin}/#/lab/${shortLab}`);
      await pageA.locator('#lab-status[data-status="ready"]').waitFor();
      const warning = pageA.locator('#time-warning');
      await warning.waitFor();
      expect(await warning.getAttribute('data-stage')).toBe('2');
      expect(secondsShown(await warning.innerText())).toBeLessThanOrEqual(100);
      await shot(pageA, 'j1-expiry-warning');
      const before = (await studentA.client.get(`/api/v1/labs/${shortLab}`)).body.expiresAt;
      await warning.getByRole('button', { name: 'Extend 30 min' }).click();
      await warning.waitFor({ state: 'hidden' });
      const after = (await studentA.client.get(`/api/v1/labs/${shortLab}`)).body;
      expect(new Date(after.expiresAt).getTime() - new Date(before).getTime()).toBe(1800_000);
      expect(after.secondsLeft).toBeGreaterThan(1800);
      expect(await pageA.locator('#time-left').innerText()).toMatch(/^3\d min/);
      await shot(pageA, 'j2-extended');
    } finally {
      await studentA.client.delete(`/api/v1/labs/${shortLab}`);
      await studentB.client.delete(`/api/v1/labs/${createdB.body.id}`);
    }
  });

  it('loaded nothing from outside the test API, and raised no script error', () => {
    expect(blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
