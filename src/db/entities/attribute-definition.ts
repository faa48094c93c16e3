import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Intercom's data attribute catalogue for one source and model, and whether the user selected it. */
@Entity('attribute_definitions')
export class AttributeDefinitionEntity {
  @PrimaryColumn('text', { name: 'source_id' }) sourceId!: string;
  @PrimaryColumn('text') model!: 'company' | 'contact';
  @PrimaryColumn('text') name!: string;
  @Column('text', { nullable: true }) label!: string | null;
  @Column('text', { name: 'data_type' }) dataType!: string;
  @Column('boolean') custom!: boolean;
  @Column('boolean', { default: false }) archived!: boolean;
  @Column('boolean', { default: false }) selected!: boolean;
}
