import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { EXERCISE_LIMITS as L, ExerciseFields, GridCell, GridLine } from '@labfleet/lab-lifecycle';
import type { ExerciseEntity, ExerciseProgressEntity } from '@labfleet/persistence';

const nullable = ValidateIf((_: unknown, v: unknown) => v !== null);

/** An exercise as a teacher writes it (the pack format's fields, flat). */
export class CreateExerciseDto {
  @ApiProperty({ example: 'nginx-8080', description: 'Unique within the course' }) @Matches(new RegExp(L.key), { message: 'key must be lower-case letters, digits and dashes' }) key!: string;
  @ApiProperty({ example: 'Run nginx on port 8080' }) @IsString() @MinLength(1) @MaxLength(L.titleLength) title!: string;
  @ApiProperty({ description: 'Markdown' }) @IsString() @MinLength(1) @MaxLength(L.instructionsLength) instructions!: string;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @ArrayMaxSize(L.hints) @IsString({ each: true }) @MinLength(1, { each: true }) @MaxLength(L.hintLength, { each: true }) hints?: string[];
  @ApiPropertyOptional({ nullable: true, example: 'swarm-3', description: 'The template whose labs the exercise needs; null: any' })
  @nullable @IsOptional() @Matches(new RegExp(L.template), { message: 'template must be a template name' }) template?: string | null;
  @ApiPropertyOptional({ example: 'node1', description: 'The node the check runs on (default node1)' }) @IsOptional() @Matches(new RegExp(L.node), { message: 'checkNode must look like node1, node2, ...' }) checkNode?: string;
  @ApiProperty({ description: 'bash, run in the student\'s lab at check time (never stored there): exit 0 = done; its output is the message shown' })
  @IsString() @MinLength(1) @MaxLength(L.scriptLength) checkScript!: string;
  @ApiPropertyOptional({ minimum: L.timeoutSeconds.min, maximum: L.timeoutSeconds.max, description: `The check is cut after this long (default ${L.timeoutSeconds.default})` })
  @IsOptional() @IsInt() @Min(L.timeoutSeconds.min) @Max(L.timeoutSeconds.max) checkTimeoutSeconds?: number;
  @ApiPropertyOptional({ nullable: true, description: 'Commands that make the check pass (teachers only)' }) @nullable @IsOptional() @IsString() @MaxLength(L.scriptLength) solution?: string | null;

  fields(): ExerciseFields {
    return {
      key: this.key,
      title: this.title,
      instructions: this.instructions,
      hints: this.hints ?? [],
      template: this.template ?? null,
      checkNode: this.checkNode ?? 'node1',
      checkScript: this.checkScript,
      checkTimeoutSeconds: this.checkTimeoutSeconds ?? L.timeoutSeconds.default,
      solution: this.solution ?? null,
    };
  }
}

export class UpdateExerciseDto extends PartialType(CreateExerciseDto) {
  @ApiPropertyOptional({ description: 'Place in the course (exercises are listed by it)' }) @IsOptional() @IsInt() @Min(1) @Max(10000) position?: number;
}

export class ProgressView {
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional({ nullable: true, format: 'date-time' }) firstPassedAt!: string | null;
}

/** What students see: no check, no solution. */
export class ExerciseView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() position!: number;
  @ApiProperty() key!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ description: 'Markdown' }) instructions!: string;
  @ApiProperty({ type: [String] }) hints!: string[];
  @ApiPropertyOptional({ nullable: true }) template!: string | null;
  @ApiProperty() checkNode!: string;
  @ApiProperty() checkTimeoutSeconds!: number;
  @ApiPropertyOptional({ type: ProgressView, description: 'On GET /labs/{id}/exercises: the lab owner\'s standing' }) progress?: ProgressView;
  @ApiPropertyOptional({ description: 'Teachers and admins only' }) checkScript?: string;
  @ApiPropertyOptional({ nullable: true, description: 'Teachers and admins only' }) solution?: string | null;

  static of(e: ExerciseEntity, manager: boolean, progress?: ExerciseProgressEntity | null): ExerciseView {
    const { id, position, key, title, instructions, hints, template, checkNode, checkTimeoutSeconds } = e;
    return {
      id, position, key, title, instructions, hints, template, checkNode, checkTimeoutSeconds,
      ...(progress !== undefined ? { progress: { attempts: progress?.attempts ?? 0, firstPassedAt: progress?.firstPassedAt?.toISOString() ?? null } } : {}),
      ...(manager ? { checkScript: e.checkScript, solution: e.solution } : {}),
    };
  }
}

export class CheckResultView {
  @ApiProperty({ format: 'uuid' }) exerciseId!: string;
  @ApiProperty({ description: 'The check exited 0 within its timeout' }) passed!: boolean;
  @ApiProperty({ description: 'The check was cut at its timeout (and so did not pass)' }) timedOut!: boolean;
  @ApiProperty() exitCode!: number;
  @ApiProperty({ description: 'The check\'s output (its last 2000 characters), or why it said nothing' }) message!: string;
  @ApiProperty() durationMs!: number;
  @ApiProperty({ description: 'Checks of this exercise the student has run, this one included' }) attempts!: number;
  @ApiPropertyOptional({ nullable: true, format: 'date-time' }) firstPassedAt!: string | null;
}

export class GridExerciseView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() title!: string;
}

export class GridCellView implements GridCell {
  @ApiProperty({ format: 'uuid' }) exerciseId!: string;
  @ApiProperty({ enum: ['done', 'tried', 'not-started'] }) state!: GridCell['state'];
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional({ nullable: true, format: 'date-time' }) firstPassedAt!: string | null;
}

export class GridLineView implements GridLine {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty() email!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Exercises done' }) done!: number;
  @ApiProperty({ type: [GridCellView], description: 'One per exercise, in the course\'s order' }) cells!: GridCellView[];
}

export class ProgressGridView {
  @ApiProperty({ type: [GridExerciseView] }) exercises!: GridExerciseView[];
  @ApiProperty({ type: [GridLineView] }) students!: GridLineView[];
}

export class ProgressQuery {
  @ApiPropertyOptional({ enum: ['json', 'csv'], description: 'Or send Accept: text/csv' }) @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
}

export class PackSummaryView {
  @ApiProperty() name!: string;
  @ApiProperty() title!: string;
  @ApiPropertyOptional() description?: string;
  @ApiProperty() exercises!: number;
}
