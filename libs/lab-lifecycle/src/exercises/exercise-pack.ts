import Ajv, { ErrorObject } from 'ajv';
import { parse, stringify, YAMLParseError } from 'yaml';
import { InvalidInputError } from '@labfleet/domain';
import { EXERCISE_LIMITS, EXERCISE_PACK_SCHEMA } from './exercise-pack.schema';

export const PACK_FORMAT = 'labfleet-pack/v1';

export interface PackExercise {
  readonly key: string;
  readonly title: string;
  readonly instructions: string;
  readonly hints?: string[];
  readonly template?: string;
  readonly check: { readonly script: string; readonly node?: string; readonly timeoutSeconds?: number };
  readonly solution?: string;
}

export interface ExercisePack {
  readonly format: typeof PACK_FORMAT;
  readonly name: string;
  readonly title: string;
  readonly description?: string;
  readonly exercises: PackExercise[];
}

const validate = new Ajv({ allErrors: false, strict: true }).compile<ExercisePack>(EXERCISE_PACK_SCHEMA);

/** `/exercises/2/check/timeoutSeconds` → `exercises[2].check.timeoutSeconds`. */
function fieldPath(error: ErrorObject): string {
  const parts = error.instancePath.split('/').slice(1);
  const extra = (error.params as { missingProperty?: string; additionalProperty?: string });
  const named = extra.missingProperty ?? extra.additionalProperty;
  if (named) parts.push(named);
  return parts.reduce((path, p) => (/^\d+$/.test(p) ? `${path}[${p}]` : path ? `${path}.${p}` : p), '') || '(the pack)';
}

function describe(error: ErrorObject): string {
  const path = fieldPath(error);
  if (error.keyword === 'additionalProperties') return `pack field ${path} is not part of the format`;
  if (error.keyword === 'required') return `pack field ${path} is missing`;
  if (error.keyword === 'pattern') return `pack field ${path} must match ${(error.params as { pattern: string }).pattern}`;
  if (error.keyword === 'const') return `pack field ${path} must be '${PACK_FORMAT}'`;
  return `pack field ${path} ${error.message ?? 'is invalid'}`;
}

/**
 * A pack from a YAML or JSON document (text) or an already parsed JSON body. Throws
 * `InvalidInputError` naming the first bad field's path (`exercises[2].check.timeoutSeconds`).
 */
export function readPack(input: unknown): ExercisePack {
  let doc = input;
  if (typeof input === 'string') {
    try {
      doc = parse(input, { maxAliasCount: 50, uniqueKeys: true });
    } catch (e) {
      // Syntax errors, and the ReferenceError of an alias bomb (more aliases than maxAliasCount).
      const why = e instanceof YAMLParseError || e instanceof ReferenceError ? e.message.split('\n')[0] : 'unreadable';
      throw new InvalidInputError(`the pack is not valid YAML or JSON: ${why}`);
    }
  }
  if (!validate(doc)) throw new InvalidInputError(describe(validate.errors![0]));
  const seen = new Set<string>();
  doc.exercises.forEach((e, i) => {
    if (seen.has(e.key)) throw new InvalidInputError(`pack field exercises[${i}].key: '${e.key}' is used by an earlier exercise`);
    seen.add(e.key);
  });
  return doc;
}

/** The pack as the YAML file teachers download (multi-line scripts as literal blocks). */
export function writePack(pack: ExercisePack): string {
  return stringify(pack, { lineWidth: 0 });
}

/** An exercise's fields with the pack's defaults filled in. */
export function exerciseFromPack(e: PackExercise) {
  return {
    key: e.key,
    title: e.title,
    instructions: e.instructions,
    hints: e.hints ?? [],
    template: e.template ?? null,
    checkNode: e.check.node ?? 'node1',
    checkScript: e.check.script,
    checkTimeoutSeconds: e.check.timeoutSeconds ?? EXERCISE_LIMITS.timeoutSeconds.default,
    solution: e.solution ?? null,
  };
}

export type ExerciseFields = ReturnType<typeof exerciseFromPack>;

/** The reverse of `exerciseFromPack`: defaults and empty fields left out. */
export function exerciseToPack(e: ExerciseFields): PackExercise {
  return {
    key: e.key,
    title: e.title,
    instructions: e.instructions,
    ...(e.hints.length ? { hints: e.hints } : {}),
    ...(e.template ? { template: e.template } : {}),
    check: { script: e.checkScript, ...(e.checkNode !== 'node1' ? { node: e.checkNode } : {}), timeoutSeconds: e.checkTimeoutSeconds },
    ...(e.solution ? { solution: e.solution } : {}),
  };
}
