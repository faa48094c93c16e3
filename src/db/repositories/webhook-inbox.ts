import type { DataSource } from 'typeorm';
import { classifyTopic } from '../../domain/webhook-topics';
import { rowsOf } from '../rows';

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

export interface Received {
  /** Sources that got a new row. */
  sourceIds: string[];
  /** Of those, the ones to nudge: no drainer holds their inbox (a drainer picks the row up itself). */
  toSignal: string[];
  /** False when no live source belongs to the workspace. */
  routed: boolean;
  /** Sources whose inbox was full: the notification was not stored, their next reconciliation covers it. */
  overflowed: string[];
  /** Of those, the sources whose inbox became full with this notification. */
  newlyFull: string[];
}

/**
 * The durable hand-off between the webhook endpoint and the source workflow.
 *
 * Bounded: a source's inbox holds at most `cap` unapplied notifications (it fills while the source cannot apply
 * them: a backfill, a re-sync, needs_reconnect). Past the cap a change notification is not stored; the source is
 * marked and reconciles with Intercom once it applies its inbox again, which reads every change since its last
 * reconciliation, so nothing is lost. Deletions are always stored: they are small, and applied in their place in
 * the order (a reconciliation would only find them later). Processed rows are kept for the retention period (so
 * Intercom's redeliveries are still recognised as duplicates), then pruned, as are the records of notifications
 * for unknown workspaces.
 */
export class WebhookInbox {
  constructor(
    private readonly db: DataSource,
    private readonly limits: { cap: number } = { cap: 10_000 },
  ) {}

  /**
   * Stores the notification once for every live Intercom source of its workspace (a duplicate delivery
   * changes nothing). Returns the sources that got a new row; none when the workspace is unknown.
   */
  async receive(notification: Notification): Promise<Received> {
    const cap = this.limits.cap;
    const kind = classifyTopic(notification.topic).kind;
    const alwaysKept = kind === 'company_deleted' || kind === 'contact_deleted';
    // One statement: the workspace's sources with their pending count and drainer lease, and the insert. The
    // sources are read FOR SHARE, so a drainer letting go of its lease (an UPDATE of the row) waits for this
    // statement's commit and its last look at the inbox sees the row; a lease let go before is read as let go.
    const sources = rowsOf<{ id: string; pending: number; held: boolean; inserted: boolean }>(
      await this.db.query(
        `WITH s AS (
           SELECT s.id, coalesce(s.inbox_drainer_until > now(), false) AS held,
                  (SELECT count(*) FROM (SELECT 1 FROM webhook_inbox i
                     WHERE i.source_id = s.id AND i.processed_at IS NULL LIMIT $2) AS p)::int AS pending
             FROM sources s WHERE s.workspace_id = $1 AND s.system = 'intercom' AND s.deleted_at IS NULL
              AND s.status NOT IN ('deleting', 'deleted')
              FOR SHARE OF s
         ), ins AS (
           INSERT INTO webhook_inbox (source_id, notification_id, topic, app_id, payload)
           SELECT id, $3, $4, $1, $5 FROM s WHERE $6 OR pending < $2
           ON CONFLICT (source_id, notification_id) DO NOTHING RETURNING source_id
         )
         SELECT s.id, s.pending, s.held, ins.source_id IS NOT NULL AS inserted
           FROM s LEFT JOIN ins ON ins.source_id = s.id`,
        [notification.app_id, cap, notification.id, notification.topic, JSON.stringify(notification), alwaysKept],
      ),
    );
    if (sources.length === 0) {
      await this.db.query(
        `INSERT INTO webhook_ignored (notification_id, app_id, topic, reason) VALUES ($1, $2, $3, 'no live source for this workspace')
         ON CONFLICT DO NOTHING`,
        [notification.id, notification.app_id, notification.topic],
      );
      return { sourceIds: [], toSignal: [], routed: false, overflowed: [], newlyFull: [] };
    }
    const inserted = sources.filter((s) => s.inserted);
    const full = sources.filter((s) => !alwaysKept && s.pending >= cap).map((s) => s.id);
    const overflowed =
      full.length === 0
        ? []
        : rowsOf<{ id: string; first: boolean }>(
            await this.db.query(
              `UPDATE sources s SET inbox_overflowed_at = COALESCE(b.since, now()), inbox_dropped = s.inbox_dropped + 1
               FROM (SELECT id, inbox_overflowed_at AS since FROM sources WHERE id = ANY($1) FOR UPDATE) AS b
               WHERE s.id = b.id AND NOT EXISTS (
                 SELECT 1 FROM webhook_inbox i WHERE i.source_id = s.id AND i.notification_id = $2)
               RETURNING s.id, b.since IS NULL AS first`,
              [full, notification.id],
            ),
          );
    return {
      sourceIds: inserted.map((r) => r.id),
      toSignal: inserted.filter((r) => !r.held).map((r) => r.id),
      routed: true,
      overflowed: overflowed.map((r) => r.id),
      newlyFull: overflowed.filter((r) => r.first).map((r) => r.id),
    };
  }

  /** The oldest unprocessed notifications of a source, in arrival order. */
  async pending(sourceId: string, limit: number): Promise<InboxRow[]> {
    const rows: Array<{ notification_id: string; topic: string; payload: string }> = await this.db.query(
      `SELECT notification_id, topic, payload FROM webhook_inbox
       WHERE source_id = $1 AND processed_at IS NULL ORDER BY seq LIMIT $2`,
      [sourceId, limit],
    );
    return rows.map((r) => ({
      notificationId: r.notification_id,
      topic: r.topic,
      payload: JSON.parse(r.payload) as Notification,
    }));
  }

  async markProcessed(sourceId: string, ids: string[]): Promise<void> {
    await this.db.query(
      `UPDATE webhook_inbox SET processed_at = now() WHERE source_id = $1 AND notification_id = ANY($2)`,
      [sourceId, ids],
    );
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

  /**
   * Whether notifications were left out since the last call because the inbox was full (and clears the mark):
   * the source then reconciles with Intercom to cover them.
   */
  async takeOverflow(sourceId: string): Promise<boolean> {
    const rows = rowsOf(
      await this.db.query(
        `UPDATE sources SET inbox_overflowed_at = NULL WHERE id = $1 AND inbox_overflowed_at IS NOT NULL RETURNING 1`,
        [sourceId],
      ),
    );
    return rows.length > 0;
  }

  /** Prunes processed notifications and ignored ones older than the retention, up to `batch` of each. */
  async pruneExpired(retentionMs: number, batch = 5_000): Promise<{ processed: number; ignored: number }> {
    const processed = rowsOf(
      await this.db.query(
        `DELETE FROM webhook_inbox WHERE ctid IN (SELECT ctid FROM webhook_inbox
           WHERE processed_at < now() - $1 * interval '1 millisecond' LIMIT $2) RETURNING 1`,
        [retentionMs, batch],
      ),
    );
    const ignored = rowsOf(
      await this.db.query(
        `DELETE FROM webhook_ignored WHERE ctid IN (SELECT ctid FROM webhook_ignored
           WHERE received_at < now() - $1 * interval '1 millisecond' LIMIT $2) RETURNING 1`,
        [retentionMs, batch],
      ),
    );
    return { processed: processed.length, ignored: ignored.length };
  }
}
