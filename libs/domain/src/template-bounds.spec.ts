import type { TemplateCaps } from '@labfleet/contracts';
import { TemplateAsk, templateBoundProblems } from './template-bounds';

const CAPS: TemplateCaps = { nodes: 5, cpus: 4, memoryMb: 8192, pidsLimit: 8192, diskMb: 20480, ttlSeconds: 86400 };
const ASK: TemplateAsk = { nodes: 1, cpus: 1, memoryMb: 2048, pidsLimit: 2048, diskMb: 10240, ttlSeconds: 7200, reservedCpus: 0.05, reservedMemoryMb: 128 };

describe('templateBoundProblems', () => {
  it('accepts a template within every cap, up to the caps themselves', () => {
    expect(templateBoundProblems(ASK, CAPS)).toEqual([]);
    expect(templateBoundProblems({ ...ASK, ...CAPS }, CAPS)).toEqual([]);
    expect(templateBoundProblems({ ...ASK, diskMb: null }, CAPS)).toEqual([]);
  });

  it.each([
    ['nodes', { nodes: 6 }],
    ['cpus', { cpus: 4.5 }],
    ['memoryMb', { memoryMb: 9000 }],
    ['pidsLimit', { pidsLimit: 10000 }],
    ['diskMb', { diskMb: 30000 }],
    ['ttlSeconds', { ttlSeconds: 86401 }],
  ])('names %s when it is above the platform cap', (field, over) => {
    const problems = templateBoundProblems({ ...ASK, ...over }, CAPS);
    expect(problems).toEqual([{ field, message: expect.stringContaining(`at most ${CAPS[field as keyof TemplateCaps]}`) }]);
  });

  it("holds a course's template to the course's longest lab life", () => {
    expect(templateBoundProblems({ ...ASK, ttlSeconds: 3601 }, CAPS, { maxTtlSeconds: 3600 })).toEqual([
      { field: 'ttlSeconds', message: 'ttlSeconds is 3601 s; a lab of this course may live at most 3600 s' },
    ]);
    expect(templateBoundProblems({ ...ASK, ttlSeconds: 3600 }, CAPS, { maxTtlSeconds: 3600 })).toEqual([]);
    expect(templateBoundProblems(ASK, CAPS, { maxTtlSeconds: null })).toEqual([]);
  });

  it('refuses a reservation above what all the nodes may use', () => {
    expect(templateBoundProblems({ ...ASK, nodes: 2, reservedCpus: 2.5, reservedMemoryMb: 4097 }, CAPS).map((p) => p.field)).toEqual(['reservedCpus', 'reservedMemoryMb']);
    expect(templateBoundProblems({ ...ASK, nodes: 2, reservedCpus: 2, reservedMemoryMb: 4096 }, CAPS)).toEqual([]);
  });
});
