import type { IncomingMessage } from 'node:http';

/** HttpOnly cookie the web page sets, read only by the port proxy (browsers send no header there). */
export const SESSION_COOKIE = 'labfleet_session';

export function sessionToken(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return decodeURIComponent(value.join('='));
  }
  return null;
}

/** The request's credential: its bearer header, else the session cookie. */
export const bearerOf = (req: IncomingMessage): string | undefined =>
  req.headers.authorization ?? (sessionToken(req) ? `Bearer ${sessionToken(req)}` : undefined);

/** Headers to forward to a student's app: never Labfleet's own credentials. */
export function withoutCredentials(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  const { authorization: _auth, cookie, ...rest } = headers;
  const kept = (cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c && !c.startsWith(`${SESSION_COOKIE}=`))
    .join('; ');
  return kept ? { ...rest, cookie: kept } : rest;
}
