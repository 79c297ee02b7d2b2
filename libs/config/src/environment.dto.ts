import { Transform } from 'class-transformer';
import { IsEnum, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateIf } from 'class-validator';
import { ProviderKind } from '@labfleet/contracts';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** Every environment variable Labfleet reads, validated once at boot (see README "Configuration"). */
export class EnvironmentDto {
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535)
  PORT?: number;

  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL!: string;

  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL!: string;

  @IsString() @MinLength(16, { message: 'LABFLEET_ADMIN_TOKEN must be at least 16 characters' })
  LABFLEET_ADMIN_TOKEN!: string;

  @IsOptional() @Matches(/^[a-z0-9][a-z0-9:_-]{0,40}$/, { message: 'REDIS_KEY_PREFIX must be letters, digits, colons, dashes or underscores' })
  REDIS_KEY_PREFIX?: string;

  @IsOptional() @IsEnum(ProviderKind, { message: `LAB_PROVIDER must be one of: ${Object.values(ProviderKind).join(', ')}` })
  LAB_PROVIDER?: ProviderKind;

  @IsOptional() @Matches(/^[a-z0-9][a-z0-9-]{0,30}$/, { message: 'LABFLEET_INSTANCE must be lowercase letters, digits and dashes (max 31)' })
  LABFLEET_INSTANCE?: string;

  @IsOptional() @IsString() @IsNotEmpty()
  DOCKER_HOST?: string;

  @IsOptional() @IsString() @IsNotEmpty()
  LAB_IMAGE?: string;

  @IsOptional() @IsIn(['privileged', 'capabilities'], { message: 'LAB_SECURITY_PROFILE must be privileged or capabilities' })
  LAB_SECURITY_PROFILE?: 'privileged' | 'capabilities';

  @IsOptional() @Transform(toInt) @IsInt() @Min(5) @Max(600)
  LAB_READY_TIMEOUT_SECONDS?: number;

  @IsOptional() @IsString() @IsNotEmpty()
  TEMPLATES_FILE?: string;

  @IsOptional() @IsIn(['push', 'proxy', 'off'], { message: 'REGISTRY_MODE must be push, proxy or off' })
  REGISTRY_MODE?: 'push' | 'proxy' | 'off';

  @IsOptional() @IsString() @IsNotEmpty()
  REGISTRY_IMAGE?: string;

  @IsOptional() @Matches(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,60}$/, { message: 'REGISTRY_NAME must be a container name' })
  REGISTRY_NAME?: string;

  @ValidateIf((env: EnvironmentDto) => (env.REGISTRY_MODE ?? 'push') === 'push')
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(65535)
  REGISTRY_HOST_PORT?: number;

  @ValidateIf((env: EnvironmentDto) => env.REGISTRY_MODE === 'proxy')
  @Matches(/^https?:\/\//, { message: 'REGISTRY_PROXY_URL must be an http(s) URL when REGISTRY_MODE=proxy' })
  REGISTRY_PROXY_URL?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100)
  WORKER_CONCURRENCY?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(3600)
  RECONCILE_INTERVAL_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(20)
  JOB_ATTEMPTS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(600000)
  JOB_BACKOFF_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(2000) @Max(600000)
  JOB_LOCK_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1024) @Max(64 * 1024 * 1024)
  EXEC_OUTPUT_LIMIT_BYTES?: number;

  @IsOptional() @IsIn(['json', 'pretty'], { message: 'LOG_FORMAT must be json or pretty' })
  LOG_FORMAT?: 'json' | 'pretty';
}
