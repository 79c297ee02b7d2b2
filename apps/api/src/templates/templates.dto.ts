import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { LabProvider, notOfferedReason, TEMPLATE_SCOPES, TemplateScope } from '@labfleet/domain';
import { SetupStepDto, StudentKubernetesDto } from '@labfleet/lab-lifecycle';
import type { TemplateEntity } from '@labfleet/persistence';

const nullable = ValidateIf((_: unknown, v: unknown) => v !== null);
const IMAGE = /^[a-z0-9][a-z0-9._\/-]{0,200}(:[\w][\w.-]{0,127})?$/;

/** A template's definition; on PATCH every field left out is kept, on POST it takes the default in `TEMPLATE_DEFAULTS`. */
export class TemplateChangeDto {
  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @IsString() @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ nullable: true, description: 'Lab node image; null: the platform lab image. Platform admins only.' })
  @nullable @IsOptional() @IsString() @MaxLength(300)
  image?: string | null;

  @ApiPropertyOptional({ minimum: 1, maximum: 20, description: 'Docker hosts in the lab (node1, node2, ...); at most TEMPLATE_MAX_NODES' })
  @IsOptional() @IsInt() @Min(1) @Max(20)
  nodes?: number;

  @ApiPropertyOptional({ description: 'CPUs per node; at most TEMPLATE_MAX_CPUS' }) @IsOptional() @IsNumber() @Min(0.1) @Max(64)
  cpus?: number;

  @ApiPropertyOptional({ description: 'Memory per node; at most TEMPLATE_MAX_MEMORY_MB' }) @IsOptional() @IsInt() @Min(128) @Max(262144)
  memoryMb?: number;

  @ApiPropertyOptional({ description: 'Processes per node; at most TEMPLATE_MAX_PIDS' }) @IsOptional() @IsInt() @Min(64) @Max(1_000_000)
  pidsLimit?: number;

  @ApiPropertyOptional({ nullable: true, description: 'Disk per node; at most TEMPLATE_MAX_DISK_MB' }) @nullable @IsOptional() @IsInt() @Min(512) @Max(1 << 20)
  diskMb?: number | null;

  @ApiPropertyOptional({ description: "A lab's life; at most TEMPLATE_MAX_TTL_SECONDS and, for a course's template, the course's maxTtlSeconds" })
  @IsOptional() @IsInt() @Min(60) @Max(7 * 86400)
  ttlSeconds?: number;

  @ApiPropertyOptional({ type: [String], example: ['mariadb:latest', 'wordpress:latest'], description: 'Docker Hub images the labs can pull through the platform mirror; checked when saved' })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @Matches(IMAGE, { each: true, message: 'images must be image references such as wordpress:6' })
  images?: string[];

  @ApiPropertyOptional({ description: 'CPUs admission counts a running lab (all nodes) as using' }) @IsOptional() @IsNumber() @Min(0) @Max(64)
  reservedCpus?: number;

  @ApiPropertyOptional({ description: 'Memory admission counts a running lab (all nodes) as using' }) @IsOptional() @IsInt() @Min(0) @Max(262144)
  reservedMemoryMb?: number;

  @ApiPropertyOptional({ type: [SetupStepDto], description: 'Commands run on the nodes, in order, before the lab is ready' })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => SetupStepDto)
  setup?: SetupStepDto[];

  @ApiPropertyOptional({ type: StudentKubernetesDto, nullable: true, description: 'A Kubernetes namespace per student (LAB_PROVIDER=kubernetes only)' })
  @nullable @IsOptional() @ValidateNested() @Type(() => StudentKubernetesDto)
  kubernetes?: StudentKubernetesDto | null;
}

export class CreateTemplateDto extends TemplateChangeDto {
  @ApiProperty({ example: 'wordpress', description: 'Unique among global templates and within a school (its school and course templates)' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'name must be lowercase letters, digits and dashes' })
  name!: string;

  @ApiProperty({ enum: TEMPLATE_SCOPES, description: "global: platform admins; school: the school's admins; course: the course's teachers and the school's admins" })
  @IsIn(TEMPLATE_SCOPES, { message: 'scope must be global, school or course' })
  scope!: TemplateScope;

  @ApiPropertyOptional({ format: 'uuid', description: 'The course (scope course)' }) @IsOptional() @IsUUID('all', { message: 'courseId must be a UUID' })
  courseId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "The school (scope school, platform admins; others: their own)" }) @IsOptional() @IsUUID('all', { message: 'schoolId must be a UUID' })
  schoolId?: string;
}

export class ListTemplatesQuery {
  @ApiPropertyOptional({ description: 'Retired templates too' })
  @IsOptional() @Transform(({ value }) => value === 'true' || value === true) @IsBoolean()
  retired?: boolean;
}

export class StudentKubernetesView {
  @ApiProperty({ example: 20 }) pods!: number;
  @ApiProperty({ example: 2 }) cpus!: number;
  @ApiProperty({ example: 2048 }) memoryMb!: number;
}

export class TemplateView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'docker' }) name!: string;
  @ApiProperty({ enum: TEMPLATE_SCOPES }) scope!: TemplateScope;
  @ApiPropertyOptional({ format: 'uuid', nullable: true }) schoolId!: string | null;
  @ApiPropertyOptional({ format: 'uuid', nullable: true }) courseId!: string | null;
  @ApiProperty({ description: 'Goes up with every edit; a lab keeps the version it was made of' }) version!: number;
  @ApiPropertyOptional({ nullable: true, description: 'Since when it makes no new labs' }) retiredAt!: string | null;
  @ApiProperty() description!: string;
  @ApiPropertyOptional({ nullable: true, description: 'Lab image; null means the platform lab image' }) image!: string | null;
  @ApiProperty() nodes!: number;
  @ApiProperty() cpus!: number;
  @ApiProperty() memoryMb!: number;
  @ApiProperty() pidsLimit!: number;
  @ApiPropertyOptional({ nullable: true }) diskMb!: number | null;
  @ApiProperty() ttlSeconds!: number;
  @ApiProperty({ type: [String], description: 'Images served to the lab by the platform registry' }) images!: string[];
  @ApiProperty({ description: 'CPUs admission counts a running lab as using' }) reservedCpus!: number;
  @ApiProperty({ description: 'Memory admission counts a running lab as using' }) reservedMemoryMb!: number;
  @ApiProperty({ description: 'Commands run on its nodes before the lab is ready', example: [{ node: 'node1', run: 'docker swarm init --advertise-addr eth0' }] }) setup!: { node: string; run: string; capture?: string }[];

  @ApiPropertyOptional({ type: StudentKubernetesView, nullable: true, description: "A Kubernetes namespace of the student's own, with this quota, and kubectl set up for it in the lab" })
  kubernetes!: StudentKubernetesView | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: "Why this installation's backend cannot make labs of this template; null when it can" })
  notOffered!: string | null;

  static of(t: TemplateEntity, provider: LabProvider): TemplateView {
    const { id, name, scope, schoolId, courseId, version, description, image, nodes, cpus, memoryMb, pidsLimit, diskMb, ttlSeconds, images, reservedCpus, reservedMemoryMb, setup, kubernetes } = t;
    return {
      id, name, scope, schoolId, courseId, version, retiredAt: t.retiredAt?.toISOString() ?? null,
      description, image, nodes, cpus, memoryMb, pidsLimit, diskMb, ttlSeconds, images, reservedCpus, reservedMemoryMb, setup, kubernetes,
      notOffered: notOfferedReason(t, provider),
    };
  }
}
