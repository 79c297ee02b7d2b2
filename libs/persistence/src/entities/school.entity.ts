import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { numericTransformer } from './numeric.transformer';

/** A tenant. Its OpenID Connect settings, when set, let its people log in through its identity provider. */
@Entity('schools')
export class SchoolEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text', unique: true }) slug!: string;
  @Column({ name: 'oidc_issuer', type: 'text', nullable: true }) oidcIssuer!: string | null;
  @Column({ name: 'oidc_client_id', type: 'text', nullable: true }) oidcClientId!: string | null;
  @Column({ name: 'oidc_client_secret', type: 'text', nullable: true }) oidcClientSecret!: string | null;
  /** IANA zone its timetable is written in, e.g. Europe/Paris. */
  @Column({ type: 'text', default: 'UTC' }) timezone!: string;
  /** Caps on what one of its labs may ask for (`SchoolCaps`), set by platform admins; null: the platform's cap. */
  @Column({ name: 'lab_max_nodes', type: 'int', nullable: true }) labMaxNodes!: number | null;
  @Column({ name: 'lab_max_cpus', type: 'numeric', precision: 6, scale: 2, nullable: true, transformer: numericTransformer }) labMaxCpus!: number | null;
  @Column({ name: 'lab_max_memory_mb', type: 'int', nullable: true }) labMaxMemoryMb!: number | null;
  @Column({ name: 'lab_max_pids', type: 'int', nullable: true }) labMaxPids!: number | null;
  @Column({ name: 'lab_max_disk_mb', type: 'int', nullable: true }) labMaxDiskMb!: number | null;
  @Column({ name: 'lab_max_ttl_seconds', type: 'int', nullable: true }) labMaxTtlSeconds!: number | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
