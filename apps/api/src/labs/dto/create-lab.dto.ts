import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';

export class CreateLabDto {
  @ApiProperty({ example: 'docker', description: 'Name of a template from GET /api/v1/templates' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'template must be a template name (lowercase letters, digits, dashes)' })
  template!: string;
}
