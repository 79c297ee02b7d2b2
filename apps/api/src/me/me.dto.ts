import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { Role } from '@labfleet/contracts';
import type { ApiTokenEntity } from '@labfleet/persistence';

export class MeView {
  @ApiPropertyOptional({ nullable: true, format: 'uuid', description: 'Null for the bootstrap admin token' }) id!: string | null;
  @ApiProperty() label!: string;
  @ApiProperty({ enum: Role }) role!: Role;
  @ApiPropertyOptional({ nullable: true, format: 'uuid' }) schoolId!: string | null;
  @ApiProperty({ type: [String], description: 'Ids of the courses I teach' }) teaching!: readonly string[];
  @ApiProperty({ type: [String], description: 'Ids of the courses I take' }) enrolled!: readonly string[];
}

export class CreateApiTokenDto {
  @ApiProperty({ example: 'grading script' })
  @IsString() @Matches(/^[\p{L}\p{N} _.-]{1,80}$/u, { message: 'name must be 1 to 80 letters, digits, spaces, dots, dashes or underscores' })
  name!: string;

  @ApiPropertyOptional({ description: 'Days until it expires; none means it lasts until revoked', minimum: 1, maximum: 3650 })
  @IsOptional() @IsInt() @Min(1) @Max(3650)
  expiresInDays?: number;
}

export class ApiTokenView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'First characters of the token, to recognise it' }) prefix!: string;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ nullable: true }) expiresAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) lastUsedAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) revokedAt!: string | null;

  static of(t: ApiTokenEntity): ApiTokenView {
    const iso = (d: Date | null) => d?.toISOString() ?? null;
    return { id: t.id, name: t.name, prefix: t.prefix, createdAt: t.createdAt.toISOString(), expiresAt: iso(t.expiresAt), lastUsedAt: iso(t.lastUsedAt), revokedAt: iso(t.revokedAt) };
  }
}

export class CreatedApiTokenView extends ApiTokenView {
  @ApiProperty({ description: 'The token itself: shown this once, never again' }) token!: string;
}
