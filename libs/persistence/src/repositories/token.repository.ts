import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { ApiTokenEntity, RefreshTokenEntity } from '../entities';

/** Refresh tokens and personal API tokens; only hashes are stored. */
@Injectable()
export class TokenRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async addRefresh(token: Pick<RefreshTokenEntity, 'userId' | 'familyId' | 'tokenHash' | 'expiresAt'>): Promise<void> {
    await this.db.getRepository(RefreshTokenEntity).insert(token);
  }

  findRefresh(tokenHash: string): Promise<RefreshTokenEntity | null> {
    return this.db.getRepository(RefreshTokenEntity).findOneBy({ tokenHash });
  }

  /** Revokes one token if still active; false when it already was (a replay). */
  async revokeRefresh(id: string): Promise<boolean> {
    const result = await this.db.getRepository(RefreshTokenEntity).update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    return (result.affected ?? 0) > 0;
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.db.getRepository(RefreshTokenEntity).update({ familyId, revokedAt: IsNull() }, { revokedAt: new Date() });
  }

  async addApiToken(token: Pick<ApiTokenEntity, 'userId' | 'name' | 'prefix' | 'tokenHash' | 'expiresAt'>): Promise<ApiTokenEntity> {
    const saved = await this.db.getRepository(ApiTokenEntity).save(token as ApiTokenEntity);
    return this.db.getRepository(ApiTokenEntity).findOneByOrFail({ id: saved.id });
  }

  listApiTokens(userId: string): Promise<ApiTokenEntity[]> {
    return this.db.getRepository(ApiTokenEntity).find({ where: { userId }, order: { createdAt: 'DESC' } });
  }

  findApiToken(tokenHash: string): Promise<ApiTokenEntity | null> {
    return this.db.getRepository(ApiTokenEntity).findOneBy({ tokenHash });
  }

  async revokeApiToken(userId: string, id: string): Promise<boolean> {
    const result = await this.db.getRepository(ApiTokenEntity).update({ id, userId, revokedAt: IsNull() }, { revokedAt: new Date() });
    return (result.affected ?? 0) > 0;
  }

  async touchApiToken(id: string): Promise<void> {
    await this.db.getRepository(ApiTokenEntity).update({ id }, { lastUsedAt: new Date() });
  }
}
