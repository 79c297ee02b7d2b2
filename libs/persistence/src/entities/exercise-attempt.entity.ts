import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One run of an exercise's check in a student's lab, with what it said. */
@Entity('exercise_attempts')
export class ExerciseAttemptEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'exercise_id', type: 'uuid' }) exerciseId!: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId!: string;
  @Column({ name: 'lab_id', type: 'uuid' }) labId!: string;
  @Column({ type: 'boolean' }) passed!: boolean;
  @Column({ name: 'timed_out', type: 'boolean' }) timedOut!: boolean;
  @Column({ name: 'exit_code', type: 'int' }) exitCode!: number;
  @Column({ type: 'text' }) message!: string;
  @Column({ name: 'duration_ms', type: 'int' }) durationMs!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
