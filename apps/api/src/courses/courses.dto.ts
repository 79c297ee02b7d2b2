import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsDateString, IsEnum, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { CourseRole } from '@labfleet/contracts';
import type { CourseEntity, MembershipEntity } from '@labfleet/persistence';

const nullable = ValidateIf((_: unknown, v: unknown) => v !== null);

/** The limits of a course; each may be left out to keep it, or null for "no limit". */
export class CoursePolicyDto {
  @ApiPropertyOptional({ type: [String], nullable: true, description: 'Template names students may start; null allows all' })
  @nullable @IsOptional() @IsArray() @ArrayMaxSize(100) @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { each: true, message: 'allowedTemplates must be template names' })
  allowedTemplates?: string[] | null;

  @ApiPropertyOptional({ nullable: true, description: 'Running labs in the whole course at once' })
  @nullable @IsOptional() @IsInt() @Min(0) @Max(100000)
  maxConcurrentLabs?: number | null;

  @ApiPropertyOptional({ description: 'Running labs per student at once (default 1)' })
  @IsOptional() @IsInt() @Min(0) @Max(100)
  labsPerStudent?: number;

  @ApiPropertyOptional({ nullable: true, description: 'Longest life of a lab, extensions included, in seconds' })
  @nullable @IsOptional() @IsInt() @Min(60) @Max(30 * 86400)
  maxTtlSeconds?: number | null;

  @ApiPropertyOptional({ nullable: true, description: 'Lab-minutes per student per week (Monday 00:00 UTC)' })
  @nullable @IsOptional() @IsInt() @Min(0) @Max(10080)
  weeklyMinutesPerStudent?: number | null;

  @ApiPropertyOptional({ nullable: true, description: 'Seconds a ready lab may go without terminal input, exec, file transfer or port traffic before it is warned, then stopped (`idle-stopped`); at least IDLE_LIMIT_MIN_SECONDS (600 by default), at most 7 days; null: never' })
  @nullable @IsOptional() @IsInt() @Min(1) @Max(7 * 86400)
  idleLimitSeconds?: number | null;
}

export class CreateCourseDto extends CoursePolicyDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('all', { message: 'schoolId must be a UUID' }) schoolId!: string;
  @ApiProperty({ example: 'Docker 101' }) @IsString() @MinLength(1) @MaxLength(200) name!: string;
}

export class ListCoursesQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Platform admins: only this school' }) @IsOptional() @IsUUID('all', { message: 'schoolId must be a UUID' }) schoolId?: string;
}

export class CourseView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) schoolId!: string;
  @ApiProperty() name!: string;
  @ApiPropertyOptional({ type: [String], nullable: true }) allowedTemplates!: string[] | null;
  @ApiPropertyOptional({ nullable: true }) maxConcurrentLabs!: number | null;
  @ApiProperty() labsPerStudent!: number;
  @ApiPropertyOptional({ nullable: true }) maxTtlSeconds!: number | null;
  @ApiPropertyOptional({ nullable: true }) weeklyMinutesPerStudent!: number | null;
  @ApiPropertyOptional({ nullable: true }) idleLimitSeconds!: number | null;

  static of(c: CourseEntity): CourseView {
    const { id, schoolId, name, allowedTemplates, maxConcurrentLabs, labsPerStudent, maxTtlSeconds, weeklyMinutesPerStudent, idleLimitSeconds } = c;
    return { id, schoolId, name, allowedTemplates, maxConcurrentLabs, labsPerStudent, maxTtlSeconds, weeklyMinutesPerStudent, idleLimitSeconds };
  }
}

export class SetMemberDto {
  @ApiProperty({ enum: CourseRole }) @IsEnum(CourseRole, { message: 'role must be teacher or student' }) role!: CourseRole;
}

export class MemberView {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: CourseRole }) role!: CourseRole;

  static of(m: MembershipEntity): MemberView {
    return { userId: m.userId, email: m.user?.email ?? '', name: m.user?.name ?? '', role: m.role };
  }
}

export class RosterLineView {
  @ApiProperty() line!: number;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: ['created', 'existing', 'rejected'] }) outcome!: string;
  @ApiPropertyOptional({ format: 'uuid' }) userId?: string;
  @ApiPropertyOptional() reason?: string;
}

export class RosterResultView {
  @ApiProperty({ type: [RosterLineView] }) created!: RosterLineView[];
  @ApiProperty({ type: [RosterLineView] }) existing!: RosterLineView[];
  @ApiProperty({ type: [RosterLineView] }) rejected!: RosterLineView[];
}

export class GrantMinutesDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('all', { message: 'userId must be a UUID' }) userId!: string;
  @ApiProperty({ minimum: 1, maximum: 10080 }) @IsInt() @Min(1) @Max(10080) minutes!: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class UsageQuery {
  @ApiPropertyOptional({ description: 'Start (ISO 8601); default: this week\'s Monday 00:00 UTC' }) @IsOptional() @IsDateString({}, { message: 'from must be an ISO 8601 date' }) from?: string;
  @ApiPropertyOptional({ description: 'End (ISO 8601), exclusive; default: a week after from' }) @IsOptional() @IsDateString({}, { message: 'to must be an ISO 8601 date' }) to?: string;
  @ApiPropertyOptional({ enum: ['json', 'csv'], description: 'Or send Accept: text/csv' }) @IsOptional() @IsIn(['json', 'csv'], { message: 'format must be json or csv' }) format?: 'json' | 'csv';
}

export class UsagePersonView {
  @ApiPropertyOptional({ nullable: true, format: 'uuid' }) userId!: string | null;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiPropertyOptional({ nullable: true, enum: CourseRole }) role!: CourseRole | null;
  @ApiProperty({ description: 'Labs that ran in the period' }) labs!: number;
  @ApiProperty({ description: 'Lab-minutes (ready until stopped) in the period' }) minutes!: number;
}

export class UsageView {
  @ApiProperty({ format: 'uuid' }) courseId!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ type: [UsagePersonView] }) people!: UsagePersonView[];
}
