import type { DataSource } from 'typeorm';
import { classifyTopic } from '../../domain/webhook-topics';
import { GroupCommit } from '../group-commit';
import { rowsOf } from '../rows';

export interface Notification {
  id: string;
  topic: string;
  app_id: string;
  created_at?: number;
  data?: { item?: Record<string, unknown> };
}

export interface InboxRow {
  /** Arrival order. */
  seq: number;
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

  /** Notifications arriving together are stored by one statement (see GroupCommit). */
  private readonly arrivals = new GroupCommit<Notification, Received>((batch) => this.receiveAll(batch), 500, 3);

  /**
   * Stores the notification once for every live Intercom source of its workspace (a duplicate delivery
   * changes nothing). Returns the sources that got a new row; none when the workspace is unknown.
   */
  receive(notification: Notification): Promise<Received> {
    return this.arrivals.add(notification);
  }

  private async receiveAll(batch: Notification[]): Promise<Received[]> {
    const cap = this.limits.cap;
    // A notification twice in one batch (a redelivery racing the first) is stored by its first copy.
    const slots = new Map<string, number>();
    const unique: Notification[] = [];
    const slotOf = batch.map((n) => {
      const key = `${n.app_id}\u0000${n.id}`;
      const known = slots.get(key);
      if (known !== undefined) return { slot: known, first: false };
      slots.set(key, unique.push(n) - 1);
      return { slot: unique.length - 1, first: true };
    });
    const alwaysKept = unique.map((n) => {
      const kind = classifyTopic(n.topic).kind;
      return kind === 'company_deleted' || kind === 'contact_deleted';
    });
    // One statement: the workspaces' sources with their pending count and drainer lease, and the inserts. A
    // source takes a notification while its pending count, plus the ones before it in this batch, is under the
    // cap (deletions always). The sources are read FOR SHARE, so a drainer letting go of its lease (an UPDATE of
    // the row) waits for this statement's commit and its last look at the inbox sees the rows; a lease let go
    // before is read as let go.
    const rows = rowsOf<{ ord: number; id: string | null; position: number; held: boolean; inserted: boolean }>(
      await this.db.query(
        `WITH n AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[])
             WITH ORDINALITY AS n(app_id, notification_id, topic, payload, always_kept, ord)
         ), s AS (
           SELECT s.id, s.workspace_id, coalesce(s.inbox_drainer_until > now(), false) AS held,
                  (SELECT count(*) FROM (SELECT 1 FROM webhook_inbox i
                     WHERE i.source_id = s.id AND i.seq > s.inbox_applied_seq AND i.processed_at IS NULL
                     LIMIT $6) AS p)::int AS pending
             FROM sources s WHERE s.workspace_id = ANY($1) AND s.system = 'intercom' AND s.deleted_at IS NULL
              AND s.status NOT IN ('deleting', 'deleted')
              FOR SHARE OF s
         ), c AS (
           SELECT s.id AS source_id, s.held, n.*,
                  s.pending + count(*) FILTER (WHERE NOT n.always_kept) OVER (PARTITION BY s.id ORDER BY n.ord) AS position
             FROM n JOIN s ON s.workspace_id = n.app_id
         ), ins AS (
           INSERT INTO webhook_inbox (source_id, notification_id, topic, app_id, payload)
           SELECT source_id, notification_id, topic, app_id, payload FROM c WHERE always_kept OR position <= $6
           ORDER BY ord
           ON CONFLICT (source_id, notification_id) DO NOTHING RETURNING source_id, notification_id
         )
         SELECT n.ord::int, c.source_id AS id, c.position::int, c.held, ins.source_id IS NOT NULL AS inserted
           FROM n LEFT JOIN c ON c.ord = n.ord
           LEFT JOIN ins ON ins.source_id = c.source_id AND ins.notification_id = c.notification_id`,
        [
          unique.map((n) => n.app_id),
          unique.map((n) => n.id),
          unique.map((n) => n.topic),
          unique.map((n) => JSON.stringify(n)),
          alwaysKept,
          cap,
        ],
      ),
    );
    const bySlot = unique.map(() => [] as typeof rows);
    for (const r of rows) if (r.id !== null) bySlot[r.ord - 1].push(r);
    const results = await Promise.all(unique.map((n, i) => this.received(n, alwaysKept[i], bySlot[i])));
    const duplicate = (r: Received): Received => ({ ...r, sourceIds: [], toSignal: [], overflowed: [], newlyFull: [] });
    return slotOf.map(({ slot, first }) => (first ? results[slot] : duplicate(results[slot])));
  }

  /** What one notification's rows say, after recording the unknown workspace or the full inboxes. */
  private async received(
    notification: Notification,
    alwaysKept: boolean,
    sources: Array<{ id: string | null; position: number; held: boolean; inserted: boolean }>,
  ): Promise<Received> {
    if (sources.length === 0) {
      await this.db.query(
        `INSERT INTO webhook_ignored (notification_id, app_id, topic, reason) VALUES ($1, $2, $3, 'no live source for this workspace')
         ON CONFLICT DO NOTHING`,
        [notification.id, notification.app_id, notification.topic],
      );
      return { sourceIds: [], toSignal: [], routed: false, overflowed: [], newlyFull: [] };
    }
    const inserted = sources.filter((s) => s.inserted);
    const full = sources.filter((s) => !alwaysKept && s.position > this.limits.cap).map((s) => s.id);
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
      sourceIds: inserted.map((r) => r.id!),
      toSignal: inserted.filter((r) => !r.held).map((r) => r.id!),
      routed: true,
      overflowed: overflowed.map((r) => r.id),
      newlyFull: overflowed.filter((r) => r.first).map((r) => r.id),
    };
  }

  /**
   * The oldest unprocessed notifications of a source, in arrival order; after `afterSeq` when given (a drainer's
   * cursor: it skips the applied rows still in the index, and a row committed late below it waits for the next
   * look from the start).
   */
  async pending(sourceId: string, limit: number, afterSeq = 0): Promise<InboxRow[]> {
    const rows: Array<{ seq: string; notification_id: string; topic: string; payload: string }> = await this.db.query(
      `SELECT seq, notification_id, topic, payload FROM webhook_inbox
       WHERE source_id = $1 AND processed_at IS NULL AND seq > $3 ORDER BY seq LIMIT $2`,
      [sourceId, limit, afterSeq],
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
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

  /**
   * Takes or extends the drainer lease for `ms`: webhooks meanwhile are not signalled. `appliedSeq`, how far the
   * drainer has applied, bounds the endpoint's pending count (it never moves back).
   */
  async holdDrainer(sourceId: string, ms: number, appliedSeq = 0): Promise<void> {
    await this.db.query(
      `UPDATE sources SET inbox_drainer_until = now() + make_interval(secs => $2::double precision / 1000),
         inbox_applied_seq = greatest(inbox_applied_seq, $3) WHERE id = $1`,
      [sourceId, ms, appliedSeq],
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
