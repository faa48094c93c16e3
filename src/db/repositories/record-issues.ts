import type { DataSource, EntityManager } from 'typeorm';
import { storableText } from '../../domain/storable-values';
import { rowsOf } from '../rows';

export type RecordModel = 'company' | 'contact';

export interface QuarantinedRecord {
  model: RecordModel;
  externalId: string;
  reason: string;
  attempts: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

export interface RecordIssueCounts {
  /** Records (companies) and contacts stored with values changed to be storable. */
  sanitizedRecords: number;
  sanitizedContacts: number;
  /** Changed values by kind of change ("NUL removed", "truncated", …). */
  changes: Record<string, number>;
  quarantined: number;
  /** Notifications not stored because the source's inbox was full (its reconciliations covered them). */
  inboxDropped: number;
}

const MAX_REASON = 1000;
const MAX_SHOWN_ID = 500;

/**
 * What a source could not store as Intercom had it: values changed to be storable (kept with each record in
 * `sanitized`) and records that still could not be written (`quarantined_records`). A later successful write
 * of a quarantined record removes it from the quarantine, so a re-sync retries them all.
 */
export class RecordIssues {
  constructor(private readonly db: DataSource) {}

  /** Records a record that could not be written (again: attempts and reason are updated). */
  async quarantine(sourceId: string, model: RecordModel, externalId: unknown, reason: string): Promise<void> {
    // The id and the database's message may themselves hold what PostgreSQL refuses: store a clean copy.
    const id = storableText(String(externalId), MAX_SHOWN_ID, 'id');
    await this.db.query(
      `INSERT INTO quarantined_records (source_id, model, external_id, reason) VALUES ($1, $2, $3, $4)
       ON CONFLICT (source_id, model, md5(external_id)) DO UPDATE SET reason = EXCLUDED.reason,
         attempts = quarantined_records.attempts + 1, last_seen_at = now()`,
      [sourceId, model, id, storableText(reason, MAX_REASON, 'reason')],
    );
  }

  /** Within a write's transaction: these records were written, so they are no longer quarantined. */
  static async released(tx: EntityManager, sourceId: string, model: RecordModel, externalIds: string[]): Promise<void> {
    await tx.query(
      `DELETE FROM quarantined_records WHERE source_id = $1 AND model = $2
         AND md5(external_id) IN (SELECT md5(x) FROM unnest($3::text[]) AS x)`,
      [sourceId, model, externalIds],
    );
  }

  /**
   * At the end of a backfill: entries the backfill neither wrote nor quarantined again are of records Intercom no
   * longer has (or that are no longer imported, such as a contact without companies): they leave the quarantine.
   */
  async forgetUnseenSince(sourceId: string, backfillStartedAt: string): Promise<number> {
    const gone = rowsOf(
      await this.db.query(
        `DELETE FROM quarantined_records WHERE source_id = $1 AND last_seen_at < $2::timestamptz RETURNING 1`,
        [sourceId, backfillStartedAt],
      ),
    );
    return gone.length;
  }

  async list(
    sourceId: string,
    opts: { limit: number; afterId?: string },
  ): Promise<Array<QuarantinedRecord & { id: string }>> {
    const rows = rowsOf<{
      id: string;
      model: RecordModel;
      external_id: string;
      reason: string;
      attempts: number;
      first_seen_at: Date;
      last_seen_at: Date;
    }>(
      await this.db.query(
        `SELECT id::text, model, external_id, reason, attempts, first_seen_at, last_seen_at FROM quarantined_records
         WHERE source_id = $1 AND ($2::bigint IS NULL OR id > $2::bigint) ORDER BY id LIMIT $3`,
        [sourceId, opts.afterId ?? null, opts.limit],
      ),
    );
    return rows.map((r) => ({
      id: r.id,
      model: r.model,
      externalId: r.external_id,
      reason: r.reason,
      attempts: r.attempts,
      firstSeenAt: r.first_seen_at,
      lastSeenAt: r.last_seen_at,
    }));
  }

  async counts(sourceId: string): Promise<RecordIssueCounts> {
    const [row] = rowsOf<{ records: string; contacts: string; quarantined: string; dropped: string }>(
      await this.db.query(
        `SELECT (SELECT count(*) FROM customer_records WHERE source_id = $1 AND sanitized IS NOT NULL) AS records,
           (SELECT count(DISTINCT external_id) FROM contacts WHERE source_id = $1 AND sanitized IS NOT NULL) AS contacts,
           (SELECT count(*) FROM quarantined_records WHERE source_id = $1) AS quarantined,
           (SELECT inbox_dropped FROM sources WHERE id = $1) AS dropped`,
        [sourceId],
      ),
    );
    const changes = rowsOf<{ change: string; n: string }>(
      await this.db.query(
        `SELECT regexp_replace(c, '^.*: ', '') AS change, count(*) AS n FROM (
           SELECT jsonb_array_elements_text(sanitized) AS c FROM customer_records WHERE source_id = $1 AND sanitized IS NOT NULL
           UNION ALL
           SELECT jsonb_array_elements_text(sanitized) FROM (
             SELECT DISTINCT ON (external_id) sanitized FROM contacts WHERE source_id = $1 AND sanitized IS NOT NULL
           ) AS per_contact
         ) AS all_changes GROUP BY 1 ORDER BY 1`,
        [sourceId],
      ),
    );
    return {
      sanitizedRecords: Number(row?.records ?? 0),
      sanitizedContacts: Number(row?.contacts ?? 0),
      changes: Object.fromEntries(changes.map((c) => [c.change, Number(c.n)])),
      quarantined: Number(row?.quarantined ?? 0),
      inboxDropped: Number(row?.dropped ?? 0),
    };
  }
}
