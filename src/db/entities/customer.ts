import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The merged entity (cus_…): its display fields are derived from its customer records (db/repositories/merge-engine.ts). */
@Entity('customers')
export class CustomerEntity {
  @PrimaryColumn('text') id!: string;
  @Column('bigint', { name: 'primary_record_id', nullable: true }) primaryRecordId!: string | null;
  @Column('text', { nullable: true }) name!: string | null;
  @Column('text', { nullable: true }) email!: string | null;
  @Column('text', { nullable: true }) company!: string | null;
  @Column('text', { name: 'website_url', nullable: true }) websiteUrl!: string | null;
  @Column('text', { nullable: true }) country!: string | null;
  @Column('text', { nullable: true }) city!: string | null;
  @Column('timestamptz', { name: 'lead_created_at', nullable: true }) leadCreatedAt!: Date | null;
  @Column('timestamptz', { name: 'free_trial_started_at', nullable: true }) freeTrialStartedAt!: Date | null;
  @Column('text', { nullable: true }) status!: string | null;
  @Column('jsonb', { default: () => "'{}'" }) custom!: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
