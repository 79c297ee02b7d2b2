import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';

export class SetupStepDto {
  @Matches(/^node\d{1,2}$/, { message: 'node must be node1, node2, ...' })
  node!: string;

  @IsString() @MaxLength(4000)
  run!: string;

  @IsOptional() @Matches(/^[a-zA-Z][\w-]{0,40}$/, { message: 'capture must be a name (letters, digits, - and _)' })
  capture?: string;
}

/** A Kubernetes namespace of the student's own: what its ResourceQuota allows. */
export class StudentKubernetesDto {
  @IsInt() @Min(1) @Max(500)
  pods!: number;

  @IsNumber() @Min(0.1) @Max(64)
  cpus!: number;

  @IsInt() @Min(64) @Max(262144)
  memoryMb!: number;
}

/** One template in the seed file (`TEMPLATES_FILE`). */
export class TemplateDefinitionDto {
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'name must be lowercase letters, digits and dashes' })
  name!: string;

  @IsOptional() @IsString() @MaxLength(500)
  description?: string;

  @IsOptional() @IsString()
  image?: string;

  @IsOptional() @IsInt() @Min(1) @Max(10)
  nodes?: number;

  @IsNumber() @Min(0.1) @Max(64)
  cpus!: number;

  @IsInt() @Min(128) @Max(262144)
  memoryMb!: number;

  @IsInt() @Min(64) @Max(1_000_000)
  pidsLimit!: number;

  @IsOptional() @IsInt() @Min(512)
  diskMb?: number;

  @IsInt() @Min(10) @Max(7 * 24 * 3600)
  ttlSeconds!: number;

  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true })
  images?: string[];

  /** What admission reserves per running lab (default 0.05 CPU, 128 MB): expected use, not the cap. */
  @IsOptional() @IsNumber() @Min(0) @Max(64)
  reservedCpus?: number;

  @IsOptional() @IsInt() @Min(0) @Max(262144)
  reservedMemoryMb?: number;

  /** Commands run on the nodes before the lab is ready (e.g. form a swarm), in order. */
  @IsOptional() @IsArray() @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => SetupStepDto)
  setup?: SetupStepDto[];

  /** A Kubernetes namespace per lab with a kubeconfig in the lab; only LAB_PROVIDER=kubernetes offers it. */
  @IsOptional() @ValidateNested() @Type(() => StudentKubernetesDto)
  kubernetes?: StudentKubernetesDto;
}

export class TemplateFileDto {
  @IsArray() @ValidateNested({ each: true }) @Type(() => TemplateDefinitionDto)
  templates!: TemplateDefinitionDto[];
}
