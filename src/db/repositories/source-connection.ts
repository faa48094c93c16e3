import type { DataSource } from 'typeorm';
import type { SourceStatus } from '../../domain/source';
import { SourceEntity } from '../entities';
import { readSourceProgress, type StoredProgress } from './source-progress';

/** What the source's activities need of its row. */
export interface SourceForImport {
  id: string;
  status: string;
  lastError: string | null;
  region: string | null;
  workspaceName: string | null;
  workspaceId: string | null;
  /** The user's selection as stored (`ImportSelection`, parsed by the caller). */
  settings: Record<string, unknown> | null;
  deletedAt: Date | null;
  progress: StoredProgress;
}

/** The `sources` row as the source's workflow keeps it: its status mirror and its Intercom workspace. */
export class SourceConnection {
  constructor(private readonly db: DataSource) {}

  async forImport(sourceId: string): Promise<SourceForImport | null> {
    const s = await this.db.getRepository(SourceEntity).findOneBy({ id: sourceId });
    if (!s) return null;
    return {
      id: s.id,
      status: s.status,
      lastError: s.lastError,
      region: s.region,
      workspaceName: s.workspaceName,
      workspaceId: s.workspaceId,
      settings: s.settings,
      deletedAt: s.deletedAt,
      progress: readSourceProgress(s.progress),
    };
  }

  /** Mirrors the workflow's status (the API reads it even when no worker runs). */
  async recordStatus(sourceId: string, status: SourceStatus, lastError: string | null): Promise<void> {
    await this.db.getRepository(SourceEntity).update({ id: sourceId }, { status, lastError });
  }

  /** The workspace the token belongs to (webhook routing, rate limiter) and its region. */
  async recordWorkspace(
    sourceId: string,
    workspace: { workspaceId: string; region: string; workspaceName: string | null },
  ): Promise<void> {
    await this.db.getRepository(SourceEntity).update({ id: sourceId }, { ...workspace, lastError: null });
  }
}
