import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** One source's view of a customer: an Intercom company, or a custom source's customer. */
@Entity('customer_records')
export class CustomerRecordEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('text', { name: 'source_id' }) sourceId!: string;
  @Column('text', { name: 'external_id' }) externalId!: string;
  @Column('text', { name: 'customer_id', nullable: true }) customerId!: string | null;
  @Column('text', { nullable: true }) name!: string | null;
  @Column('text', { nullable: true }) email!: string | null;
  @Column('text', { nullable: true }) company!: string | null;
  @Column('text', { name: 'website_url', nullable: true }) websiteUrl!: string | null;
  @Column('text', { nullable: true }) country!: string | null;
  @Column('text', { nullable: true }) city!: string | null;
  @Column('text', { nullable: true }) state!: string | null;
  @Column('text', { nullable: true }) zip!: string | null;
  /** Intercom company tags (names); empty for custom sources' records, null while Intercom has not told them. */
  @Column('text', { array: true, nullable: true, default: () => "'{}'" }) tags!: string[] | null;
  @Column('text', { nullable: true }) plan!: string | null;
  @Column('integer', { nullable: true }) size!: number | null;
  @Column('text', { nullable: true }) industry!: string | null;
  @Column('bigint', { name: 'monthly_spend', nullable: true }) monthlySpend!: string | null;
  @Column('integer', { name: 'user_count', nullable: true }) userCount!: number | null;
  @Column('timestamptz', { name: 'lead_created_at', nullable: true }) leadCreatedAt!: Date | null;
  @Column('timestamptz', { name: 'free_trial_started_at', nullable: true }) freeTrialStartedAt!: Date | null;
  @Column('text', { nullable: true }) status!: string | null;
  @Column('jsonb', { default: () => "'{}'" }) custom!: Record<string, unknown>;
  @Column('timestamptz', { name: 'source_updated_at', nullable: true }) sourceUpdatedAt!: Date | null;
  @Column('timestamptz', { name: 'deleted_in_source_at', nullable: true }) deletedInSourceAt!: Date | null;
  @Column('integer', { default: 0 }) generation!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
