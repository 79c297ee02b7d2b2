import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import type { SchoolCapsReport } from '@labfleet/accounts';
import { TEMPLATE_SCOPES, TemplateScope } from '@labfleet/domain';

const nullable = ValidateIf((_: unknown, v: unknown) => v !== null);
const CAP = 'null: only the platform cap applies';

/** A school's caps on one lab; each left out is kept, null clears it. Each at most the platform's (`TEMPLATE_MAX_*`). */
export class SchoolCapsDto {
  @ApiPropertyOptional({ nullable: true, minimum: 1, maximum: 20, description: `Nodes per lab; at most TEMPLATE_MAX_NODES; ${CAP}` })
  @nullable @IsOptional() @IsInt() @Min(1) @Max(20)
  nodes?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 0.1, maximum: 64, description: `CPUs per node; at most TEMPLATE_MAX_CPUS; ${CAP}` })
  @nullable @IsOptional() @IsNumber({ maxDecimalPlaces: 2 }) @Min(0.1) @Max(64)
  cpus?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 128, maximum: 262144, description: `Memory per node, MB; at most TEMPLATE_MAX_MEMORY_MB; ${CAP}` })
  @nullable @IsOptional() @IsInt() @Min(128) @Max(262144)
  memoryMb?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 64, maximum: 1_000_000, description: `Processes per node; at most TEMPLATE_MAX_PIDS; ${CAP}` })
  @nullable @IsOptional() @IsInt() @Min(64) @Max(1_000_000)
  pidsLimit?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 512, maximum: 1 << 20, description: `Disk per node, MB; at most TEMPLATE_MAX_DISK_MB; ${CAP}` })
  @nullable @IsOptional() @IsInt() @Min(512) @Max(1 << 20)
  diskMb?: number | null;

  @ApiPropertyOptional({ nullable: true, minimum: 60, maximum: 7 * 86400, description: `A lab's life, s; at most TEMPLATE_MAX_TTL_SECONDS; ${CAP}` })
  @nullable @IsOptional() @IsInt() @Min(60) @Max(7 * 86400)
  ttlSeconds?: number | null;
}

export class SchoolCapsValues {
  @ApiPropertyOptional({ nullable: true, type: Number }) nodes!: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) cpus!: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) memoryMb!: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) pidsLimit!: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) diskMb!: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) ttlSeconds!: number | null;
}

export class PlatformCapsValues {
  @ApiProperty() nodes!: number;
  @ApiProperty() cpus!: number;
  @ApiProperty() memoryMb!: number;
  @ApiProperty() pidsLimit!: number;
  @ApiProperty() diskMb!: number;
  @ApiProperty() ttlSeconds!: number;
}

export class CapProblemView {
  @ApiProperty({ example: 'cpus' }) field!: string;
  @ApiProperty({ description: 'What the template asks for' }) asked!: number;
  @ApiProperty({ description: "The school's cap" }) cap!: number;
  @ApiProperty() message!: string;
}

export class TemplateOverCapsView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: TEMPLATE_SCOPES }) scope!: TemplateScope;
  @ApiPropertyOptional({ format: 'uuid', nullable: true }) courseId!: string | null;
  @ApiProperty({ type: [CapProblemView] }) problems!: CapProblemView[];
}

export class SchoolCapsView {
  @ApiProperty({ format: 'uuid' }) schoolId!: string;
  @ApiProperty({ type: SchoolCapsValues, description: 'What one lab of the school may ask for; null: the platform cap' }) caps!: SchoolCapsValues;
  @ApiProperty({ type: PlatformCapsValues, description: 'The platform caps (TEMPLATE_MAX_*), which bound every school' }) platform!: PlatformCapsValues;
  @ApiProperty({ type: [TemplateOverCapsView], description: 'Templates usable in the school that ask for more than its caps: new labs of them are refused (409), running ones go on' })
  exceeding!: TemplateOverCapsView[];

  static of(r: SchoolCapsReport): SchoolCapsView {
    return {
      schoolId: r.schoolId,
      caps: { ...r.caps },
      platform: { ...r.platform },
      exceeding: r.exceeding.map(({ template: t, problems }) => ({
        id: t.id,
        name: t.name,
        scope: t.scope,
        courseId: t.courseId,
        problems: problems.map(({ field, asked, cap, message }) => ({ field, asked, cap, message })),
      })),
    };
  }
}
