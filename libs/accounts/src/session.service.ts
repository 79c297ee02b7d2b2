import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { LabfleetConfig } from '@labfleet/config';
import { UnauthenticatedError } from '@labfleet/domain';
import { TokenRepository, UserEntity, UserRepository } from '@labfleet/persistence';
import { AccessTokenSigner } from './access-token';
import { hashToken, newOpaqueToken } from './opaque-token';
import { Session } from './session';

/**
 * Access tokens and rotating refresh tokens. A refresh token works once; presenting one that was
 * already used (stolen and replayed, or replayed by the thief) revokes its whole family.
 */
@Injectable()
export class SessionService {
  readonly signer: AccessTokenSigner;

  constructor(
    private readonly tokens: TokenRepository,
    private readonly users: UserRepository,
    private readonly config: LabfleetConfig,
  ) {
    this.signer = new AccessTokenSigner(config.auth.jwtSecret, config.auth.accessTtlSeconds);
  }

  async open(user: UserEntity, familyId: string = randomUUID()): Promise<Session> {
    const refreshToken = newOpaqueToken('rt');
    const ttl = this.config.auth.refreshTtlSeconds;
    await this.tokens.addRefresh({ userId: user.id, familyId, tokenHash: hashToken(refreshToken), expiresAt: new Date(Date.now() + ttl * 1000) });
    return {
      tokenType: 'Bearer',
      accessToken: this.signer.sign(user.id),
      expiresIn: this.signer.ttlSeconds,
      refreshToken,
      refreshExpiresIn: ttl,
      user: { id: user.id, email: user.email, name: user.name, role: user.role, schoolId: user.schoolId },
    };
  }

  async refresh(refreshToken: string): Promise<Session> {
    const row = await this.tokens.findRefresh(hashToken(refreshToken));
    if (!row || row.expiresAt.getTime() <= Date.now()) throw new UnauthenticatedError('refresh token unknown or expired; sign in again');
    if (row.revokedAt || !(await this.tokens.revokeRefresh(row.id))) {
      await this.tokens.revokeFamily(row.familyId);
      throw new UnauthenticatedError('refresh token already used or revoked; sign in again');
    }
    const user = await this.users.findById(row.userId);
    if (!user) throw new UnauthenticatedError('the account no longer exists');
    return this.open(user, row.familyId);
  }

  /** Ends the session the refresh token belongs to. Unknown tokens are ignored: logout always succeeds. */
  async close(refreshToken: string): Promise<string | null> {
    const row = await this.tokens.findRefresh(hashToken(refreshToken));
    if (!row) return null;
    await this.tokens.revokeFamily(row.familyId);
    return row.userId;
  }
}
