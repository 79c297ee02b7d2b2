import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One student's standing on one exercise: how many checks they ran, and when one first passed. */
@Entity('exercise_progress')
export class ExerciseProgressEntity {
  @PrimaryColumn({ name: 'exercise_id', type: 'uuid' }) exerciseId!: string;
  @PrimaryColumn({ name: 'user_id', type: 'uuid' }) userId!: string;
  @Column({ type: 'int' }) attempts!: number;
  @Column({ name: 'last_attempt_at', type: 'timestamptz' }) lastAttemptAt!: Date;
  @Column({ name: 'first_passed_at', type: 'timestamptz', nullable: true }) firstPassedAt!: Date | null;
}
