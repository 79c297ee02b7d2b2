import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Caller } from '@labfleet/domain';
import { ExerciseChecksService } from '@labfleet/lab-lifecycle';
import { CurrentCaller } from '../auth/caller.decorator';
import { ExerciseId, LabId } from '../common/id.pipe';
import { CheckResultView, ExerciseView } from './exercises.dto';

/** The exercises beside a lab's terminal, and their checks, run in the student's own lab. */
@ApiTags('exercises')
@ApiBearerAuth()
@Controller('labs/:id/exercises')
export class LabExercisesController {
  constructor(private readonly checks: ExerciseChecksService) {}

  @Get()
  @ApiOkResponse({ type: [ExerciseView], description: 'The exercises of the lab\'s course (no checks), with the lab owner\'s progress' })
  async list(@CurrentCaller() caller: Caller, @Param('id', LabId) id: string): Promise<ExerciseView[]> {
    const { exercises, progress } = await this.checks.ofLab(caller, id);
    return exercises.map((e) => ExerciseView.of(e, false, progress.find((p) => p.exerciseId === e.id) ?? null));
  }

  @Post(':exerciseId/check')
  @HttpCode(200)
  @ApiOkResponse({
    type: CheckResultView,
    description: 'Runs the check in your own lab (403 in someone else\'s). 409: the lab is not ready or not of the exercise\'s template; 429: a check is already running in this lab, or too many checks this minute',
  })
  async check(@CurrentCaller() caller: Caller, @Param('id', LabId) id: string, @Param('exerciseId', ExerciseId) exerciseId: string): Promise<CheckResultView> {
    const r = await this.checks.check(caller, id, exerciseId);
    return { ...r, firstPassedAt: r.firstPassedAt?.toISOString() ?? null };
  }
}
