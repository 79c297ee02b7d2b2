/**
 * Valid-looking values from an operation's schema: what the document says a field takes, with the
 * world's real ids, emails and template names where a field names one, so cases get past the
 * validators and reach the services.
 */
import fc from 'fast-check';
import type { Caller, FuzzWorld, IdKind } from './fuzz-world';
import type { Schema } from './openapi-operations';

/** What generation knows besides the schema: the world, who calls, whether the request changes things. */
export interface ValueContext {
  readonly world: FuzzWorld;
  readonly caller: Caller;
  /** GET requests may name the callers' accounts; others may not (the callers must stay as they are). */
  readonly readOnly: boolean;
}

/** Which kind of object a field or parameter named `name` (in a path under `path`) refers to. */
export function idKindOf(name: string, path = ''): IdKind | undefined {
  if (name === 'school') return 'slug';
  if (name === 'template') return 'template';
  if (name === 'schoolId') return 'school';
  if (name === 'course' || name === 'courseId') return 'course';
  if (name === 'userId' || name === 'owner' || name === 'actorId') return 'user';
  if (name !== 'id') return undefined;
  const base = /^\/api\/v1\/(\w+)(\/(\w+))?/.exec(path);
  if (base?.[1] === 'me') return 'token';
  return ({ labs: 'lab', schools: 'school', users: 'user', courses: 'course' } as Record<string, IdKind>)[base?.[1] ?? ''];
}

/** A real id of one's own school or of the other school, or one that exists nowhere. */
export function idOf(kind: IdKind, ctx: ValueContext): fc.Arbitrary<string> {
  const own = ctx.world.own[kind].filter((id) => ctx.readOnly || !ctx.world.callerIds.includes(id));
  const other = ctx.world.other[kind];
  const choices: fc.WeightedArbitrary<string>[] = [{ arbitrary: fc.uuid(), weight: 1 }];
  if (own.length) choices.push({ arbitrary: fc.constantFrom(...own), weight: 4 });
  if (other.length) choices.push({ arbitrary: fc.constantFrom(...other), weight: 3 });
  if (own.length && kind !== 'slug' && kind !== 'template') choices.push({ arbitrary: fc.constantFrom(...own).map((id) => id.toUpperCase()), weight: 1 });
  return fc.oneof(...choices);
}

/** ISO dates, plausible and at the edges of what Date and Postgres hold. */
export const isoDate = fc.oneof(
  fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2024-02-30', '2024-02-29T24:00:00Z', '0000-01-01', '9999-12-31T23:59:59Z', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '1970-01-01', '2024-13-01'),
);

const emailOf = (ctx: ValueContext) => fc.oneof(fc.constantFrom(...ctx.world.emails), fc.emailAddress());

/** A value the schema allows (mostly), for the field `name`. */
export function valueOf(schema: Schema, ctx: ValueContext, name = '', depth = 0): fc.Arbitrary<unknown> {
  const value = plainValueOf(schema, ctx, name, depth);
  return schema.nullable ? fc.option(value, { nil: null, freq: 5 }) : value;
}

function plainValueOf(schema: Schema, ctx: ValueContext, name: string, depth: number): fc.Arbitrary<unknown> {
  const withExample = (arb: fc.Arbitrary<unknown>) => (schema.example !== undefined ? fc.oneof(fc.constant(schema.example), arb) : arb);
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  const kind = idKindOf(name);
  if (kind && (schema.type === 'string' || schema.format === 'uuid')) return idOf(kind, ctx);
  if (schema.format === 'uuid') return fc.uuid();
  if (/email/i.test(name)) return emailOf(ctx);
  if (schema.type === 'integer') return withExample(fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1_000_000 }));
  if (schema.type === 'number') return withExample(fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true }));
  if (schema.type === 'boolean') return fc.boolean();
  if (schema.type === 'array') return withExample(fc.array(valueOf(schema.items ?? {}, ctx, name, depth + 1), { maxLength: depth > 2 ? 1 : 4 }));
  if (schema.type === 'string') {
    if (schema.format === 'date-time' || /^(from|to|since)$/.test(name)) return isoDate;
    const unit = fc.oneof(fc.constant('a'), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
    return withExample(fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 60), unit }));
  }
  if (schema.properties && depth < 4) {
    const keys = Object.keys(schema.properties);
    const record = fc.record(Object.fromEntries(keys.map((k) => [k, valueOf(schema.properties![k], ctx, k, depth + 1)])), { requiredKeys: keys.filter((k) => schema.required?.includes(k)) });
    return schema.example !== undefined ? fc.oneof({ arbitrary: record, weight: 4 }, { arbitrary: fc.constant(schema.example), weight: 1 }) : record;
  }
  // Untyped, or an object the document does not describe: any small JSON value.
  return withExample(fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null)));
}
