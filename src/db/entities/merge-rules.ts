import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The account's merge automation (one row). Defaults follow ChartMogul's for new accounts. */
@Entity('merge_rules')
export class MergeRulesEntity {
  @PrimaryColumn('integer') id!: number;
  @Column('boolean', { default: true }) enabled!: boolean;
  @Column('boolean', { name: 'match_external_id', default: true }) matchExternalId!: boolean;
  @Column('boolean', { name: 'match_domain', default: true }) matchDomain!: boolean;
  @Column('boolean', { name: 'match_company_name', default: false }) matchCompanyName!: boolean;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
