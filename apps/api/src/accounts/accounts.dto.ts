import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEmail, IsEnum, IsInt, IsOptional, IsString, IsUrl, IsUUID, Matches, Max, MaxLength, Min, MinLength, Validate, ValidateIf, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { isTimezone } from '@labfleet/domain';
import { MAX_OFFSET, Role } from '@labfleet/contracts';
import type { SchoolEntity, UserEntity } from '@labfleet/persistence';

@ValidatorConstraint({ name: 'timezone' })
class IsTimezone implements ValidatorConstraintInterface {
  validate = (value: unknown) => typeof value === 'string' && isTimezone(value);
  defaultMessage = () => 'timezone must be an IANA time zone such as Europe/Paris';
}

const ROLE_MESSAGE = `role must be one of: ${Object.values(Role).join(', ')}`;

export class CreateSchoolDto {
  @ApiProperty({ example: 'Lycée Jean Moulin' }) @IsString() @MinLength(1) @MaxLength(200) name!: string;
  @ApiProperty({ example: 'jean-moulin', description: 'Short name used in login URLs' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'slug must be lowercase letters, digits and dashes' })
  slug!: string;
}

export class UpdateSchoolDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;
  @ApiPropertyOptional({ nullable: true, description: 'OpenID Connect issuer URL; null turns OpenID login off' })
  @ValidateIf((_, v) => v !== null) @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'oidcIssuer must be an http(s) URL' })
  oidcIssuer?: string | null;
  @ApiPropertyOptional({ nullable: true }) @ValidateIf((_, v) => v !== null) @IsOptional() @IsString() @MaxLength(500) oidcClientId?: string | null;
  @ApiPropertyOptional({ nullable: true, writeOnly: true }) @ValidateIf((_, v) => v !== null) @IsOptional() @IsString() @MaxLength(2000) oidcClientSecret?: string | null;
  @ApiPropertyOptional({ example: 'Europe/Paris', description: 'IANA time zone its timetables are written in' })
  @IsOptional() @IsString() @Validate(IsTimezone) timezone?: string;
}

export class SchoolView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() slug!: string;
  @ApiPropertyOptional({ nullable: true }) oidcIssuer!: string | null;
  @ApiPropertyOptional({ nullable: true }) oidcClientId!: string | null;
  @ApiProperty({ description: 'Whether a client secret is set (it is never shown)' }) oidcClientSecretSet!: boolean;
  @ApiProperty() timezone!: string;
  @ApiProperty() createdAt!: string;

  static of(s: SchoolEntity): SchoolView {
    return { id: s.id, name: s.name, slug: s.slug, oidcIssuer: s.oidcIssuer, oidcClientId: s.oidcClientId, oidcClientSecretSet: !!s.oidcClientSecret, timezone: s.timezone, createdAt: s.createdAt.toISOString() };
  }
}

export class CreateUserDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The school; leave out for a platform admin' }) @IsOptional() @IsUUID('all', { message: 'schoolId must be a UUID' }) schoolId?: string;
  @ApiProperty() @IsEmail({}, { message: 'email must be an email address' }) @MaxLength(320) email!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200) name!: string;
  @ApiProperty({ enum: Role }) @IsEnum(Role, { message: ROLE_MESSAGE }) role!: Role;
  @ApiPropertyOptional({ description: 'Leave out for accounts that log in through the school identity provider', minLength: 10 })
  @IsOptional() @IsString() @MaxLength(1024) password?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;
  @ApiPropertyOptional({ enum: Role }) @IsOptional() @IsEnum(Role, { message: ROLE_MESSAGE }) role?: Role;
  @ApiPropertyOptional({ description: 'Sets a new password (admins, for someone else)' }) @IsOptional() @IsString() @MaxLength(1024) password?: string;
}

export class ListUsersQuery {
  @ApiPropertyOptional({ enum: Role }) @IsOptional() @IsEnum(Role, { message: ROLE_MESSAGE }) role?: Role;
  @ApiPropertyOptional({ default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit = 50;
  @ApiPropertyOptional({ default: 0, maximum: MAX_OFFSET }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_OFFSET) offset = 0;
}

export class UserView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiPropertyOptional({ nullable: true, format: 'uuid' }) schoolId!: string | null;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: Role }) role!: Role;
  @ApiProperty() createdAt!: string;

  static of(u: UserEntity): UserView {
    return { id: u.id, schoolId: u.schoolId, email: u.email, name: u.name, role: u.role, createdAt: u.createdAt.toISOString() };
  }
}

export class UserPageView {
  @ApiProperty({ type: [UserView] }) items!: UserView[];
  @ApiProperty() total!: number;
}
