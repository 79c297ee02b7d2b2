// Talks to /api/v1: keeps the session (sessionStorage), refreshes it, and turns errors into ApiError.

const KEY = 'labfleet.session';
const listeners = new Set();
let session = read();
let refreshing = null;
let timer = 0;

export class ApiError extends Error {
  constructor(status, body, headers) {
    super(typeof body?.message === 'string' ? body.message : Array.isArray(body?.message) ? body.message.join('; ') : `HTTP ${status}`);
    this.status = status;
    this.body = body ?? {};
    this.retryAfter = Number(headers?.get('retry-after')) || null;
  }
}

function read() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
  } catch {
    return null;
  }
}

export const loggedIn = () => !!session;
export const onSessionChange = (fn) => listeners.add(fn);

function set(next) {
  session = next;
  if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
  else sessionStorage.removeItem(KEY);
  clearTimeout(timer);
  // Refresh a minute before the access token expires.
  if (next) timer = setTimeout(() => refresh().catch(() => {}), Math.max(5000, next.expiresAt - Date.now() - 60_000));
  listeners.forEach((fn) => fn(!!next));
}

// Timers sleep in background tabs: catch up when the tab is shown again.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && session && Date.now() > session.expiresAt - 60_000) refresh().catch(() => {});
});

async function body(res) {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return { message: text };
  }
}

/** Keeps new tokens, then asks for the HttpOnly cookie the port proxy reads. */
async function adopt(accessToken, refreshToken, expiresIn) {
  set({ accessToken, refreshToken, expiresAt: Date.now() + Number(expiresIn) * 1000 });
  try {
    await fetch('/api/v1/auth/session', { method: 'POST', headers: { authorization: `Bearer ${accessToken}` }, credentials: 'same-origin' });
  } catch {
    // the next refresh tries again
  }
}

export async function login(email, password) {
  const res = await fetch('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const data = await body(res);
  if (!res.ok) throw new ApiError(res.status, data, res.headers);
  await adopt(data.accessToken, data.refreshToken, data.expiresIn);
}

/**
 * The school sign-in (OpenID Connect) comes back to /#login_code=…: a one-time code, good for a
 * minute, that a POST turns into the tokens (no token is ever in the URL).
 * @param {string} hash
 */
export async function redeemLoginCode(hash) {
  const code = new URLSearchParams(hash.replace(/^#/, '')).get('login_code');
  history.replaceState(null, '', location.pathname + location.search);
  if (!code) return false;
  const res = await fetch('/api/v1/auth/oidc/redeem', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
  const data = await body(res);
  if (!res.ok) throw new ApiError(res.status, data, res.headers);
  await adopt(data.accessToken, data.refreshToken, data.expiresIn);
  return true;
}

/** One refresh at a time: a refresh token works once, and replaying it ends the session. */
export function refresh() {
  if (!session) return Promise.reject(new ApiError(401, { message: 'not logged in' }));
  const used = session.refreshToken;
  const run = async () => {
    const res = await fetch('/api/v1/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: used }) });
    const data = await body(res);
    if (!res.ok) {
      if (res.status === 400 || res.status === 401) set(null);
      throw new ApiError(res.status, data, res.headers);
    }
    await adopt(data.accessToken, data.refreshToken, data.expiresIn);
  };
  refreshing ??= run().finally(() => (refreshing = null));
  return refreshing;
}

export async function logout() {
  const old = session;
  set(null);
  await fetch('/api/v1/auth/session', { method: 'DELETE', credentials: 'same-origin' }).catch(() => {});
  if (old) await fetch('/api/v1/auth/logout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: old.refreshToken }) }).catch(() => {});
}

/**
 * Calls the API with the bearer token; refreshes once on 401. Returns the parsed JSON (or the
 * Response with `raw`); throws ApiError on any non-2xx.
 * @param {string} method
 * @param {string} path
 * @param {{ json?: unknown, data?: BodyInit, type?: string, raw?: boolean }} [options]
 */
export async function api(method, path, { json, data, type, raw = false } = {}) {
  if (session && Date.now() > session.expiresAt - 5000) await refresh().catch(() => {});
  const send = () => {
    /** @type {Record<string, string>} */
    const headers = {};
    if (session) headers.authorization = `Bearer ${session.accessToken}`;
    if (json !== undefined) headers['content-type'] = 'application/json';
    else if (data !== undefined) headers['content-type'] = type || 'application/octet-stream';
    return fetch(`/api/v1${path}`, { method, headers, body: json !== undefined ? JSON.stringify(json) : data, credentials: 'same-origin' });
  };
  let res = await send();
  if (res.status === 401 && session) {
    try {
      await refresh();
      res = await send();
    } catch {
      // the session is over: the router sends the person to the login page
    }
  }
  if (res.ok && raw) return res;
  const parsed = res.status === 204 ? null : await body(res);
  if (!res.ok) throw new ApiError(res.status, parsed, res.headers);
  return parsed;
}

export const get = (path) => api('GET', path);
export const post = (path, json = {}) => api('POST', path, { json });
export const del = (path) => api('DELETE', path);
