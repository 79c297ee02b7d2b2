import { Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { LabfleetConfig } from '@labfleet/config';
import { BOOTSTRAP_PRINCIPAL, Principal, UnauthenticatedError } from '@labfleet/domain';
import { TokenRepository, UserRepository } from '@labfleet/persistence';
import { hashToken, isApiToken } from './opaque-token';
import { SessionService } from './session.service';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
const TOUCH_EVERY_MS = 60_000;

/**
 * Turns a bearer credential into a principal: the bootstrap admin token, a personal API token, or
 * an access token. The account and its courses are read on every request, so a role change or a
 * removal from a course takes effect at once.
 */
@Injectable()
export class AuthenticatorService {
  private readonly adminToken: Buffer;

  constructor(
    private readonly users: UserRepository,
    private readonly tokens: TokenRepository,
    private readonly sessions: SessionService,
    config: LabfleetConfig,
  ) {
    this.adminToken = digest(config.adminToken);
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const match = /^Bearer (\S+)$/.exec(authorization ?? '');
    if (!match) throw new UnauthenticatedError('missing Authorization: Bearer <token> header');
    const token = match[1];
    // Compare digests so the comparison takes the same time whatever the token's length.
    if (timingSafeEqual(digest(token), this.adminToken)) return BOOTSTRAP_PRINCIPAL;
    return this.principalOf(isApiToken(token) ? await this.apiTokenOwner(token) : this.sessions.signer.verify(token));
  }

  async principalOf(userId: string): Promise<Principal> {
    const found = await this.users.withCourses(userId);
    if (!found) throw new UnauthenticatedError('the account no longer exists');
    const { user, teaching, enrolled } = found;
    return { userId: user.id, role: user.role, schoolId: user.schoolId, label: user.email, teaching, enrolled };
  }

  private async apiTokenOwner(token: string): Promise<string> {
    const row = await this.tokens.findApiToken(hashToken(token));
    if (!row || row.revokedAt) throw new UnauthenticatedError('API token unknown or revoked');
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) throw new UnauthenticatedError('API token expired');
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > TOUCH_EVERY_MS) await this.tokens.touchApiToken(row.id);
    return row.userId;
  }
}
