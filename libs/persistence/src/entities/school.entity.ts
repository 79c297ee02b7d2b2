import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

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
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
