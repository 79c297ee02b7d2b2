import { Injectable } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { Principal, UnauthenticatedError } from '@labfleet/domain';
import { AuditRepository, normalizeEmail, UserRepository } from '@labfleet/persistence';
import { RateLimiter } from '@labfleet/queue';
import { AuthenticatorService } from './authenticator.service';
import { isApiToken } from './opaque-token';
import { verifyPassword } from './password-hasher';

/** A Docker client asks for a token on every push and pull: more than for logins to the page. */
const TOKEN_REQUESTS_PER_LOGIN = 6;
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * Who asks the course registry's token endpoint, from HTTP Basic credentials (what `docker login`
 * stores): the email and either the account's password or a Labfleet token (a personal API token
 * or an access token) of that account. All requests come through the registry's proxy, so the
 * limits are per account only; failed passwords count toward the account's lock as at login.
 */
@Injectable()
export class RegistryLoginService {
  constructor(
    private readonly users: UserRepository,
    private readonly authenticator: AuthenticatorService,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditRepository,
    private readonly config: LabfleetConfig,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization ?? '');
    if (!match) throw new UnauthenticatedError('missing Authorization: Basic credentials (docker login with your email and password or a Labfleet token)');
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) throw new UnauthenticatedError('Basic credentials must be email:password');
    const email = normalizeEmail(decoded.slice(0, colon));
    const secret = decoded.slice(colon + 1);
    await this.limiter.consume(`registry:account:${email}`, this.config.rateLimits.loginPerAccount * TOKEN_REQUESTS_PER_LOGIN, 'registry token requests for this account');
    if (isApiToken(secret) || JWT.test(secret)) {
      const principal = await this.authenticator.authenticate(`Bearer ${secret}`);
      if (principal.label !== email) throw new UnauthenticatedError('that token belongs to another account');
      return principal;
    }
    await this.limiter.assertUnlocked(`login:${email}`, 'logins for this account');
    const user = await this.users.findByEmail(email);
    const ok = await verifyPassword(secret, user ? await this.users.passwordHashOf(user.id) : null);
    if (!user || !ok) {
      await this.limiter.recordFailure(`login:${email}`, this.config.auth.lockAfterFailures);
      await this.audit.record({ schoolId: user?.schoolId ?? null, actorId: user?.id ?? null, actorLabel: email, targetType: 'user', targetId: user?.id ?? null, ip: null, action: 'auth.login-failed', detail: { method: 'registry' } });
      throw new UnauthenticatedError('wrong email or password');
    }
    await this.limiter.clearFailures(`login:${email}`);
    return this.authenticator.principalOf(user.id);
  }
}
