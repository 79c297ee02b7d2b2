import { Injectable } from '@nestjs/common';
import { Caller, ForbiddenError, NotFoundError } from '@labfleet/domain';
import { ApiTokenEntity, AuditRepository, TokenRepository } from '@labfleet/persistence';
import { hashToken, newOpaqueToken } from './opaque-token';

/** Personal API tokens for scripts: act as their owner, shown once, revocable. */
@Injectable()
export class ApiTokensService {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly audit: AuditRepository,
  ) {}

  async create(caller: Caller, name: string, expiresInDays?: number): Promise<{ token: string; record: ApiTokenEntity }> {
    const userId = this.ownerOf(caller);
    const token = newOpaqueToken('pat');
    const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
    const record = await this.tokens.addApiToken({ userId, name, prefix: token.slice(0, 11), tokenHash: hashToken(token), expiresAt });
    await this.audit.log(caller, 'token.created', { type: 'token', id: record.id, schoolId: caller.principal.schoolId }, { name });
    return { token, record };
  }

  list(caller: Caller): Promise<ApiTokenEntity[]> {
    return this.tokens.listApiTokens(this.ownerOf(caller));
  }

  async revoke(caller: Caller, id: string): Promise<void> {
    if (!(await this.tokens.revokeApiToken(this.ownerOf(caller), id))) throw new NotFoundError('API token', id);
    await this.audit.log(caller, 'token.revoked', { type: 'token', id, schoolId: caller.principal.schoolId });
  }

  private ownerOf(caller: Caller): string {
    if (!caller.principal.userId) throw new ForbiddenError('the bootstrap admin token has no account to hold API tokens; create a platform-admin account');
    return caller.principal.userId;
  }
}
