import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { LoggedProcess, REPO_ROOT } from './logged-process';

const PROVIDER_SCRIPT = join(REPO_ROOT, 'libs/testing/fixtures/oidc-test-provider.mjs');

/** Someone who can sign in at the test provider; the login form takes `sub` as the user name. */
export interface OidcTestAccount {
  readonly sub: string;
  readonly password: string;
  readonly email?: string;
  readonly email_verified?: boolean;
  readonly name?: string;
}

export interface OidcTestProviderOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly accounts: readonly OidcTestAccount[];
}

let started = 0;

/**
 * A real OpenID provider (the `oidc-provider` package) in a child process on 127.0.0.1, with one
 * confidential client (code grant, PKCE required) and a fixed list of accounts. Its own login
 * and consent pages are plain HTML forms that {@link oidcLogin} fills in. Output goes to
 * test-artifacts/oidc-provider-<n>.log.
 */
export class OidcTestProvider extends LoggedProcess {
  /** The issuer URL, e.g. `http://127.0.0.1:41234` (set once ready). */
  issuer!: string;

  static async start(options: OidcTestProviderOptions, timeoutMs = 30_000): Promise<OidcTestProvider> {
    const client = { client_id: options.clientId, client_secret: options.clientSecret, redirect_uris: [options.redirectUri] };
    const child = spawn(process.execPath, [PROVIDER_SCRIPT], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, OIDC_TEST_CLIENT: JSON.stringify(client), OIDC_TEST_ACCOUNTS: JSON.stringify(options.accounts) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const provider = new OidcTestProvider(`oidc-provider-${process.pid}-${++started}`, child);
    try {
      provider.issuer = await provider.waitForReady(timeoutMs);
    } catch (e) {
      await provider.stop();
      throw e;
    }
    return provider;
  }

  /** Adds an account or replaces the one with the same `sub` (e.g. to change its email). */
  setAccount(account: OidcTestAccount): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the OpenID provider did not confirm the account change')), 5000);
      const onMessage = (m: any) => {
        if (m?.type === 'account-set' && m.sub === account.sub) {
          clearTimeout(timer);
          this.child.off('message', onMessage);
          resolve();
        }
      };
      this.child.on('message', onMessage);
      this.child.send({ type: 'set-account', account });
    });
  }

  override stop(): Promise<void> {
    return super.stop('SIGTERM', 5000);
  }

  private async waitForReady(timeoutMs: number): Promise<string> {
    const ready = (await this.waitForLog(/OIDC_TEST_PROVIDER_READY (\S+)/, timeoutMs)) as RegExpExecArray;
    return ready[1];
  }
}

export interface BrowserResponse {
  readonly url: string;
  readonly status: number;
  /** The Location header, resolved against the request URL when relative; null if none. */
  readonly location: string | null;
  /** The Location header exactly as sent. */
  readonly rawLocation: string | null;
  readonly headers: Headers;
  readonly body: string;
}

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly host: string;
  readonly path: string;
  readonly expires: number | null;
}

/**
 * Just enough of a browser for redirect-based logins: `fetch` without following redirects, and
 * a cookie jar honouring Path, Max-Age and Expires. It refuses every origin it was not given, so
 * a test can only ever talk to the loopback servers it started.
 */
export class Browser {
  private readonly cookies = new Map<string, StoredCookie>();
  private readonly origins: Set<string>;
  readonly visited: string[] = [];

  constructor(allowedOrigins: string[]) {
    this.origins = new Set(allowedOrigins.map((o) => new URL(o).origin));
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<BrowserResponse> {
    const target = new URL(url);
    if (!this.origins.has(target.origin)) throw new Error(`the test browser refuses to contact ${target.origin} (${url})`);
    const method = init.method?.toUpperCase() ?? 'GET';
    const headers: Record<string, string> = { accept: 'text/html,application/json' };
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    this.visited.push(`${method} ${url}`);
    const res = await fetch(target, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
    for (const line of res.headers.getSetCookie()) this.store(target, line);
    const rawLocation = res.headers.get('location');
    return {
      url,
      status: res.status,
      location: rawLocation === null ? null : new URL(rawLocation, target).toString(),
      rawLocation,
      headers: res.headers,
      body: await res.text(),
    };
  }

  private cookieHeader(url: URL): string {
    const now = Date.now();
    const matching = [...this.cookies.values()].filter(
      (c) =>
        c.host === url.hostname &&
        (c.expires === null || c.expires > now) &&
        (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)),
    );
    // Longer paths first, as browsers send them.
    return matching
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, line: string): void {
    const [pair, ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    let path = url.pathname.lastIndexOf('/') > 0 ? url.pathname.slice(0, url.pathname.lastIndexOf('/')) : '/';
    let expires: number | null = null;
    for (const attribute of attributes) {
      const [key, ...rest] = attribute.split('=');
      const v = rest.join('=').trim();
      switch (key.trim().toLowerCase()) {
        case 'path':
          if (v.startsWith('/')) path = v;
          break;
        case 'max-age':
          if (/^-?\d+$/.test(v)) expires = Date.now() + Number(v) * 1000;
          break;
        case 'expires':
          if (expires === null && !Number.isNaN(Date.parse(v))) expires = Date.parse(v);
          break;
      }
    }
    const key = `${url.hostname}|${path}|${name}`;
    if (expires !== null && expires <= Date.now()) this.cookies.delete(key);
    else this.cookies.set(key, { name, value, host: url.hostname, path, expires });
  }
}

export interface HtmlForm {
  readonly action: string;
  readonly method: string;
  readonly fields: Record<string, string>;
}

const decodeEntities = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (e[0] !== '#') return named[e.toLowerCase()];
    return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });

function attributesOf(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) out[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  return out;
}

/** The forms of an HTML page, with their inputs' names and values and absolute actions. */
export function htmlForms(html: string, pageUrl: string): HtmlForm[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map(([, formTag, inner]) => {
    const form = attributesOf(formTag);
    const fields: Record<string, string> = {};
    for (const [, inputTag] of inner.matchAll(/<input\b([^>]*)>/gi)) {
      const input = attributesOf(inputTag);
      if (input.name) fields[input.name] = input.value ?? '';
    }
    return { action: new URL(form.action || pageUrl, pageUrl).toString(), method: (form.method || 'get').toUpperCase(), fields };
  });
}

export interface OidcLoginResult {
  /** Where the provider sent the browser back to: Labfleet's callback with `code` and `state`. */
  readonly callbackUrl: string;
  /** Labfleet's answer to the callback (redirects not followed). */
  readonly response: BrowserResponse;
}

/**
 * Drives a browser through an OpenID Connect login: the app's login URL (must redirect), the
 * provider's pages (every form is submitted, with `login`/`password` filled in), until the
 * provider redirects to `callbackUrl`; that request is made and its answer returned.
 */
export async function oidcLogin(browser: Browser, loginUrl: string, credentials: { login: string; password: string }, callbackUrl: string): Promise<OidcLoginResult> {
  const callback = new URL(callbackUrl);
  const isCallback = (url: string) => {
    const u = new URL(url);
    return u.origin === callback.origin && u.pathname === callback.pathname;
  };
  const trail = () => `\nvisited:\n  ${browser.visited.join('\n  ')}`;
  const start = await browser.request(loginUrl);
  if (start.status !== 302 || !start.location) throw new Error(`login start answered ${start.status}, not a redirect: ${start.body.slice(0, 500)}`);
  let next: { url: string; method?: string; form?: Record<string, string> } = { url: start.location };
  for (let hop = 0; hop < 20; hop++) {
    if (isCallback(next.url)) return { callbackUrl: next.url, response: await browser.request(next.url) };
    const res = await browser.request(next.url, next);
    if (res.status >= 300 && res.status < 400 && res.location) {
      next = { url: res.location };
      continue;
    }
    const [form] = res.status === 200 ? htmlForms(res.body, res.url) : [];
    if (!form) throw new Error(`unexpected ${res.status} from ${res.url}: ${res.body.slice(0, 800)}${trail()}`);
    const fields = { ...form.fields };
    if ('login' in fields) fields.login = credentials.login;
    if ('password' in fields) fields.password = credentials.password;
    next = form.method === 'POST' ? { url: form.action, method: 'POST', form: fields } : { url: `${form.action.split('?')[0]}?${new URLSearchParams(fields)}` };
  }
  throw new Error(`no redirect to ${callbackUrl} after 20 steps${trail()}`);
}
