import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { SetupStep, StudentKubernetes, TemplateScope } from '@labfleet/domain';
import { numericTransformer } from './numeric.transformer';

@Entity('templates')
export class TemplateEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** Unique in its namespace (see `nameClashes`): global names everywhere, others within their school. */
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text', default: 'global' }) scope!: TemplateScope;
  @Column({ name: 'school_id', type: 'uuid', nullable: true }) schoolId!: string | null;
  @Column({ name: 'course_id', type: 'uuid', nullable: true }) courseId!: string | null;
  /** Goes up with every edit; a lab records the version it was made of (older ones: `template_versions`). */
  @Column({ type: 'int', default: 1 }) version!: number;
  /** A retired template makes no new labs; its running labs go on. */
  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true }) retiredAt!: Date | null;
  @Column({ type: 'text', default: '' }) description!: string;
  /** Null means the platform's lab image (`LAB_IMAGE`). */
  @Column({ type: 'text', nullable: true }) image!: string | null;
  @Column({ type: 'int', default: 1 }) nodes!: number;
  @Column({ type: 'numeric', precision: 6, scale: 2, transformer: numericTransformer }) cpus!: number;
  @Column({ name: 'memory_mb', type: 'int' }) memoryMb!: number;
  @Column({ name: 'pids_limit', type: 'int' }) pidsLimit!: number;
  @Column({ name: 'disk_mb', type: 'int', nullable: true }) diskMb!: number | null;
  @Column({ name: 'ttl_seconds', type: 'int' }) ttlSeconds!: number;
  @Column({ type: 'jsonb', default: () => "'[]'" }) images!: string[];
  /** What admission counts a running lab as using (its limits are caps, far above what an idle lab uses). */
  @Column({ name: 'reserved_cpus', type: 'numeric', precision: 6, scale: 3, default: 0.05, transformer: numericTransformer }) reservedCpus!: number;
  @Column({ name: 'reserved_memory_mb', type: 'int', default: 128 }) reservedMemoryMb!: number;
  @Column({ type: 'jsonb', default: () => "'[]'" }) setup!: SetupStep[];
  /** A Kubernetes namespace of the student's own and its quota; null: Docker hosts only. */
  @Column({ type: 'jsonb', nullable: true }) kubernetes!: StudentKubernetes | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** What a lab is made of: the fields an edit changes, as a version keeps them. */
export type TemplateDefinition = Pick<
  TemplateEntity,
  'description' | 'image' | 'nodes' | 'cpus' | 'memoryMb' | 'pidsLimit' | 'diskMb' | 'ttlSeconds' | 'images' | 'reservedCpus' | 'reservedMemoryMb' | 'setup' | 'kubernetes'
>;
