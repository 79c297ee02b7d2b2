import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsObject, IsOptional, IsString, Matches, Max, Min, ValidateIf, ValidateNested } from 'class-validator';

export class SetPoolDto {
  @ApiProperty({ description: 'Idle labs kept ready', minimum: 0, maximum: 1000 }) @IsInt() @Min(0) @Max(1000) min!: number;
  @ApiPropertyOptional({ nullable: true, description: 'All live labs of the template at most (null: no cap but capacity)' })
  @ValidateIf((_, v) => v !== null) @IsOptional() @IsInt() @Min(0) @Max(100000)
  max?: number | null;
}

class ResourcesView {
  @ApiProperty() cpus!: number;
  @ApiProperty() memoryMb!: number;
}

export class PoolView {
  @ApiProperty() template!: string;
  @ApiProperty() minIdle!: number;
  @ApiPropertyOptional({ nullable: true }) maxTotal!: number | null;
  @ApiProperty({ description: 'Idle labs wanted now' }) target!: number;
  @ApiProperty({ description: 'Labs the timetable asks for now (sessions under way or within the lead time)' }) scheduled!: number;
  @ApiProperty() idle!: number;
  @ApiProperty({ description: 'Pool labs being provisioned' }) warming!: number;
  @ApiProperty({ description: 'Live labs of this template that belong to someone' }) claimed!: number;
  @ApiProperty() failedLastDay!: number;
}

export class PoolsView {
  @ApiProperty({ type: [PoolView] }) pools!: PoolView[];
  @ApiProperty({ type: ResourcesView }) capacity!: ResourcesView;
  @ApiProperty({ type: ResourcesView }) reserved!: ResourcesView;
  @ApiProperty({ type: ResourcesView, description: 'Capacity left' }) free!: ResourcesView;
  @ApiProperty({ description: 'Lab requests waiting for capacity' }) waiting!: number;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export class SlotDto {
  @ApiProperty({ minimum: 1, maximum: 7, description: 'ISO weekday: 1 = Monday' }) @IsInt() @Min(1) @Max(7) weekday!: number;
  @ApiProperty({ example: '08:30' }) @Matches(HHMM, { message: 'start must be HH:MM' }) start!: string;
  @ApiProperty({ example: '10:30' }) @Matches(HHMM, { message: 'end must be HH:MM' }) end!: string;
  @ApiProperty({ minimum: 0, maximum: 1000 }) @IsInt() @Min(0) @Max(1000) expectedStudents!: number;
  @ApiProperty({ example: 'docker' }) @IsString() template!: string;
}

export class TimetableDto {
  // IsObject: ValidateNested passes an element that is itself an array ([[]]), which reached the service.
  @ApiProperty({ type: [SlotDto] }) @IsArray() @ArrayMaxSize(200) @IsObject({ each: true, message: 'slots must be a list of slot objects' }) @ValidateNested({ each: true }) @Type(() => SlotDto) slots!: SlotDto[];
}
