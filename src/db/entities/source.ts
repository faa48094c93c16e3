import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type SourceSystem = 'intercom' | 'custom';

/** A data source: one Intercom workspace connection, or a custom (billing) source fed through the API. */
@Entity('sources')
export class SourceEntity {
  @PrimaryColumn('text') id!: string;
  @Column('text') name!: string;
  @Column('text') system!: SourceSystem;
  @Column('text') status!: string;
  @Column('text', { nullable: true }) region!: string | null;
  @Column('text', { name: 'workspace_id', nullable: true }) workspaceId!: string | null;
  @Column('text', { name: 'workspace_name', nullable: true }) workspaceName!: string | null;
  /** What to sync: `ImportSelection` (companies, contacts, selected custom attributes per model). */
  @Column('jsonb', { nullable: true }) settings!: Record<string, unknown> | null;
  /** Backfill/live-sync progress as reported by the workflow (`StoredProgress`, src/db/repositories/source-progress.ts). */
  @Column('jsonb', { default: () => "'{}'" }) progress!: Record<string, unknown>;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
  @Column('timestamptz', { name: 'last_synced_at', nullable: true }) lastSyncedAt!: Date | null;
  /** While a drainInbox activity holds the source's inbox (see WebhookInbox.holdDrainer). */
  @Column('timestamptz', { name: 'inbox_drainer_until', nullable: true }) inboxDrainerUntil!: Date | null;
  @Column('bigint', { name: 'inbox_applied_seq', default: 0 }) inboxAppliedSeq!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt!: Date | null;
  /** Set by the API on "Delete This Source": the source leaves the API's reads at once; the purge sets deleted_at. */
  @Column('timestamptz', { name: 'delete_requested_at', nullable: true }) deleteRequestedAt!: Date | null;
}
