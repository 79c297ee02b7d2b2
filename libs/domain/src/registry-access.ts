import { Role } from '@labfleet/contracts';
import { Principal } from './principal';

/** One `scope` of a registry token request, as the Docker token protocol spells it: `type:name:actions`. */
export interface RegistryScope {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

/** What a token grants on one resource (the `access` claim's entries). */
export type RegistryGrant = RegistryScope;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A path component as the registry accepts it (distribution's reference grammar). */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * Parses the `scope` query values. The name may itself hold colons only in a host part, which
 * course registry names never have, so the type is before the first colon and the actions after
 * the last. Malformed scopes are dropped: the token then grants nothing for them.
 */
export function parseRegistryScopes(values: readonly string[]): RegistryScope[] {
  return values
    .flatMap((v) => v.split(' '))
    .map((s) => /^([a-z()]+):(.+):([a-z*,]+)$/.exec(s))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ type: m[1], name: m[2], actions: [...new Set(m[3].split(',').filter(Boolean))] }));
}

/** `<course>/<student>`: the repositories a student pushes to start with this. */
export const courseRegistryNamespace = (courseId: string, userId: string): string => `${courseId}/${userId}`;

/** The course and the student a repository name belongs to, or null when it is not `<course>/<student>/<image…>`. */
export function courseRepository(name: string): { courseId: string; ownerId: string } | null {
  const parts = name.split('/');
  if (parts.length < 3 || name.length > 255 || !parts.every((p) => COMPONENT.test(p))) return null;
  const [courseId, ownerId] = parts;
  return UUID.test(courseId) && UUID.test(ownerId) ? { courseId, ownerId } : null;
}

/**
 * What a principal may do with one requested scope of the course registry:
 * - the owner of `<course>/<student>/…`, enrolled in or teaching the course: pull, and push unless
 *   `ownerOverCap` (their namespace holds more than the cap);
 * - the course's teachers: pull anything in the course;
 * - platform admins (operators): pull anything and list the catalog;
 * - anyone else, and any other resource or action: nothing.
 * Returns the requested actions that are granted (empty: none).
 */
export function grantRegistryAccess(p: Principal, scope: RegistryScope, ownerOverCap: boolean): string[] {
  const allowed = allowedActions(p, scope, ownerOverCap);
  return scope.actions.filter((a) => allowed.has(a));
}

function allowedActions(p: Principal, scope: RegistryScope, ownerOverCap: boolean): Set<string> {
  const admin = p.role === Role.PlatformAdmin;
  if (scope.type === 'registry') return new Set(admin && scope.name === 'catalog' ? ['*'] : []);
  if (scope.type !== 'repository') return new Set();
  const repo = courseRepository(scope.name);
  if (!repo) return new Set();
  const member = p.enrolled.includes(repo.courseId) || p.teaching.includes(repo.courseId);
  if (member && p.userId === repo.ownerId) return new Set(ownerOverCap ? ['pull'] : ['pull', 'push']);
  if (admin || p.teaching.includes(repo.courseId)) return new Set(['pull']);
  return new Set();
}
