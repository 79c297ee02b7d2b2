import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Caller, InvalidInputError } from '@labfleet/domain';
import { ExercisesService, progressCsv } from '@labfleet/lab-lifecycle';
import { CurrentCaller } from '../auth/caller.decorator';
import { CourseId, ExerciseId } from '../common/id.pipe';
import { CreateExerciseDto, ExerciseView, ProgressGridView, ProgressQuery, UpdateExerciseDto } from './exercises.dto';

/** A course's exercises (teachers and school admins manage; students read, without the checks), its progress grid and its pack. */
@ApiTags('exercises')
@ApiBearerAuth()
@Controller('courses/:id')
export class ExercisesController {
  constructor(private readonly exercises: ExercisesService) {}

  @Get('exercises')
  @ApiOkResponse({ type: [ExerciseView], description: 'In order; checkScript and solution only for teachers and admins' })
  async list(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string): Promise<ExerciseView[]> {
    const { exercises, manager } = await this.exercises.list(caller, id);
    return exercises.map((e) => ExerciseView.of(e, manager));
  }

  @Post('exercises')
  @ApiCreatedResponse({ type: ExerciseView, description: 'Added after the last; 409 when the key is taken' })
  async create(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string, @Body() body: CreateExerciseDto): Promise<ExerciseView> {
    return ExerciseView.of(await this.exercises.create(caller, id, body.fields()), true);
  }

  @Get('exercises/:exerciseId')
  @ApiOkResponse({ type: ExerciseView })
  async get(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string, @Param('exerciseId', ExerciseId) exerciseId: string): Promise<ExerciseView> {
    const { exercise, manager } = await this.exercises.get(caller, id, exerciseId);
    return ExerciseView.of(exercise, manager);
  }

  @Patch('exercises/:exerciseId')
  @ApiOkResponse({ type: ExerciseView })
  async update(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string, @Param('exerciseId', ExerciseId) exerciseId: string, @Body() body: UpdateExerciseDto): Promise<ExerciseView> {
    const changes = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
    // @IsOptional lets null through: only these two may be cleared.
    const cleared = Object.keys(changes).find((k) => changes[k] === null && k !== 'template' && k !== 'solution');
    if (cleared) throw new InvalidInputError(`${cleared} cannot be null`);
    return ExerciseView.of(await this.exercises.update(caller, id, exerciseId, changes), true);
  }

  @Delete('exercises/:exerciseId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed, with its attempts and progress' })
  async remove(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string, @Param('exerciseId', ExerciseId) exerciseId: string): Promise<void> {
    await this.exercises.remove(caller, id, exerciseId);
  }

  @Get('progress')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: ProgressGridView, description: 'Each student\'s standing on each exercise; as CSV (one row per student and exercise) with format=csv or Accept: text/csv' })
  async progress(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string, @Query() query: ProgressQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    const grid = await this.exercises.grid(caller, id);
    if (query.format === 'csv' || (!query.format && req.accepts(['application/json', 'text/csv']) === 'text/csv')) {
      res.type('text/csv').setHeader('Content-Disposition', `attachment; filename="progress-${id}.csv"`);
      res.send(progressCsv(grid));
      return;
    }
    res.json(grid);
  }

  @Get('pack')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('application/yaml')
  @ApiOkResponse({ description: 'The course\'s exercises as one pack file (YAML, schema at GET /packs/schema)' })
  async exportPack(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string, @Res() res: Response): Promise<void> {
    const text = await this.exercises.exportPack(caller, id);
    res.type('application/yaml').setHeader('Content-Disposition', `attachment; filename="pack-${id}.yaml"`);
    res.send(text);
  }

  @Post('pack')
  @ApiConsumes('application/yaml', 'application/json')
  @ApiBody({ description: 'A pack (YAML or JSON) valid against GET /packs/schema', schema: { type: 'object' } })
  @ApiCreatedResponse({ type: [ExerciseView], description: 'The exercises added after the course\'s own; 400 names the bad field, 409 a key already used; nothing is added on any error' })
  async importPack(@CurrentCaller() caller: Caller, @Param('id', CourseId) id: string, @Body() body: unknown): Promise<ExerciseView[]> {
    return (await this.exercises.importPack(caller, id, body)).map((e) => ExerciseView.of(e, true));
  }
}
