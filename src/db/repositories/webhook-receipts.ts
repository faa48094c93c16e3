import type { DataSource } from 'typeorm';

export interface WebhookReceipt {
  appId: string;
  signatureValid: boolean;
  topic: string;
  notificationId: string | null;
  receivedAt: Date;
  lastPingAt: Date | null;
  receivedCount: number;
}

export interface EndpointGap {
  from: Date;
  to: Date;
  sources: number;
}

/** Unsigned notifications can claim any workspace: only the most recent few of them are kept. */
const UNSIGNED_KEPT = 20;
const MAX_TEXT = 200;

/**
 * What arrives at the webhook endpoint, for the setup page: per workspace and signature result, the last
 * notification and the last `ping` (Intercom sends one when the subscription is saved or tested).
 */
export class WebhookReceipts {
  constructor(private readonly db: DataSource) {}

  async record(r: { appId: string; signatureValid: boolean; topic: string; notificationId: string | null }) {
    const ping = r.topic === 'ping';
    await this.db.query(
      `INSERT INTO webhook_receipts AS w (app_id, signature_valid, topic, notification_id, last_ping_at)
       VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN now() END)
       ON CONFLICT (app_id, signature_valid) DO UPDATE SET topic = EXCLUDED.topic,
         notification_id = EXCLUDED.notification_id, received_at = now(),
         last_ping_at = COALESCE(EXCLUDED.last_ping_at, w.last_ping_at), received_count = w.received_count + 1`,
      [
        r.appId.slice(0, MAX_TEXT),
        r.signatureValid,
        r.topic.slice(0, MAX_TEXT),
        r.notificationId?.slice(0, MAX_TEXT) ?? null,
        ping,
      ],
    );
    if (!r.signatureValid) {
      await this.db.query(
        `DELETE FROM webhook_receipts WHERE NOT signature_valid AND app_id NOT IN
           (SELECT app_id FROM webhook_receipts WHERE NOT signature_valid ORDER BY received_at DESC LIMIT $1)`,
        [UNSIGNED_KEPT],
      );
    }
  }

  async list(): Promise<WebhookReceipt[]> {
    const rows: Array<{
      app_id: string;
      signature_valid: boolean;
      topic: string;
      notification_id: string | null;
      received_at: Date;
      last_ping_at: Date | null;
      received_count: string;
    }> = await this.db.query(`SELECT * FROM webhook_receipts ORDER BY received_at DESC LIMIT 100`);
    return rows.map((r) => ({
      appId: r.app_id,
      signatureValid: r.signature_valid,
      topic: r.topic,
      notificationId: r.notification_id,
      receivedAt: r.received_at,
      lastPingAt: r.last_ping_at,
      receivedCount: Number(r.received_count),
    }));
  }
}

/**
 * When the webhook endpoint was last alive. Every API process beats; a beat finding the previous one older than
 * the allowed silence means no endpoint was up (or could store notifications) in between: Intercom retries a
 * notification only once, a minute later, so whatever it sent in that window may be lost.
 */
export class EndpointUptime {
  constructor(private readonly db: DataSource) {}

  /** Records a beat; returns the window since the previous one when it is longer than `silenceMs`. */
  async beat(silenceMs: number): Promise<{ from: Date; to: Date } | null> {
    const [row] = (await this.db.query(
      `INSERT INTO webhook_endpoint_uptime (id, alive_at) VALUES (1, now())
       ON CONFLICT (id) DO UPDATE SET alive_at = now()
       RETURNING (SELECT alive_at FROM webhook_endpoint_uptime WHERE id = 1) AS previous, now() AS now`,
    )) as Array<{ previous: Date | null; now: Date }>;
    if (!row.previous || row.now.getTime() - row.previous.getTime() <= silenceMs) return null;
    return { from: row.previous, to: row.now };
  }

  async recordGap(gap: EndpointGap): Promise<void> {
    await this.db.query(
      `UPDATE webhook_endpoint_uptime SET last_gap_from = $1, last_gap_to = $2, last_gap_sources = $3 WHERE id = 1`,
      [gap.from, gap.to, gap.sources],
    );
  }

  async lastGap(): Promise<EndpointGap | null> {
    const rows: Array<{ last_gap_from: Date | null; last_gap_to: Date | null; last_gap_sources: number | null }> =
      await this.db.query(`SELECT last_gap_from, last_gap_to, last_gap_sources FROM webhook_endpoint_uptime`);
    const r = rows[0];
    if (!r?.last_gap_from || !r.last_gap_to) return null;
    return { from: r.last_gap_from, to: r.last_gap_to, sources: r.last_gap_sources ?? 0 };
  }

  /** Intercom sources that are live: the ones a reconciliation can bring up to date. */
  async liveIntercomSources(): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM sources WHERE system = 'intercom' AND status = 'live' AND deleted_at IS NULL`,
    );
    return rows.map((r) => r.id);
  }
}
