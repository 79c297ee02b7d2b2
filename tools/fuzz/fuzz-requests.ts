/**
 * Whole requests for one operation as one caller: path parameters (own and the other school's ids,
 * unknown, malformed, overlong, traversal), query parameters, a body (body-cases.ts) and headers
 * (the caller's token, none, odd or forged ones, duplicates, huge ones, odd framing).
 */
import fc from 'fast-check';
import { BodyCase, bodyCases } from './body-cases';
import type { FuzzWorld } from './fuzz-world';
import { hostileString, traversals } from './hostile-values';
import type { Operation, Parameter } from './openapi-operations';
import { idKindOf, idOf, isoDate, ValueContext, valueOf } from './schema-values';

export type Header = readonly [name: string, value: string];

export interface FuzzRequest {
  readonly method: string;
  /** Path and query, percent-encoded as sent. */
  readonly target: string;
  readonly headers: readonly Header[];
  readonly body: Buffer | null;
  /** What this case varies, for the report. */
  readonly variant: string;
}

/** A part of a URL, and whether it is already written as sent (else it is percent-encoded). */
interface UrlPart {
  readonly text: string;
  readonly raw?: boolean;
  readonly variant: string;
}

/** Percent-encodes `text`; a lone surrogate becomes its three WTF-8 bytes (not UTF-8, which is the point). */
function percentEncode(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[^]/gu, (ch) => {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c >= 0xd800 && c <= 0xdfff) return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    return encodeURIComponent(ch);
  });
}

const encode = (p: UrlPart) => (p.raw && /^[\x21-\x7e]*$/.test(p.text) ? p.text : percentEncode(p.text));

/** Segments that are no id: overlong, traversal (plain, encoded, double-encoded), broken escapes. */
function badSegment(world: FuzzWorld): fc.Arbitrary<UrlPart> {
  return fc.oneof(
    hostileString.map((text) => ({ text, variant: 'hostile' })),
    fc.constantFrom(100, 1_000, 10_000).map((n) => ({ text: 'a'.repeat(n), variant: `overlong-${n}` })),
    fc.constantFrom(...world.own.lab).map((id) => ({ text: id + 'a'.repeat(10_000 - id.length), variant: 'overlong-id' })),
    fc.constantFrom(...traversals(world.hostMarker.path)).map((text) => ({ text, variant: 'traversal' })),
    fc.constantFrom('..', '.', '%2e%2e', '..%2f..%2fetc', '%', '%zz', '%ff', '%c0%af', '%00', '%2F', ';', '%3Bx').map((text) => ({ text, raw: true, variant: 'raw' })),
  );
}

function pathPart(param: Parameter, op: Operation, ctx: ValueContext, hostile: boolean): fc.Arbitrary<UrlPart> {
  const kind = idKindOf(param.name, op.path);
  const good = kind ? idOf(kind, ctx).map((text) => ({ text, variant: 'id' })) : valueOf(param.schema, ctx, param.name).map((v) => ({ text: String(v), variant: 'value' }));
  return hostile ? fc.oneof({ weight: 1, arbitrary: good }, { weight: 2, arbitrary: badSegment(ctx.world) }) : good;
}

/** Numbers as query text, at and past every range (Postgres's integer and bigint ones too), and not quite numbers. */
const NUMERIC_TEXTS = ['-1', '0', '1.5', '2147483648', '9223372036854775808', '99999999999999999999', '1e20', '1e400', '-1e400', 'NaN', 'Infinity', '0x10', ' 1', '1 ', '', 'true'];

/** A query value for `param`: from its schema (hostile: or not); the lab files' `path` gets file paths, traversal among them. */
function queryValue(param: Parameter, op: Operation, ctx: ValueContext, hostile: boolean): fc.Arbitrary<UrlPart> {
  const good: fc.Arbitrary<UrlPart> = (() => {
    if (param.name === 'path' && op.path.endsWith('/files')) {
      const plain = fc.constantFrom('/root/secret.txt', '/root', '/etc/hostname', '/root/upload.bin', '/tmp/', '/tmp/unpacked/');
      return (hostile ? fc.constantFrom(...traversals(ctx.world.hostMarker.path)) : plain).map((text) => ({ text, variant: hostile ? 'traversal' : 'path' }));
    }
    if (param.name === 'node') return fc.constant({ text: 'node1', variant: 'node' });
    if (/^(from|to|since)$/.test(param.name)) return isoDate.map((text) => ({ text, variant: 'date' }));
    if (param.name === 'status') return fc.constantFrom('pending,ready', 'ready', 'stopped,failed,expired', 'nonsense', ',,,', 'ready,'.repeat(500)).map((text) => ({ text, variant: 'status' }));
    if (param.name === 'returnTo') return fc.constantFrom('/', '/labs', '//evil.example/', 'https://evil.example/', 'javascript:alert(1)', '/\\evil.example').map((text) => ({ text, variant: 'returnTo' }));
    return valueOf(param.schema, ctx, param.name).map((v) => ({ text: String(v), variant: 'value' }));
  })();
  if (!hostile) return good;
  const numeric = param.schema.type === 'integer' || param.schema.type === 'number';
  return fc.oneof(
    { weight: 2, arbitrary: good },
    { weight: numeric ? 2 : 1, arbitrary: (numeric ? fc.constantFrom(...NUMERIC_TEXTS) : fc.oneof(hostileString, fc.constantFrom(...NUMERIC_TEXTS))).map((text) => ({ text, variant: 'hostile' })) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%ff%fe', '%00', 'a+b', '%2B').map((text) => ({ text, raw: true, variant: 'raw' })) },
  );
}

/**
 * The query string: documented parameters (each present or not); hostile, also hostile values,
 * duplicated or bracketed parameters and unknown ones.
 */
function queryString(op: Operation, ctx: ValueContext, hostile: boolean): fc.Arbitrary<{ text: string; variant: string }> {
  const params = op.queryParams.map((p) =>
    fc.oneof(
      { weight: p.required ? 0 : 1, arbitrary: fc.constant<string[]>([]) },
      { weight: 4, arbitrary: queryValue(p, op, ctx, hostile).map((v) => [`${p.name}=${encode(v)}`]) },
      { weight: hostile ? 1 : 0, arbitrary: fc.tuple(queryValue(p, op, ctx, true), queryValue(p, op, ctx, true)).map(([a, b]) => [`${p.name}=${encode(a)}`, `${p.name}=${encode(b)}`]) },
      { weight: hostile ? 1 : 0, arbitrary: queryValue(p, op, ctx, true).map((v) => [`${p.name}[]=${encode(v)}`, `${p.name}[a][b]=1`]) },
    ),
  );
  const extra = fc.oneof({ weight: hostile ? 3 : 1, arbitrary: fc.constant<string[]>([]) }, { weight: hostile ? 1 : 0, arbitrary: fc.constantFrom(['zzz=1'], ['__proto__[x]=1'], [`q=${'a'.repeat(8_000)}`], ['&&&='], ['='.repeat(100)]) });
  return fc.tuple(fc.tuple(...params), extra).map(([parts, more]) => {
    const all = [...parts.flat(), ...more];
    return { text: all.length ? `?${all.join('&')}` : '', variant: more.length ? 'query:extra' : '' };
  });
}

/** The caller's own token, with its claims pointing at school B's admin: unsigned, and with the caller's signature. */
function forgeries(token: string, world: FuzzWorld): string[] {
  const [header, payload, signature] = token.split('.');
  if (!payload || !signature) return [];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  const victim = world.other.user[0];
  const forged = Buffer.from(JSON.stringify(Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, typeof v === 'string' && /^[0-9a-f-]{36}$/.test(v) ? victim : v])))).toString('base64url');
  const none = Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url');
  return [`${none}.${forged}.`, `${header}.${forged}.${signature}`, `${header}.${payload}.`];
}

function authorization(ctx: ValueContext, hostile: boolean): fc.Arbitrary<{ headers: readonly Header[]; variant: string }> {
  const token = ctx.caller.token;
  const auth = (value: string): Header => ['Authorization', value];
  const odd = ['Bearer', 'Bearer ', 'Basic dXNlcjpwYXNzd29yZA==', `Bearer ${'a'.repeat(10_000)}`, 'Bearer \xff\xfe', 'Bearer null', 'Bearer undefined', ...(token ? [`bearer ${token}`, `Bearer ${token}x`, `Bearer  ${token}`, `Bearer ${token} extra`, token, `Token ${token}`, ...forgeries(token, ctx.world).map((f) => `Bearer ${f}`)] : [])];
  const normal = fc.constant({ headers: token ? [auth(`Bearer ${token}`)] : [], variant: '' });
  if (!hostile) return normal;
  return fc.oneof(
    { weight: 3, arbitrary: normal },
    { weight: 1, arbitrary: fc.constant({ headers: [], variant: 'auth:none' }) },
    { weight: 3, arbitrary: fc.constantFrom(...odd).map((v) => ({ headers: [auth(v)], variant: 'auth:odd' })) },
    { weight: 1, arbitrary: fc.constant({ headers: token ? [auth(`Bearer ${token}`), auth(`Bearer ${ctx.world.otherToken}`)] : [auth('Bearer x'), auth('Bearer y')], variant: 'auth:duplicated' }) },
  );
}

/** Headers beyond Authorization: huge, many, duplicated, conflicting framing, odd encodings. */
const extraHeaders: fc.Arbitrary<{ headers: readonly Header[]; variant: string; framing?: 'conflicting-length' | 'chunked-and-length' }> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ headers: [], variant: '' }) },
  { weight: 1, arbitrary: fc.constantFrom(8_000, 15_000, 20_000, 64_000).map((n) => ({ headers: [['X-Fuzz', 'h'.repeat(n)] as Header], variant: `header:huge-${n}` })) },
  { weight: 1, arbitrary: fc.constant({ headers: Array.from({ length: 300 }, (_, i): Header => [`X-Fuzz-${i}`, String(i)]), variant: 'header:many' }) },
  { weight: 1, arbitrary: fc.constantFrom<Header[]>([['Accept', 'text/csv']], [['Accept', 'application/json;q=0, text/csv;q=x']], [['Accept', '\xff']], [['Accept-Charset', 'utf-16']]).map((headers) => ({ headers, variant: 'header:accept' })) },
  { weight: 1, arbitrary: fc.constantFrom<Header[]>([['Content-Encoding', 'gzip']], [['Content-Encoding', 'br']], [['Content-Encoding', 'deflate, identity']]).map((headers) => ({ headers, variant: 'header:content-encoding' })) },
  { weight: 1, arbitrary: fc.constantFrom<Header[]>([['X-Forwarded-For', '1.2.3.4, ::1, garbage']], [['X-Forwarded-Proto', 'gopher']], [['Cookie', `labfleet_session=${'x'.repeat(3000)}; a=%`]]).map((headers) => ({ headers, variant: 'header:proxy' })) },
  { weight: 1, arbitrary: fc.constantFrom('conflicting-length' as const, 'chunked-and-length' as const).map((framing) => ({ headers: [], variant: `framing:${framing}`, framing })) },
);

/** Which part of a request a case makes hostile; the others stay as a client that means well sends them. */
type Focus = 'none' | 'path' | 'query' | 'body' | 'headers';
const FOCUS: fc.Arbitrary<Focus> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Focus>('none') },
  { weight: 2, arbitrary: fc.constant<Focus>('path') },
  { weight: 2, arbitrary: fc.constant<Focus>('query') },
  { weight: 3, arbitrary: fc.constant<Focus>('body') },
  { weight: 2, arbitrary: fc.constant<Focus>('headers') },
);

/**
 * Requests for `op` as `ctx.caller`, fast-check generating them from the seed the caller gives
 * `fc.sample`. Each case makes one part hostile (its focus) and sends the rest well-formed, so
 * hostile values get past authentication and validation of the other parts to the code behind.
 */
export function requestsFor(op: Operation, ctx: ValueContext): fc.Arbitrary<FuzzRequest> {
  return FOCUS.chain((focus) => requestWith(op, ctx, focus));
}

function requestWith(op: Operation, ctx: ValueContext, focus: Focus): fc.Arbitrary<FuzzRequest> {
  const host = new URL(ctx.world.baseUrl).host;
  const paths = fc.tuple(...op.pathParams.map((p) => pathPart(p, op, ctx, focus === 'path').map((part) => [p.name, part] as const)));
  const extra = focus === 'headers' ? extraHeaders : fc.constant({ headers: [] as readonly Header[], variant: '', framing: undefined });
  return fc.tuple(paths, queryString(op, ctx, focus === 'query'), bodyCases(op, ctx, focus === 'body'), authorization(ctx, focus === 'headers'), extra).map(([params, query, documented, auth, extra]) => {
    // Odd framing needs a Content-Length to conflict with, even where the operation takes no body.
    const body = documented ?? (extra.framing ? { variant: '', contentType: null, bytes: Buffer.alloc(0) } : null);
    let path = op.path;
    for (const [name, part] of params) path = path.replace(`{${name}}`, encode(part));
    const headers: Header[] = [['Host', host], ...auth.headers, ...extra.headers, ...bodyHeaders(body, extra.framing)];
    const variant = [...params.filter(([, p]) => p.variant !== 'id' && p.variant !== 'value').map(([n, p]) => `${n}:${p.variant}`), query.variant, body?.variant ?? '', auth.variant, extra.variant].filter(Boolean).join(' ');
    return { method: op.method, target: `${path}${query.text}`, headers, body: body?.bytes ?? null, variant: `${focus}: ${variant || 'plain'}` };
  });
}

function bodyHeaders(body: BodyCase | null, framing?: 'conflicting-length' | 'chunked-and-length'): Header[] {
  if (!body) return [];
  const length = String(body.bytes.length);
  const type: Header[] = body.contentType === null ? [] : [['Content-Type', body.contentType]];
  if (framing === 'conflicting-length') return [...type, ['Content-Length', length], ['Content-Length', String(body.bytes.length + 1)]];
  if (framing === 'chunked-and-length') return [...type, ['Content-Length', length], ['Transfer-Encoding', 'chunked']];
  return [...type, ['Content-Length', length]];
}
