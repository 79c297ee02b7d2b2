import { Role } from '@labfleet/contracts';

/**
 * Who is asking, resolved once per request. `teaching`/`enrolled` are course ids, loaded with the
 * account so access checks are pure functions of the principal and the object.
 */
export interface Principal {
  /** Null only for the bootstrap admin token, which has no account. */
  readonly userId: string | null;
  readonly role: Role;
  /** Null for platform admins. */
  readonly schoolId: string | null;
  /** How the audit log names this caller (email, or `admin-token`). */
  readonly label: string;
  readonly teaching: readonly string[];
  readonly enrolled: readonly string[];
}

/** `LABFLEET_ADMIN_TOKEN`: a platform admin without an account, to bootstrap an installation. */
export const BOOTSTRAP_PRINCIPAL: Principal = {
  userId: null,
  role: Role.PlatformAdmin,
  schoolId: null,
  label: 'admin-token',
  teaching: [],
  enrolled: [],
};

/** A principal and where the request came from: what the audit log records of a caller. */
export interface Caller {
  readonly principal: Principal;
  readonly ip: string | null;
}

/** What an audited action was done to. */
export interface AuditTarget {
  readonly type: 'school' | 'user' | 'course' | 'lab' | 'token' | 'session' | 'template';
  readonly id: string | null;
  /** The school it belongs to, so school admins see it in their audit log. */
  readonly schoolId: string | null;
}
