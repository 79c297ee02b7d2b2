import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsEnum, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { LAB_STATUSES, LabStatus, MAX_OFFSET } from '@labfleet/contracts';

export class ListLabsQuery {
  @ApiPropertyOptional({ description: 'Comma-separated statuses', example: 'pending,ready' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value))
  @IsEnum(LabStatus, { each: true, message: `status must be among: ${LAB_STATUSES.join(', ')}` })
  status?: LabStatus[];

  @ApiPropertyOptional({ format: 'uuid', description: 'Only labs of this course' })
  @IsOptional() @IsUUID('all', { message: 'course must be a UUID' })
  course?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only labs of this person' })
  @IsOptional() @IsUUID('all', { message: 'owner must be a UUID' })
  owner?: string;

  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 100 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit = 20;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: MAX_OFFSET })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_OFFSET)
  offset = 0;
}
