import type { SchoolCaps, TemplateCaps } from '@labfleet/contracts';
import { schoolCapProblems, schoolCapRefusal, TemplateAsk, templateBoundProblems, templatesOverSchoolCaps } from './template-bounds';

const CAPS: TemplateCaps = { nodes: 5, cpus: 4, memoryMb: 8192, pidsLimit: 8192, diskMb: 20480, ttlSeconds: 86400 };
const NO_SCHOOL_CAPS: SchoolCaps = { nodes: null, cpus: null, memoryMb: null, pidsLimit: null, diskMb: null, ttlSeconds: null };
const SCHOOL: SchoolCaps = { ...NO_SCHOOL_CAPS, cpus: 2, memoryMb: 4096, ttlSeconds: 7200 };
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
    expect(templateBoundProblems({ ...ASK, ttlSeconds: 3601 }, CAPS, { course: { maxTtlSeconds: 3600 } })).toEqual([
      { field: 'ttlSeconds', message: 'ttlSeconds is 3601 s; a lab of this course may live at most 3600 s' },
    ]);
    expect(templateBoundProblems({ ...ASK, ttlSeconds: 3600 }, CAPS, { course: { maxTtlSeconds: 3600 } })).toEqual([]);
    expect(templateBoundProblems(ASK, CAPS, { course: { maxTtlSeconds: null } })).toEqual([]);
  });

  it('refuses a reservation above what all the nodes may use', () => {
    expect(templateBoundProblems({ ...ASK, nodes: 2, reservedCpus: 2.5, reservedMemoryMb: 4097 }, CAPS).map((p) => p.field)).toEqual(['reservedCpus', 'reservedMemoryMb']);
    expect(templateBoundProblems({ ...ASK, nodes: 2, reservedCpus: 2, reservedMemoryMb: 4096 }, CAPS)).toEqual([]);
  });

  it.each([
    ['nodes', { nodes: 2 }, { nodes: 1 }, 'at most 1 per lab'],
    ['cpus', { cpus: 2.5 }, { cpus: 2 }, 'at most 2 per lab'],
    ['memoryMb', { memoryMb: 4097 }, { memoryMb: 4096 }, 'at most 4096 MB per lab'],
    ['pidsLimit', { pidsLimit: 2049 }, { pidsLimit: 2048 }, 'at most 2048 per lab'],
    ['diskMb', { diskMb: 10241 }, { diskMb: 10240 }, 'at most 10240 MB per lab'],
    ['ttlSeconds', { ttlSeconds: 7201 }, { ttlSeconds: 7200 }, 'at most 7200 s per lab'],
  ])("names %s when it is above the school's cap, and accepts it at the cap", (field, ask, cap, words) => {
    const school = { ...NO_SCHOOL_CAPS, ...cap };
    expect(templateBoundProblems({ ...ASK, ...ask }, CAPS, { school })).toEqual([{ field, message: expect.stringContaining(`this school allows ${words}`) }]);
    expect(templateBoundProblems({ ...ASK, ...cap }, CAPS, { school })).toEqual([]);
  });

  it('a school without caps, or with none set, leaves the platform caps alone', () => {
    expect(templateBoundProblems({ ...ASK, ...CAPS }, CAPS, { school: NO_SCHOOL_CAPS })).toEqual([]);
    expect(templateBoundProblems({ ...ASK, ...CAPS }, CAPS, { school: null })).toEqual([]);
    expect(templateBoundProblems({ ...ASK, diskMb: null }, CAPS, { school: { ...NO_SCHOOL_CAPS, diskMb: 1024 } })).toEqual([]);
  });

  it('names a field once: the platform cap before the school cap, the school cap before the course', () => {
    expect(templateBoundProblems({ ...ASK, cpus: 5 }, CAPS, { school: SCHOOL })).toEqual([{ field: 'cpus', message: 'cpus is 5; this platform allows at most 4 per lab' }]);
    expect(templateBoundProblems({ ...ASK, ttlSeconds: 9000 }, CAPS, { school: SCHOOL, course: { maxTtlSeconds: 3600 } })).toEqual([
      { field: 'ttlSeconds', message: 'ttlSeconds is 9000 s; this school allows at most 7200 s per lab' },
    ]);
    expect(templateBoundProblems({ ...ASK, cpus: 3, memoryMb: 5000 }, CAPS, { school: SCHOOL }).map((p) => p.field)).toEqual(['cpus', 'memoryMb']);
  });
});

describe('schoolCapProblems', () => {
  it('lets a school cap narrow the platform cap, up to it, and names each field above it', () => {
    expect(schoolCapProblems(NO_SCHOOL_CAPS, CAPS)).toEqual([]);
    expect(schoolCapProblems({ ...CAPS }, CAPS)).toEqual([]);
    expect(schoolCapProblems({ ...NO_SCHOOL_CAPS, cpus: 8, ttlSeconds: 86401 }, CAPS)).toEqual([
      { field: 'cpus', asked: 8, cap: 4, message: 'cpus is 8; this platform allows at most 4 per lab' },
      { field: 'ttlSeconds', asked: 86401, cap: 86400, message: 'ttlSeconds is 86401 s; this platform allows at most 86400 s per lab' },
    ]);
  });
});

describe('schoolCapRefusal', () => {
  it('refuses a lab of a template above the school caps with a 409 naming the first field over, and lists them all', () => {
    const refusal = schoolCapRefusal({ name: 'big', ...ASK, cpus: 3, ttlSeconds: 9000 }, SCHOOL);
    expect(refusal).toEqual({
      limit: 'schoolCaps.cpus',
      status: 409,
      limitValue: 2,
      current: 3,
      message: "template 'big' asks for more than this school allows one lab: cpus is 3; this school allows at most 2 per lab; ttlSeconds is 9000 s; this school allows at most 7200 s per lab",
    });
  });

  it('lets a template within the caps, or a school without caps, through', () => {
    expect(schoolCapRefusal({ name: 'docker', ...ASK, cpus: 2, memoryMb: 4096 }, SCHOOL)).toBeNull();
    expect(schoolCapRefusal({ name: 'docker', ...ASK, ...CAPS }, NO_SCHOOL_CAPS)).toBeNull();
  });
});

describe('templatesOverSchoolCaps', () => {
  it('lists the templates a lowered cap leaves above it, with the fields, and only those', () => {
    const small = { name: 'small', ...ASK };
    const big = { name: 'big', ...ASK, cpus: 3, memoryMb: 8192 };
    expect(templatesOverSchoolCaps([small, big], SCHOOL)).toEqual([{ template: big, problems: [expect.objectContaining({ field: 'cpus' }), expect.objectContaining({ field: 'memoryMb' })] }]);
    expect(templatesOverSchoolCaps([small, big], NO_SCHOOL_CAPS)).toEqual([]);
  });
});
