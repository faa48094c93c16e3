import { randomInt } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { SourceSystem } from '../entities/source';
import {
  importSelectionSchema,
  initialSourceStatus,
  type ImportSelection,
  type SourceProgress,
} from '../../domain/source';
import { readSourceProgress } from './source-progress';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A new public source id: `ds_` and 26 lowercase alphanumerics (about 134 bits). */
export function newSourceId(): string {
  let id = 'ds_';
  for (let i = 0; i < 26; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

/** Another live source already has this name (unique index `sources_name_live`). */
export class SourceNameTaken extends Error {
  override name = 'SourceNameTaken';
  constructor(readonly sourceName: string) {
    super(`A data source named "${sourceName}" already exists`);
  }
}

/** A source row as the API shows it, with its progress (counts from the data, the rest from `sources.progress`). */
export interface SourceSummary {
  id: string;
  name: string;
  system: SourceSystem;
  status: string;
  region: string | null;
  workspaceId: string | null;
  lastSyncedAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  deletedAt: Date | null;
  /** "Delete This Source" was asked for: the API no longer shows the source; /app shows its purge. */
  deleteRequestedAt: Date | null;
  progress: SourceProgress;
}

/** A permanent delete's progress: what it deleted so far and what is left. */
export interface PurgeProgress {
  contacts: number;
  records: number;
  contactsLeft: number;
  recordsLeft: number;
}

interface SummaryRow {
  id: string;
  name: string;
  system: SourceSystem;
  status: string;
  region: string | null;
  workspace_id: string | null;
  last_synced_at: Date | null;
  last_error: string | null;
  created_at: Date;
  deleted_at: Date | null;
  delete_requested_at: Date | null;
  progress: Record<string, unknown> | null;
  companies_imported: string;
  contacts_imported: string;
}

const SUMMARY_SELECT = `
  SELECT s.id, s.name, s.system, s.status, s.region, s.workspace_id, s.last_synced_at, s.last_error, s.created_at,
         s.deleted_at, s.delete_requested_at, s.progress,
         counts.companies AS companies_imported, counts.contacts AS contacts_imported
    FROM sources s
    -- kept by triggers (migration SourceCounts): a sum of small deltas, not a count of every row
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(d.companies), 0) AS companies, coalesce(sum(d.contacts), 0) AS contacts
        FROM source_count_deltas d WHERE d.source_id = s.id
    ) counts`;

function toSummary(r: SummaryRow): SourceSummary {
  const p = readSourceProgress(r.progress);
  return {
    id: r.id,
    name: r.name,
    system: r.system,
    // Between "Delete This Source" and the workflow's own status change, the source is already being deleted.
    status: r.delete_requested_at && r.status !== 'deleted' ? 'deleting' : r.status,
    region: r.region,
    workspaceId: r.workspace_id,
    lastSyncedAt: r.last_synced_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    deletedAt: r.deleted_at,
    deleteRequestedAt: r.delete_requested_at,
    progress: {
      companiesImported: Number(r.companies_imported),
      contactsImported: Number(r.contacts_imported),
      contactsSkippedNoCompany: p.contactsSkippedNoCompany,
      pagesFetched: p.pagesFetched,
      startedAt: p.startedAt,
      finishedAt: p.finishedAt,
    },
  };
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  return e?.code === '23505' || e?.driverError?.code === '23505';
}

/** SQL for the `sources` table as the API needs it. The workflow's activities own status changes after creation. */
export class SourceRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Inserts a new source in its first status (an Intercom source awaits its connection, a custom one is active at
   * once); throws SourceNameTaken when a live source has the name.
   */
  async create(input: { name: string; system: SourceSystem }): Promise<SourceSummary> {
    const status = initialSourceStatus(input.system);
    const id = newSourceId();
    try {
      await this.db.query(`INSERT INTO sources (id, name, system, status) VALUES ($1, $2, $3, $4)`, [
        id,
        input.name,
        input.system,
        status,
      ]);
    } catch (err) {
      if (isUniqueViolation(err)) throw new SourceNameTaken(input.name);
      throw err;
    }
    const created = await this.find(id);
    if (!created) throw new Error(`Source ${id} vanished right after its insert`);
    return created;
  }

  /** Removes a source that was never used (its workflow could not be started). Only for a row with no data. */
  async removeUnused(id: string): Promise<void> {
    await this.db.query(`DELETE FROM credentials WHERE source_id = $1`, [id]);
    await this.db.query(`DELETE FROM sources WHERE id = $1`, [id]);
  }

  /**
   * The source, or null when unknown; a deleted source is null unless `includeDeleted`, one being deleted is null
   * with `hideDeleting` (the API's reads: ChartMogul's source is gone as soon as its DELETE is answered).
   */
  async find(
    id: string,
    opts: { includeDeleted?: boolean; hideDeleting?: boolean } = {},
  ): Promise<SourceSummary | null> {
    const rows: SummaryRow[] = await this.db.query(
      `${SUMMARY_SELECT} WHERE s.id = $1 ${opts.includeDeleted ? '' : 'AND s.deleted_at IS NULL'}
         ${opts.hideDeleting ? 'AND s.delete_requested_at IS NULL' : ''}`,
      [id],
    );
    return rows.length ? toSummary(rows[0]) : null;
  }

  /** Records that the source's deletion was asked for (idempotent); it leaves the API's reads. */
  async markDeleteRequested(id: string): Promise<void> {
    await this.db.query(`UPDATE sources SET delete_requested_at = coalesce(delete_requested_at, now()) WHERE id = $1`, [
      id,
    ]);
  }

  /** Live sources, oldest first, optionally filtered by exact name and system (`hideDeleting` as in find). */
  async list(filter: { name?: string; system?: SourceSystem; hideDeleting?: boolean } = {}): Promise<SourceSummary[]> {
    const where = ['s.deleted_at IS NULL'];
    if (filter.hideDeleting) where.push('s.delete_requested_at IS NULL');
    const params: unknown[] = [];
    if (filter.name !== undefined) {
      params.push(filter.name);
      where.push(`s.name = $${params.length}`);
    }
    if (filter.system !== undefined) {
      params.push(filter.system);
      where.push(`s.system = $${params.length}`);
    }
    const rows: SummaryRow[] = await this.db.query(
      `${SUMMARY_SELECT} WHERE ${where.join(' AND ')} ORDER BY s.created_at, s.id`,
      params,
    );
    return rows.map(toSummary);
  }

  /** What the source imports (`sources.settings`), null before the first import. */
  async selection(id: string): Promise<ImportSelection | null> {
    const rows: { settings: unknown }[] = await this.db.query(`SELECT settings FROM sources WHERE id = $1`, [id]);
    const parsed = importSelectionSchema.safeParse(rows[0]?.settings);
    return parsed.success ? parsed.data : null;
  }

  /** A permanent delete's counts so far (`progress.purge`) and what is left to delete. */
  async purgeProgress(id: string): Promise<PurgeProgress> {
    const rows: { progress: unknown; contacts_left: string; records_left: string }[] = await this.db.query(
      `SELECT s.progress,
              (SELECT count(*) FROM contacts c WHERE c.source_id = s.id) AS contacts_left,
              (SELECT count(*) FROM customer_records r WHERE r.source_id = s.id) AS records_left
         FROM sources s WHERE s.id = $1`,
      [id],
    );
    const r = rows[0];
    const purge = readSourceProgress(r?.progress).purge;
    const n = (v: unknown) => (typeof v === 'number' ? v : 0);
    return {
      contacts: n(purge?.contacts),
      records: n(purge?.records),
      contactsLeft: Number(r?.contacts_left ?? 0),
      recordsLeft: Number(r?.records_left ?? 0),
    };
  }

  /** Names of sources by id, deleted ones included (a customer page names the source of each record). */
  async names(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows: { id: string; name: string }[] = await this.db.query(
      `SELECT id, name FROM sources WHERE id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
