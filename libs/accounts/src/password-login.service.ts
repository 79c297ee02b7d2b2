import { Injectable } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { Caller, ForbiddenError, InvalidInputError, UnauthenticatedError } from '@labfleet/domain';
import { AuditRepository, normalizeEmail, UserRepository } from '@labfleet/persistence';
import { RateLimiter } from '@labfleet/queue';
import { hashPassword, verifyPassword } from './password-hasher';
import { Session } from './session';
import { SessionService } from './session.service';

export const MIN_PASSWORD_LENGTH = 10;

/** Email + password login, rate limited per account and per address, slower after each failure. */
@Injectable()
export class PasswordLoginService {
  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionService,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditRepository,
    private readonly config: LabfleetConfig,
  ) {}

  async login(emailInput: string, password: string, ip: string | null): Promise<Session> {
    const email = normalizeEmail(emailInput);
    const limits = this.config.rateLimits;
    const giveBack = await this.limiter.consumeAll([
      { key: `login:address:${ip}`, perMinute: limits.loginPerAddress, what: 'login attempts from this address' },
      { key: `login:account:${email}`, perMinute: limits.loginPerAccount, what: 'login attempts for this account' },
    ]);
    await this.limiter.assertUnlocked(`login:${email}`, 'logins for this account');
    let user: Awaited<ReturnType<UserRepository['findByEmail']>>;
    let hash: string | null;
    try {
      user = await this.users.findByEmail(email);
      hash = user ? await this.users.passwordHashOf(user.id) : null;
    } catch (e) {
      // An attempt the database could not judge is not one: a client retrying through an outage,
      // as the 503's Retry-After asks, would otherwise be refused (429) once the database is back.
      await giveBack().catch(() => undefined);
      throw e;
    }
    const ok = await verifyPassword(password, hash);
    const attempt = { schoolId: user?.schoolId ?? null, actorId: user?.id ?? null, actorLabel: email, targetType: 'user', targetId: user?.id ?? null, ip };
    if (!user || !ok) {
      await this.limiter.recordFailure(`login:${email}`, this.config.auth.lockAfterFailures);
      await this.audit.record({ ...attempt, action: 'auth.login-failed', detail: { method: 'password' } });
      throw new UnauthenticatedError('wrong email or password');
    }
    await this.limiter.clearFailures(`login:${email}`);
    await this.audit.record({ ...attempt, action: 'auth.login', detail: { method: 'password' } });
    return this.sessions.open(user);
  }

  /** Changes one's own password; the current one is required. */
  async change(caller: Caller, current: string, next: string): Promise<void> {
    const userId = caller.principal.userId;
    if (!userId) throw new ForbiddenError('the bootstrap admin token has no password to change');
    if (!(await verifyPassword(current, await this.users.passwordHashOf(userId)))) throw new ForbiddenError('current password is wrong');
    await this.users.update(userId, { passwordHash: await hashPasswordChecked(next) });
    await this.audit.log(caller, 'user.password-changed', { type: 'user', id: userId, schoolId: caller.principal.schoolId });
  }
}

export async function hashPasswordChecked(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH) throw new InvalidInputError(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  return hashPassword(password);
}
