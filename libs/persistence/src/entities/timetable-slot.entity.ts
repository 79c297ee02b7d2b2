import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TemplateEntity } from './template.entity';

/** A weekly class session, in the school's time zone: the pool pre-warms for it. */
@Entity('timetable_slots')
export class TimetableSlotEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Index('idx_timetable_slots_course_id')
  @Column({ name: 'course_id', type: 'uuid' }) courseId!: string;
  @Column({ name: 'template_id', type: 'uuid' }) templateId!: string;
  @ManyToOne(() => TemplateEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'template_id' })
  template?: TemplateEntity;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  @Column({ type: 'smallint' }) weekday!: number;
  @Column({ name: 'start_minute', type: 'int' }) startMinute!: number;
  @Column({ name: 'end_minute', type: 'int' }) endMinute!: number;
  @Column({ name: 'expected_students', type: 'int' }) expectedStudents!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
