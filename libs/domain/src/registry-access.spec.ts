import { Role } from '@labfleet/contracts';
import { Principal } from './principal';
import { courseRepository, grantRegistryAccess, parseRegistryScopes, RegistryScope } from './registry-access';

const COURSE = '11111111-1111-4111-8111-111111111111';
const OTHER_COURSE = '22222222-2222-4222-8222-222222222222';
const A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const T = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';

const person = (userId: string, role: Role, over: Partial<Principal> = {}): Principal => ({
  userId, role, schoolId: 'school-1', label: userId, teaching: [], enrolled: [], ...over,
});
const studentA = person(A, Role.Student, { enrolled: [COURSE] });
const studentB = person(B, Role.Student, { enrolled: [COURSE] });
const teacher = person(T, Role.Teacher, { teaching: [COURSE] });
const outsider = person('dddddddd-dddd-4ddd-8ddd-dddddddddddd', Role.Teacher, { schoolId: 'school-2', teaching: [OTHER_COURSE] });
const schoolAdmin = person('eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', Role.SchoolAdmin);
const platformAdmin = person('ffffffff-ffff-4fff-8fff-ffffffffffff', Role.PlatformAdmin, { schoolId: null });

const repo = (owner: string, actions = ['pull', 'push'], course = COURSE): RegistryScope => ({ type: 'repository', name: `${course}/${owner}/web`, actions });
const catalog: RegistryScope = { type: 'registry', name: 'catalog', actions: ['*'] };

describe('grantRegistryAccess', () => {
  it('lets a student push to and pull from their own namespace, nested names included', () => {
    expect(grantRegistryAccess(studentA, repo(A), false)).toEqual(['pull', 'push']);
    expect(grantRegistryAccess(studentA, { ...repo(A), name: `${COURSE}/${A}/team/web` }, false)).toEqual(['pull', 'push']);
  });

  it('takes push away, not pull, when the owner is over the cap', () => {
    expect(grantRegistryAccess(studentA, repo(A), true)).toEqual(['pull']);
  });

  it('gives a classmate nothing in another student\'s namespace', () => {
    expect(grantRegistryAccess(studentB, repo(A), false)).toEqual([]);
  });

  it('lets the course\'s teachers pull every student\'s images but push only to their own', () => {
    expect(grantRegistryAccess(teacher, repo(A), false)).toEqual(['pull']);
    expect(grantRegistryAccess(teacher, repo(T), false)).toEqual(['pull', 'push']);
  });

  it('gives nothing to people outside the course: other schools, school admins, a former student', () => {
    expect(grantRegistryAccess(outsider, repo(A), false)).toEqual([]);
    expect(grantRegistryAccess(schoolAdmin, repo(A), false)).toEqual([]);
    expect(grantRegistryAccess({ ...studentA, enrolled: [] }, repo(A), false)).toEqual([]);
  });

  it('gives a student nothing in their own id under another course', () => {
    expect(grantRegistryAccess(studentA, repo(A, ['pull', 'push'], OTHER_COURSE), false)).toEqual([]);
  });

  it('lets platform admins pull anything and list the catalog, nobody else list it', () => {
    expect(grantRegistryAccess(platformAdmin, repo(A), false)).toEqual(['pull']);
    expect(grantRegistryAccess(platformAdmin, catalog, false)).toEqual(['*']);
    for (const p of [studentA, teacher, schoolAdmin, outsider]) expect(grantRegistryAccess(p, catalog, false)).toEqual([]);
  });

  it('never grants delete or wildcard actions on repositories, nor names outside the layout', () => {
    expect(grantRegistryAccess(studentA, repo(A, ['delete', '*']), false)).toEqual([]);
    expect(grantRegistryAccess(studentA, { type: 'repository', name: `${COURSE}/${A}`, actions: ['push'] }, false)).toEqual([]);
    expect(grantRegistryAccess(studentA, { type: 'repository', name: 'library/debian', actions: ['pull'] }, false)).toEqual([]);
    expect(grantRegistryAccess(studentA, { type: 'repository(plugin)', name: `${COURSE}/${A}/web`, actions: ['pull'] }, false)).toEqual([]);
  });
});

describe('parseRegistryScopes', () => {
  it('reads type, name and actions, several per value or several values', () => {
    expect(parseRegistryScopes([`repository:${COURSE}/${A}/web:pull,push`, 'registry:catalog:* repository:x/y:pull'])).toEqual([
      { type: 'repository', name: `${COURSE}/${A}/web`, actions: ['pull', 'push'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
      { type: 'repository', name: 'x/y', actions: ['pull'] },
    ]);
  });

  it('drops malformed scopes', () => {
    expect(parseRegistryScopes(['repository', 'repository:web', ':x:pull', ''])).toEqual([]);
  });
});

describe('courseRepository', () => {
  it('finds course and owner, refuses names the registry or the layout would not take', () => {
    expect(courseRepository(`${COURSE}/${A}/web`)).toEqual({ courseId: COURSE, ownerId: A });
    expect(courseRepository(`${COURSE}/${A}/Web`)).toBeNull();
    expect(courseRepository(`${COURSE}/not-a-uuid/web`)).toBeNull();
    expect(courseRepository(`${COURSE}/${A}/../web`)).toBeNull();
  });
});
