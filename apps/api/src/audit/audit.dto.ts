import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { MAX_OFFSET } from '@labfleet/contracts';

export class AuditQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID('all', { message: 'schoolId must be a UUID' }) schoolId?: string;
  @ApiPropertyOptional({ example: 'user.role-changed' }) @IsOptional() @IsString() @MaxLength(100) action?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID('all', { message: 'actorId must be a UUID' }) actorId?: string;
  @ApiPropertyOptional() @IsOptional() @IsDateString({}, { message: 'since must be an ISO 8601 date' }) since?: string;
  @ApiPropertyOptional({ default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit = 50;
  @ApiPropertyOptional({ default: 0, maximum: MAX_OFFSET }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_OFFSET) offset = 0;
}
