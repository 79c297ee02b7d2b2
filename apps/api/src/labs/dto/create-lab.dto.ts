import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';

export class CreateLabDto {
  @ApiProperty({ example: 'docker', description: 'Name of a template from GET /api/v1/templates' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'template must be a template name (lowercase letters, digits, dashes)' })
  template!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'One of your courses (required, except for platform admins)' })
  @IsOptional()
  @IsUUID('all', { message: 'course must be the id (UUID) of one of your courses' })
  course?: string;

  @ApiPropertyOptional({ description: "Seconds the lab should live; default the template's TTL, capped by the course" })
  @IsOptional() @IsInt() @Min(60) @Max(30 * 86400)
  ttlSeconds?: number;
}

export class ExtendLabDto {
  @ApiProperty({ description: 'Seconds to add to the lab\'s life', minimum: 60, maximum: 86400 })
  @IsInt() @Min(60) @Max(86400)
  seconds!: number;
}
