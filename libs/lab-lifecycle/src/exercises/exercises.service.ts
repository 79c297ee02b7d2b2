import { Injectable } from '@nestjs/common';
import { CourseRole } from '@labfleet/contracts';
import { Caller, canManageCourse, canSeeCourse, ConflictError, ForbiddenError, NotFoundError } from '@labfleet/domain';
import { AuditRepository, CourseEntity, CourseRepository, ExerciseEntity, ExerciseRepository } from '@labfleet/persistence';
import { ExerciseFields, exerciseFromPack, exerciseToPack, ExercisePack, PACK_FORMAT, readPack, writePack } from './exercise-pack';
import { progressGrid, ProgressGrid } from './exercise-progress';

/** A course's exercises: its teachers (and school admins) manage them; its students read them, never their checks. */
@Injectable()
export class ExercisesService {
  constructor(
    private readonly courses: CourseRepository,
    private readonly exercises: ExerciseRepository,
    private readonly audit: AuditRepository,
  ) {}

  /** The course's exercises, and whether the caller may see their checks (teachers and admins). */
  async list(caller: Caller, courseId: string): Promise<{ exercises: ExerciseEntity[]; manager: boolean }> {
    const course = await this.visible(caller, courseId);
    return { exercises: await this.exercises.list(courseId), manager: canManageCourse(caller.principal, course) };
  }

  async get(caller: Caller, courseId: string, id: string): Promise<{ exercise: ExerciseEntity; manager: boolean }> {
    const course = await this.visible(caller, courseId);
    const exercise = await this.exercises.findInCourse(courseId, id);
    if (!exercise) throw new NotFoundError('exercise', id);
    return { exercise, manager: canManageCourse(caller.principal, course) };
  }

  async create(caller: Caller, courseId: string, fields: ExerciseFields): Promise<ExerciseEntity> {
    const course = await this.managed(caller, courseId);
    const [created] = await this.append(course, [fields]);
    await this.audit.log(caller, 'course.exercise-created', { type: 'course', id: courseId, schoolId: course.schoolId }, { exerciseId: created.id, key: created.key });
    return created;
  }

  async update(caller: Caller, courseId: string, id: string, changes: Partial<ExerciseFields & { position: number }>): Promise<ExerciseEntity> {
    const course = await this.managed(caller, courseId);
    const exercise = await this.exercises.findInCourse(courseId, id);
    if (!exercise) throw new NotFoundError('exercise', id);
    if (!(await this.exercises.update(exercise, changes))) throw new ConflictError(`the course already has an exercise with key '${changes.key}'`);
    await this.audit.log(caller, 'course.exercise-changed', { type: 'course', id: courseId, schoolId: course.schoolId }, { exerciseId: id, fields: Object.keys(changes) });
    return (await this.exercises.findInCourse(courseId, id))!;
  }

  async remove(caller: Caller, courseId: string, id: string): Promise<void> {
    const course = await this.managed(caller, courseId);
    if (!(await this.exercises.findInCourse(courseId, id))) throw new NotFoundError('exercise', id);
    await this.exercises.remove(id);
    await this.audit.log(caller, 'course.exercise-removed', { type: 'course', id: courseId, schoolId: course.schoolId }, { exerciseId: id });
  }

  /** Adds a pack's exercises after the course's own, all or none. */
  async importPack(caller: Caller, courseId: string, input: unknown): Promise<ExerciseEntity[]> {
    const course = await this.managed(caller, courseId);
    const pack = readPack(input);
    const created = await this.append(course, pack.exercises.map(exerciseFromPack));
    await this.audit.log(caller, 'course.pack-imported', { type: 'course', id: courseId, schoolId: course.schoolId }, { pack: pack.name, exercises: created.length });
    return created;
  }

  async exportPack(caller: Caller, courseId: string): Promise<string> {
    const course = await this.managed(caller, courseId);
    const exercises = await this.exercises.list(courseId);
    if (!exercises.length) throw new ConflictError('the course has no exercise to export');
    const name = course.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'course';
    const pack: ExercisePack = { format: PACK_FORMAT, name, title: course.name, exercises: exercises.map(exerciseToPack) };
    return writePack(readPack(pack));
  }

  /** Each student of the course, their standing on each exercise. */
  async grid(caller: Caller, courseId: string): Promise<ProgressGrid> {
    await this.managed(caller, courseId);
    const [exercises, members, rows] = await Promise.all([this.exercises.list(courseId), this.courses.members(courseId), this.exercises.progressOfCourse(courseId)]);
    const students = members.filter((m) => m.role === CourseRole.Student).map((m) => ({ userId: m.userId, email: m.user?.email ?? '', name: m.user?.name ?? '' }));
    return progressGrid(exercises, students, rows);
  }

  private async append(course: CourseEntity, fields: ExerciseFields[]): Promise<ExerciseEntity[]> {
    const result = await this.exercises.append(course.id, fields);
    if ('taken' in result) throw new ConflictError(`the course already has exercises with the keys ${result.taken.map((k) => `'${k}'`).join(', ')}; nothing was added`);
    return result.created;
  }

  private async visible(caller: Caller, courseId: string): Promise<CourseEntity> {
    const course = await this.courses.findById(courseId);
    if (!course || !canSeeCourse(caller.principal, course)) throw new NotFoundError('course', courseId);
    return course;
  }

  private async managed(caller: Caller, courseId: string): Promise<CourseEntity> {
    const course = await this.visible(caller, courseId);
    if (!canManageCourse(caller.principal, course)) throw new ForbiddenError("only the course's teachers and school admins may do this");
    return course;
  }
}
