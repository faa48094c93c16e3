import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * One Intercom contact under one company of the same source (con_…). A contact linked to three companies
 * is three rows. Rows point at the company by its external id, so contacts and companies can be imported
 * in parallel and in any order; the customer is found through the customer record.
 */
@Entity('contacts')
export class ContactEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text', { name: 'source_id' }) sourceId!: string;
  @Column('text', { name: 'external_id' }) externalId!: string;
  @Column('text', { name: 'company_external_id' }) companyExternalId!: string;
  @Column('text', { nullable: true }) role!: string | null;
  @Column('text', { name: 'first_name', nullable: true }) firstName!: string | null;
  @Column('text', { name: 'last_name', nullable: true }) lastName!: string | null;
  @Column('text', { nullable: true }) email!: string | null;
  @Column('text', { nullable: true }) phone!: string | null;
  @Column('text', { nullable: true }) title!: string | null;
  @Column('text', { name: 'linked_in', nullable: true }) linkedIn!: string | null;
  @Column('text', { nullable: true }) twitter!: string | null;
  @Column('jsonb', { default: () => "'{}'" }) custom!: Record<string, unknown>;
  @Column('timestamptz', { name: 'source_created_at', nullable: true }) sourceCreatedAt!: Date | null;
  @Column('timestamptz', { name: 'source_updated_at', nullable: true }) sourceUpdatedAt!: Date | null;
  @Column('timestamptz', { name: 'deleted_in_source_at', nullable: true }) deletedInSourceAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
