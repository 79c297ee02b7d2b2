import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ExerciseAttemptEntity, ExerciseEntity, ExerciseProgressEntity } from '../entities';

export type NewExercise = Omit<ExerciseEntity, 'id' | 'courseId' | 'position' | 'createdAt' | 'updatedAt'>;
export type NewAttempt = Omit<ExerciseAttemptEntity, 'id' | 'createdAt'>;

@Injectable()
export class ExerciseRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  list(courseId: string): Promise<ExerciseEntity[]> {
    return this.db.getRepository(ExerciseEntity).find({ where: { courseId }, order: { position: 'ASC', createdAt: 'ASC' } });
  }

  findInCourse(courseId: string, id: string): Promise<ExerciseEntity | null> {
    return this.db.getRepository(ExerciseEntity).findOneBy({ courseId, id });
  }

  /**
   * Appends exercises after the course's last, all or none (one transaction; the course row is
   * locked so two imports do not take the same positions). Returns the keys already in the course
   * instead of inserting anything when one is reused.
   */
  async append(courseId: string, exercises: readonly NewExercise[]): Promise<{ created: ExerciseEntity[] } | { taken: string[] }> {
    return this.db.transaction(async (em) => {
      await em.query(`SELECT 1 FROM "courses" WHERE "id" = $1 FOR UPDATE`, [courseId]);
      const existing = await em.getRepository(ExerciseEntity).find({ where: { courseId }, select: { key: true, position: true } });
      const keys = new Set(existing.map((e) => e.key));
      const taken = exercises.map((e) => e.key).filter((k) => keys.has(k));
      if (taken.length) return { taken };
      const start = existing.reduce((max, e) => Math.max(max, e.position), 0) + 1;
      const rows = exercises.map((e, i) => em.getRepository(ExerciseEntity).create({ ...e, courseId, position: start + i }));
      return { created: await em.getRepository(ExerciseEntity).save(rows) };
    });
  }

  /** False when the key is taken by another exercise of the course. */
  async update(exercise: ExerciseEntity, changes: Partial<NewExercise & { position: number }>): Promise<boolean> {
    if (changes.key && changes.key !== exercise.key && (await this.db.getRepository(ExerciseEntity).existsBy({ courseId: exercise.courseId, key: changes.key }))) return false;
    await this.db.getRepository(ExerciseEntity).update({ id: exercise.id }, changes);
    return true;
  }

  async remove(id: string): Promise<void> {
    await this.db.getRepository(ExerciseEntity).delete({ id });
  }

  /** Records a check run and updates the student's standing in one transaction; returns that standing. */
  recordAttempt(attempt: NewAttempt): Promise<ExerciseProgressEntity> {
    return this.db.transaction(async (em) => {
      await em.getRepository(ExerciseAttemptEntity).insert(attempt);
      const [row] = (await em.query(
        `INSERT INTO "exercise_progress" ("exercise_id", "user_id", "attempts", "last_attempt_at", "first_passed_at")
         VALUES ($1, $2, 1, now(), CASE WHEN $3::boolean THEN now() END)
         ON CONFLICT ("exercise_id", "user_id") DO UPDATE SET
           "attempts" = "exercise_progress"."attempts" + 1,
           "last_attempt_at" = now(),
           "first_passed_at" = COALESCE("exercise_progress"."first_passed_at", EXCLUDED."first_passed_at")
         RETURNING "attempts", "last_attempt_at", "first_passed_at"`,
        [attempt.exerciseId, attempt.userId, attempt.passed],
      )) as { attempts: number; last_attempt_at: Date; first_passed_at: Date | null }[];
      return { exerciseId: attempt.exerciseId, userId: attempt.userId, attempts: row.attempts, lastAttemptAt: row.last_attempt_at, firstPassedAt: row.first_passed_at };
    });
  }

  /** Every student's standing on the course's exercises (rows exist only for exercises tried). */
  progressOfCourse(courseId: string, userId?: string): Promise<ExerciseProgressEntity[]> {
    const query = this.db
      .getRepository(ExerciseProgressEntity)
      .createQueryBuilder('p')
      .innerJoin(ExerciseEntity, 'e', 'e.id = p.exercise_id')
      .where('e.course_id = :courseId', { courseId });
    if (userId) query.andWhere('p.user_id = :userId', { userId });
    return query.getMany();
  }
}
