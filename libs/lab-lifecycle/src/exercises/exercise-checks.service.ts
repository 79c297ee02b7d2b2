import { Inject, Injectable } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { LabStatus } from '@labfleet/contracts';
import { Caller, checkCommand, ConflictError, ForbiddenError, LAB_PROVIDER, LabProvider, NotFoundError } from '@labfleet/domain';
import { ExerciseEntity, ExerciseProgressEntity, ExerciseRepository, LabEntity } from '@labfleet/persistence';
import { RateLimiter } from '@labfleet/queue';
import { LabsService } from '../labs.service';
import { checkOutcome, CheckOutcome } from './check-outcome';

export interface ExerciseCheckResult extends CheckOutcome {
  readonly exerciseId: string;
  readonly attempts: number;
  readonly firstPassedAt: Date | null;
}

/** Runs an exercise's check in the caller's own lab and records the attempt. */
@Injectable()
export class ExerciseChecksService {
  constructor(
    private readonly labs: LabsService,
    private readonly exercises: ExerciseRepository,
    private readonly limiter: RateLimiter,
    private readonly config: LabfleetConfig,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  /** The exercises of the lab's course, and its owner's standing on each. */
  async ofLab(caller: Caller, labId: string): Promise<{ lab: LabEntity; exercises: ExerciseEntity[]; progress: ExerciseProgressEntity[] }> {
    const lab = await this.labs.get(caller, labId);
    if (!lab.courseId) return { lab, exercises: [], progress: [] };
    const [exercises, progress] = await Promise.all([this.exercises.list(lab.courseId), lab.ownerId ? this.exercises.progressOfCourse(lab.courseId, lab.ownerId) : []]);
    return { lab, exercises, progress };
  }

  async check(caller: Caller, labId: string, exerciseId: string): Promise<ExerciseCheckResult> {
    const lab = await this.labs.get(caller, labId);
    const userId = caller.principal.userId;
    if (!userId || lab.ownerId !== userId) throw new ForbiddenError('checks run only in your own lab');
    const exercise = lab.courseId ? await this.exercises.findInCourse(lab.courseId, exerciseId) : null;
    if (!exercise) throw new NotFoundError('exercise of this lab\'s course', exerciseId);
    if (lab.status !== LabStatus.Ready) throw new ConflictError(`lab ${labId} is ${lab.status}; checks run only in a ready lab`);
    const template = lab.template?.name;
    if (exercise.template && template !== exercise.template) {
      throw new ConflictError(`this exercise needs a lab of the '${exercise.template}' template; this lab is '${template}'`);
    }
    if (!lab.nodes?.some((n) => n.name === exercise.checkNode)) throw new ConflictError(`this exercise's check runs on ${exercise.checkNode}, which this lab does not have`);

    // A student clicking again and again, or a script, cannot keep the lab's daemon busy.
    await this.limiter.consume(`checks:lab:${labId}`, this.config.rateLimits.checksPerLab, 'checks in this lab');
    const release = await this.limiter.holdAlone(`check:lab:${labId}`, (exercise.checkTimeoutSeconds + 10) * 1000, 'a check in this lab');
    let outcome: CheckOutcome;
    try {
      const result = await this.provider.exec(labId, { node: exercise.checkNode, command: checkCommand(exercise.checkScript), stdin: exercise.checkScript, timeoutMs: exercise.checkTimeoutSeconds * 1000 });
      outcome = checkOutcome(result, exercise.checkTimeoutSeconds);
    } finally {
      await release();
    }
    const progress = await this.exercises.recordAttempt({ exerciseId, userId, labId, ...outcome });
    return { exerciseId, ...outcome, attempts: progress.attempts, firstPassedAt: progress.firstPassedAt };
  }
}
