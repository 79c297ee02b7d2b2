/**
 * Request bodies: one the operation's schema allows, then (mostly) mutated — wrong types, missing
 * and extra fields, huge strings and arrays, deep nesting, numbers out of range, unicode edge
 * cases, NUL bytes, malformed JSON, bytes that are not UTF-8 — or sent under a wrong content type.
 */
import fc from 'fast-check';
import type { Operation, Schema } from './openapi-operations';
import { hostileNumber, hostileString, hugeArray, hugeString, INVALID_UTF8, nestedText, RAW_NUMBER_TEXTS, wrongType } from './hostile-values';
import { ValueContext, valueOf } from './schema-values';

export interface BodyCase {
  /** What was done to the body, for the report. */
  readonly variant: string;
  readonly contentType: string | null;
  readonly bytes: Buffer;
}

const JSON_TYPE = 'application/json';
/** Stands for a value whose JSON text is put in afterwards (deep nesting, 1e400: JSON.stringify cannot write them). */
const RAW = '\u0001raw\u0001';

const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'text/csv',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/json; charset=utf-16',
  'application/json; charset=bogus-8',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/json, text/plain',
  '',
  null,
];

const MALFORMED_JSON = ['{', '{"a":', '[', 'nul', '{"a":1}{"b":2}', '\ufeff{}', '{"a":1,"a":2}', '', ' ', '"just a string"', 'null', '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}}}', "{'a':1}", '{"a":01}', '{"a":"\\ud800"}', '{"a":"\\u0000"}'];

const json = (variant: string, value: unknown, raw?: string): BodyCase => ({
  variant,
  contentType: JSON_TYPE,
  bytes: Buffer.from(raw === undefined ? JSON.stringify(value) ?? '' : JSON.stringify(value).replace(JSON.stringify(RAW), raw)),
});

/**
 * An issuer URL that validation accepted would be fetched (OpenID discovery) when someone logs in:
 * the fuzzer never hands the API one, so no request leaves this machine.
 */
function keepOffTheNetwork(value: unknown): unknown {
  if (value && typeof value === 'object' && typeof (value as { oidcIssuer?: unknown }).oidcIssuer === 'string') {
    return { ...value, oidcIssuer: `not a url ${(value as { oidcIssuer: string }).oidcIssuer}` };
  }
  return value;
}

/** `body` with its field `key` (an existing one, or a new one) set to `value`. */
const withField = (body: unknown, key: string, value: unknown): unknown => (body && typeof body === 'object' && !Array.isArray(body) ? { ...body, [key]: value } : { [key]: value });

function jsonCases(schema: Schema, ctx: ValueContext): fc.Arbitrary<BodyCase> {
  const valid = valueOf(schema, ctx).map(keepOffTheNetwork);
  const keys = Object.keys(schema.properties ?? {});
  const field = keys.length ? fc.constantFrom(...keys) : fc.constant('field');
  const set = (variant: string, value: fc.Arbitrary<unknown>, raw?: fc.Arbitrary<string>) =>
    fc.tuple(valid, field, value, raw ?? fc.constant(undefined)).map(([body, key, v, r]) => json(`${variant}:${key}`, keepOffTheNetwork(withField(body, key, v)), r));
  return fc.oneof(
    { weight: 1, arbitrary: valid.map((body) => json('valid', body)) },
    { weight: 3, arbitrary: set('wrong-type', wrongType) },
    { weight: 2, arbitrary: fc.tuple(valid, field).map(([body, key]) => json(`missing:${key}`, body && typeof body === 'object' ? Object.fromEntries(Object.entries(body).filter(([k]) => k !== key)) : body)) },
    { weight: 2, arbitrary: fc.tuple(valid, fc.constantFrom('extra', 'isAdmin', 'role', 'schoolId', 'id', 'ownerId', '__proto__'), wrongType).map(([body, key, v]) => json(`extra:${key}`, keepOffTheNetwork(withField(body, key, v)))) },
    { weight: 3, arbitrary: set('hostile-string', hostileString) },
    { weight: 1, arbitrary: set('huge-string', hugeString) },
    { weight: 1, arbitrary: set('huge-array', hugeArray) },
    { weight: 1, arbitrary: set('deep', fc.constant(RAW), fc.constantFrom(20, 31, 33, 2_000, 60_000).map((n) => nestedText(n))) },
    { weight: 2, arbitrary: set('out-of-range', hostileNumber) },
    { weight: 1, arbitrary: set('raw-number', fc.constant(RAW), fc.constantFrom(...RAW_NUMBER_TEXTS)) },
    { weight: 1, arbitrary: wrongType.map((v) => json('not-an-object', v)) },
    { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_JSON).map((text) => ({ variant: 'malformed', contentType: JSON_TYPE, bytes: Buffer.from(text) })) },
    { weight: 1, arbitrary: fc.tuple(valid, field, fc.constantFrom(...INVALID_UTF8)).map(([body, key, bad]) => invalidUtf8Json(body, key, bad)) },
    { weight: 2, arbitrary: fc.tuple(valid, fc.constantFrom(...WRONG_CONTENT_TYPES)).map(([body, type]) => ({ variant: `content-type:${type}`, contentType: type, bytes: Buffer.from(JSON.stringify(body) ?? '') })) },
  );
}

/** A JSON body whose field `key` holds bytes that are not UTF-8. */
function invalidUtf8Json(body: unknown, key: string, bad: Buffer): BodyCase {
  const [before, after] = JSON.stringify(withField(body, key, RAW)).split(JSON.stringify(RAW));
  return { variant: `invalid-utf8:${key}`, contentType: JSON_TYPE, bytes: Buffer.concat([Buffer.from(`${before}"x`), bad, Buffer.from(`y"${after}`)]) };
}

const csvField = fc.oneof(fc.emailAddress(), hostileString, fc.string({ maxLength: 30 }), fc.constantFrom('"unterminated', 'a"b', '"a""b"', '=cmd|"/c calc"!A1', 'x'.repeat(10_000)));

const csv = (variant: string, text: string | Buffer, type: string | null = 'text/csv'): BodyCase => ({ variant, contentType: type, bytes: Buffer.isBuffer(text) ? text : Buffer.from(text) });

/** A roster as a teacher writes it: known and new people. */
const validCsv = (ctx: ValueContext) =>
  fc.array(fc.oneof(fc.constantFrom(...ctx.world.emails), fc.emailAddress()), { minLength: 1, maxLength: 10 }).map((emails) => csv('rows', ['email,name', ...emails.map((e, i) => `${e},Person ${i}`)].join('\n')));

function csvCases(ctx: ValueContext): fc.Arbitrary<BodyCase> {
  const rows = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...ctx.world.emails), csvField), csvField), { maxLength: 20 });
  const line = ([a, b]: [string, string]) => `${a},${b}`;
  return fc.oneof(
    { weight: 4, arbitrary: rows.map((r) => csv('rows', ['email,name', ...r.map(line)].join('\n'))) },
    { weight: 1, arbitrary: fc.constantFrom(1_000, 3_000).map((n) => csv(`rows:${n}`, ['email,name', ...Array.from({ length: n }, (_, i) => `fuzz-${i}-${ctx.world.tag}@example.test,Fuzz ${i}`)].join('\n'))) },
    { weight: 1, arbitrary: fc.constant(csv('huge', `email,name\n${'a,b\n'.repeat(300_000)}`)) },
    { weight: 2, arbitrary: fc.constantFrom('', '\ufeffemail,name\n', 'email\n', 'a,b,c,d\n1,2,3,4', 'email,name\r\n"x@y.z","unterminated', '\u0000,\u0000', 'email,name\nx@y.z,' + 'é'.repeat(200)).map((t) => csv('odd', t)) },
    { weight: 1, arbitrary: fc.constantFrom(...INVALID_UTF8).map((bad) => csv('invalid-utf8', Buffer.concat([Buffer.from('email,name\nx@example.test,'), bad, Buffer.from('\n')]))) },
    { weight: 1, arbitrary: fc.constantFrom('application/json', 'text/plain', 'text/csv; charset=utf-16', 'text/csv; charset=bogus', null).map((t) => csv(`content-type:${t}`, 'email,name\nx@example.test,X\n', t)) },
  );
}

function binaryCases(ctx: ValueContext): fc.Arbitrary<BodyCase> {
  const bin = (variant: string, bytes: Uint8Array, type: string | null = 'application/octet-stream'): BodyCase => ({ variant, contentType: type, bytes: Buffer.from(bytes) });
  const fakeTar = fc.uint8Array({ minLength: 600, maxLength: 1024 }).map((b) => {
    const buf = Buffer.from(b);
    buf.write('ustar', 257, 'latin1');
    return buf;
  });
  const fakeZip = fc.uint8Array({ minLength: 10, maxLength: 512 }).map((b) => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(b)]));
  return fc.oneof(
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((b) => bin('bytes', b)) },
    { weight: 2, arbitrary: fakeTar.map((b) => bin('fake-tar', b)) },
    { weight: 2, arbitrary: fakeZip.map((b) => bin('fake-zip', b)) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...ctx.world.escapeArchives), fc.constantFrom('application/x-tar', 'application/octet-stream')).map(([b, type]) => bin('escaping-tar', b, type)) },
    { weight: 1, arbitrary: fc.constantFrom('application/x-tar', 'application/zip', 'application/json', 'text/plain', null).map((t) => bin(`content-type:${t}`, Buffer.from('hello'), t)) },
  );
}

/**
 * A body for `op`: one of its documented kinds, as the schema allows (hostile: mutated); for an
 * operation without one, none (hostile: mostly none, sometimes a stray one).
 */
export function bodyCases(op: Operation, ctx: ValueContext, hostile: boolean): fc.Arbitrary<BodyCase | null> {
  const documented = op.bodies.map(({ contentType, schema }) => {
    if (contentType === 'text/csv') return hostile ? csvCases(ctx) : validCsv(ctx);
    if (contentType === JSON_TYPE) return hostile ? jsonCases(schema, ctx) : valueOf(schema, ctx).map((body) => json('valid', keepOffTheNetwork(body)));
    return hostile ? binaryCases(ctx) : fc.uint8Array({ maxLength: 2048 }).map((b): BodyCase => ({ variant: 'bytes', contentType: 'application/octet-stream', bytes: Buffer.from(b) }));
  });
  if (documented.length) return fc.oneof(...documented);
  if (!hostile) return fc.constant(null);
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: jsonCases({ type: 'object', properties: { a: { type: 'string' } } }, ctx).map((b) => ({ ...b, variant: `unexpected-body:${b.variant}` })) },
  );
}
