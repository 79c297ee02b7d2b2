import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '@labfleet/domain';
import { packsDirectory } from './built-in-packs';
import { exerciseFromPack, exerciseToPack, ExercisePack, readPack, writePack } from './exercise-pack';
import { EXERCISE_PACK_SCHEMA } from './exercise-pack.schema';

const builtIn = readFileSync(join(packsDirectory(), 'docker-fundamentals.yaml'), 'utf8');
const minimal = (): any => ({ format: 'labfleet-pack/v1', name: 'p', title: 'P', exercises: [{ key: 'a', title: 'A', instructions: 'Do A', check: { script: 'true' } }] });
const refusal = (input: unknown): string => {
  try {
    readPack(input);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as Error).message;
  }
  throw new Error('the pack was accepted');
};

describe('exercise packs', () => {
  it('the built-in Docker fundamentals pack is valid and has every exercise of the seed course', () => {
    const pack = readPack(builtIn);
    expect(pack.exercises.map((e) => e.key)).toEqual([
      'nginx-8080', 'named-volume', 'bind-mount', 'user-network', 'compose-ghost', 'compose-wordpress', 'own-dockerfile', 'multi-stage-slim', 'registry-push', 'swarm-3-nodes',
    ]);
    for (const e of pack.exercises) expect(e.solution).toBeTruthy();
    expect(pack.exercises.find((e) => e.key === 'swarm-3-nodes')).toMatchObject({ template: 'swarm-3', check: { node: 'node1' } });
  });

  it('every built-in check is valid bash', () => {
    for (const e of readPack(builtIn).exercises) expect(() => execFileSync('bash', ['-n'], { input: e.check.script })).not.toThrow();
  });

  it('reads the same pack from YAML and from JSON', () => {
    expect(readPack(JSON.stringify(minimal()))).toEqual(readPack(minimal()));
  });

  it('names the path of the bad field', () => {
    const bad = minimal();
    bad.exercises[0].check.timeoutSeconds = 301;
    expect(refusal(bad)).toBe('pack field exercises[0].check.timeoutSeconds must be <= 300');
    const missing = minimal();
    delete missing.exercises[0].check.script;
    expect(refusal(missing)).toBe('pack field exercises[0].check.script is missing');
    const extra = minimal();
    extra.exercises[0].checks = {};
    expect(refusal(extra)).toBe('pack field exercises[0].checks is not part of the format');
    expect(refusal({ ...minimal(), format: 'v2' })).toBe("pack field format must be 'labfleet-pack/v1'");
    const key = minimal();
    key.exercises[0].key = 'Not A Key';
    expect(refusal(key)).toMatch(/^pack field exercises\[0\]\.key must match/);
    expect(refusal({ ...minimal(), exercises: [] })).toBe('pack field exercises must NOT have fewer than 1 items');
  });

  it('refuses two exercises with one key, YAML that does not parse, and documents that are not packs', () => {
    const twice = minimal();
    twice.exercises.push({ ...twice.exercises[0] });
    expect(refusal(twice)).toBe("pack field exercises[1].key: 'a' is used by an earlier exercise");
    expect(refusal('format: [unclosed')).toMatch(/^the pack is not valid YAML or JSON/);
    expect(refusal('just text')).toBe('pack field (the pack) must be object');
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
    expect(refusal(bomb)).toMatch(/^the pack is not valid YAML or JSON: Excessive alias count/);
    expect(refusal(null)).toBe('pack field (the pack) must be object');
  });

  it('writes a pack that reads back the same, with the defaults filled in on the way in', () => {
    const pack = readPack(builtIn);
    const stored = pack.exercises.map(exerciseFromPack);
    expect(stored[0]).toMatchObject({ checkNode: 'node1', hints: expect.any(Array), template: null });
    const again: ExercisePack = { ...pack, exercises: stored.map(exerciseToPack) };
    const back = readPack(writePack(again));
    expect(back.exercises.map(exerciseFromPack)).toEqual(stored);
  });

  it('docs/exercise-pack.schema.json is the schema the API serves', () => {
    const docs = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'exercise-pack.schema.json'), 'utf8'));
    expect(docs).toEqual(EXERCISE_PACK_SCHEMA);
  });
});
