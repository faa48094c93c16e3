import { randomInt } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { SourceSystem } from '../entities/source';

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
  progress: {
    companiesImported: number;
    contactsImported: number;
    contactsSkippedNoCompany: number;
    pagesFetched: number;
    startedAt: string | null;
    finishedAt: string | null;
  };
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
  progress: Record<string, unknown> | null;
  companies_imported: string;
  contacts_imported: string;
}

const SUMMARY_SELECT = `
  SELECT s.id, s.name, s.system, s.status, s.region, s.workspace_id, s.last_synced_at, s.last_error, s.created_at,
         s.deleted_at, s.progress,
         counts.companies AS companies_imported, counts.contacts AS contacts_imported
    FROM sources s
    -- kept by triggers (migration SourceCounts): a sum of small deltas, not a count of every row
    CROSS JOIN LATERAL (
      SELECT coalesce(sum(d.companies), 0) AS companies, coalesce(sum(d.contacts), 0) AS contacts
        FROM source_count_deltas d WHERE d.source_id = s.id
    ) counts`;

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function toSummary(r: SummaryRow): SourceSummary {
  const p = r.progress ?? {};
  return {
    id: r.id,
    name: r.name,
    system: r.system,
    status: r.status,
    region: r.region,
    workspaceId: r.workspace_id,
    lastSyncedAt: r.last_synced_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    deletedAt: r.deleted_at,
    progress: {
      companiesImported: Number(r.companies_imported),
      contactsImported: Number(r.contacts_imported),
      contactsSkippedNoCompany: num(p.contactsSkippedNoCompany),
      pagesFetched: num(p.pagesFetched),
      startedAt: str(p.startedAt),
      finishedAt: str(p.finishedAt),
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

  /** Inserts a new source; throws SourceNameTaken when a live source has the name. */
  async create(input: { name: string; system: SourceSystem; status: string }): Promise<SourceSummary> {
    const id = newSourceId();
    try {
      await this.db.query(`INSERT INTO sources (id, name, system, status) VALUES ($1, $2, $3, $4)`, [
        id,
        input.name,
        input.system,
        input.status,
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

  /** The source, or null when unknown; a deleted source is null unless `includeDeleted`. */
  async find(id: string, opts: { includeDeleted?: boolean } = {}): Promise<SourceSummary | null> {
    const rows: SummaryRow[] = await this.db.query(
      `${SUMMARY_SELECT} WHERE s.id = $1 ${opts.includeDeleted ? '' : 'AND s.deleted_at IS NULL'}`,
      [id],
    );
    return rows.length ? toSummary(rows[0]) : null;
  }

  /** Live sources, oldest first, optionally filtered by exact name and system. */
  async list(filter: { name?: string; system?: SourceSystem } = {}): Promise<SourceSummary[]> {
    const where = ['s.deleted_at IS NULL'];
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
}
