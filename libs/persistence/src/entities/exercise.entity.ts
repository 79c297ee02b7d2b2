import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** One exercise of a course: what students read, and the check (never shown to them) that says whether it is done. */
@Entity('exercises')
export class ExerciseEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'course_id', type: 'uuid' }) courseId!: string;
  @Column({ type: 'int' }) position!: number;
  /** Stable name within the course (packs refer to exercises by it). */
  @Column({ type: 'text' }) key!: string;
  @Column({ type: 'text' }) title!: string;
  /** Markdown. */
  @Column({ type: 'text' }) instructions!: string;
  @Column({ type: 'jsonb', default: () => `'[]'` }) hints!: string[];
  /** The template whose labs the exercise is made for; null: any. */
  @Column({ type: 'text', nullable: true }) template!: string | null;
  @Column({ name: 'check_node', type: 'text', default: 'node1' }) checkNode!: string;
  @Column({ name: 'check_script', type: 'text' }) checkScript!: string;
  @Column({ name: 'check_timeout_seconds', type: 'int' }) checkTimeoutSeconds!: number;
  /** Commands that make the check pass, for teachers (and the pack's own tests). */
  @Column({ type: 'text', nullable: true }) solution!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
