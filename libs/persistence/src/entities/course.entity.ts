import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { CoursePolicy } from '@labfleet/domain';

/** A course of a school, with the limits its teachers set (see `CoursePolicy`). */
@Entity('courses')
export class CourseEntity implements CoursePolicy {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index('idx_courses_school_id')
  @Column({ name: 'school_id', type: 'uuid' }) schoolId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'allowed_templates', type: 'jsonb', nullable: true }) allowedTemplates!: string[] | null;
  @Column({ name: 'max_concurrent_labs', type: 'int', nullable: true }) maxConcurrentLabs!: number | null;
  @Column({ name: 'labs_per_student', type: 'int', default: 1 }) labsPerStudent!: number;
  @Column({ name: 'max_ttl_seconds', type: 'int', nullable: true }) maxTtlSeconds!: number | null;
  @Column({ name: 'weekly_minutes_per_student', type: 'int', nullable: true }) weeklyMinutesPerStudent!: number | null;
  @Column({ name: 'idle_limit_seconds', type: 'int', nullable: true }) idleLimitSeconds!: number | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
