import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A received Intercom notification, routed to one source: the durable hand-off from HTTP to the workflow. */
@Entity('webhook_inbox')
export class WebhookInboxEntity {
  @PrimaryColumn('text', { name: 'source_id' }) sourceId!: string;
  @PrimaryColumn('text', { name: 'notification_id' }) notificationId!: string;
  @Column('text') topic!: string;
  @Column('text', { name: 'app_id' }) appId!: string;
  /** The notification's JSON as text (jsonb refuses NUL and lone surrogates, which Intercom may send). */
  @Column('text') payload!: string;
  @Column('bigint', { name: 'seq', generated: 'increment' }) seq!: string;
  @Column('timestamptz', { name: 'received_at', default: () => 'now()' }) receivedAt!: Date;
  @Column('timestamptz', { name: 'processed_at', nullable: true }) processedAt!: Date | null;
  @Column('text', { nullable: true }) error!: string | null;
}
