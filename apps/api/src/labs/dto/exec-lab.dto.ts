import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export class ExecLabDto {
  @ApiProperty({ example: ['docker', 'ps'], description: 'Program and arguments (no shell; use ["sh","-c","..."] for one)' })
  @IsArray()
  @ArrayMinSize(1, { message: 'command must name a program' })
  @ArrayMaxSize(256)
  @IsString({ each: true, message: 'command must be an array of strings' })
  @MaxLength(16384, { each: true })
  command!: string[];

  @ApiPropertyOptional({ example: 'node1', description: 'Node to run on; the first node by default' })
  @IsOptional()
  @Matches(/^node\d{1,2}$/, { message: 'node must look like node1, node2, ...' })
  node?: string;

  @ApiPropertyOptional({ example: 30, minimum: 1, maximum: 300, description: 'The command is killed after this many seconds (default 30)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(300)
  timeoutSeconds?: number;
}

export class ExecResultView {
  @ApiProperty() exitCode!: number;
  @ApiProperty() stdout!: string;
  @ApiProperty() stderr!: string;
  @ApiProperty({ description: 'True when output was cut at EXEC_OUTPUT_LIMIT_BYTES' }) truncated!: boolean;
  @ApiProperty({ description: 'True when the command was killed at its timeout' }) timedOut!: boolean;
  @ApiProperty() durationMs!: number;
}
