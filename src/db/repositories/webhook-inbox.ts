import type { DataSource } from 'typeorm';

export interface Notification {
  id: string;
  topic: string;
  app_id: string;
  created_at?: number;
  data?: { item?: Record<string, unknown> };
}

export interface InboxRow {
  notificationId: string;
  topic: string;
  payload: Notification;
}

/** The durable hand-off between the webhook endpoint and the source workflow. */
export class WebhookInbox {
  constructor(private readonly db: DataSource) {}

  /**
   * Stores the notification once for every live Intercom source of its workspace (a duplicate delivery
   * changes nothing). Returns the sources that got a new row; none when the workspace is unknown.
   */
  async receive(notification: Notification): Promise<{ sourceIds: string[]; routed: boolean }> {
    // One statement on the common path (a new notification for a known workspace); the sources are read
    // separately only when nothing was stored, to tell a duplicate from an unknown workspace.
    const inserted: Array<{ source_id: string }> = await this.db.query(
      `INSERT INTO webhook_inbox (source_id, notification_id, topic, app_id, payload)
       SELECT id, $2, $3, $1, $4::jsonb FROM sources
       WHERE workspace_id = $1 AND system = 'intercom' AND deleted_at IS NULL AND status NOT IN ('deleting', 'deleted')
       ON CONFLICT (source_id, notification_id) DO NOTHING RETURNING source_id`,
      [notification.app_id, notification.id, notification.topic, JSON.stringify(notification)],
    );
    if (inserted.length > 0) return { sourceIds: inserted.map((r) => r.source_id), routed: true };
    const sources: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM sources WHERE workspace_id = $1 AND system = 'intercom' AND deleted_at IS NULL
         AND status NOT IN ('deleting', 'deleted')`,
      [notification.app_id],
    );
    if (sources.length > 0) return { sourceIds: [], routed: true };
    await this.db.query(
      `INSERT INTO webhook_ignored (notification_id, app_id, topic, reason) VALUES ($1, $2, $3, 'no live source for this workspace')
       ON CONFLICT DO NOTHING`,
      [notification.id, notification.app_id, notification.topic],
    );
    return { sourceIds: [], routed: false };
  }

  /** The oldest unprocessed notifications of a source, in arrival order. */
  async pending(sourceId: string, limit: number): Promise<InboxRow[]> {
    const rows: Array<{ notification_id: string; topic: string; payload: Notification }> = await this.db.query(
      `SELECT notification_id, topic, payload FROM webhook_inbox
       WHERE source_id = $1 AND processed_at IS NULL ORDER BY seq LIMIT $2`,
      [sourceId, limit],
    );
    return rows.map((r) => ({ notificationId: r.notification_id, topic: r.topic, payload: r.payload }));
  }

  async markProcessed(sourceId: string, ids: string[]): Promise<void> {
    await this.db.query(
      `UPDATE webhook_inbox SET processed_at = now() WHERE source_id = $1 AND notification_id = ANY($2)`,
      [sourceId, ids],
    );
  }

  /**
   * Of these sources, those whose inbox no drainer holds: they need a signal. Read after the rows were committed,
   * so a drainer that lets go of its lease later still sees them in its last look at the inbox.
   */
  async withoutDrainer(sourceIds: string[]): Promise<string[]> {
    if (sourceIds.length === 0) return [];
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM sources WHERE id = ANY($1) AND (inbox_drainer_until IS NULL OR inbox_drainer_until < now())`,
      [sourceIds],
    );
    return rows.map((r) => r.id);
  }

  /** Takes or extends the drainer lease for `ms`: webhooks meanwhile are not signalled. */
  async holdDrainer(sourceId: string, ms: number): Promise<void> {
    await this.db.query(
      `UPDATE sources SET inbox_drainer_until = now() + make_interval(secs => $2::double precision / 1000) WHERE id = $1`,
      [sourceId, ms],
    );
  }

  /** Lets go of the lease: webhooks from now on signal the workflow again. */
  async releaseDrainer(sourceId: string): Promise<void> {
    await this.db.query(`UPDATE sources SET inbox_drainer_until = NULL WHERE id = $1`, [sourceId]);
  }
}
