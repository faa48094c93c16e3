import { AttributeRepository } from '../db/repositories/attributes';
import { SourceConnection } from '../db/repositories/source-connection';
import {
  importSelectionSchema,
  isSelectableAttributeName,
  MAX_ATTRIBUTE_NAME,
  unknownAttributes,
  type ImportSelection,
  type SourceStatus,
} from '../domain/source';
import { storableText } from '../domain/storable-values';
import { failure, FailureType } from '../failures';
import { identifyWorkspace, regionsToTry, workspaceMismatchMessage } from '../intercom/workspace';
import type { ActivityDeps } from './deps';
import { openIntercomSession } from './intercom-session';
interface DataAttribute {
  name: string;
  label?: string;
  data_type: string;
  custom?: boolean;
  archived?: boolean;
}

/** What PostgreSQL knows of a source, from which a new run of its workflow continues. */
export interface SourceRecord {
  status: string;
  lastError: string | null;
  /** The generation of the last backfill started, and when it started and finished. */
  generation: number;
  backfillStartedAt: string | null;
  backfillFinishedAt: string | null;
  /** Unix seconds of the last reconciliation's start, if any. */
  reconcileStartedAt: number | null;
}

export function createConnectionActivities(deps: ActivityDeps) {
  const sources = new SourceConnection(deps.db);
  const attributes = new AttributeRepository(deps.db);
  return {
    /** What a restarted source workflow continues from: the source's row (the workflow's recoveredState maps it). */
    async recoveryState(sourceId: string): Promise<SourceRecord> {
      const source = await sources.forImport(sourceId);
      if (!source) throw failure(FailureType.SourceGone, `Source ${sourceId} no longer exists`);
      const p = source.progress;
      const reconciled = p.reconcileStartedAt;
      return {
        status: source.deletedAt ? 'deleting' : source.status,
        lastError: source.lastError,
        generation: p.generation,
        backfillStartedAt: p.startedAt,
        backfillFinishedAt: p.finishedAt,
        reconcileStartedAt: reconciled ? Math.floor(Date.parse(reconciled) / 1000) : null,
      };
    },

    /** Mirrors the workflow's status into the database, which the API reads even when no worker runs. */
    async recordSourceStatus(sourceId: string, status: SourceStatus, lastError: string | null): Promise<void> {
      await sources.recordStatus(sourceId, status, lastError);
    },

    /**
     * GET /me: the token works; remember the workspace (webhook routing, rate limiter) and its region. A source
     * belongs to the first workspace it was connected to: a token of another one is refused (WorkspaceMismatch),
     * so the data of two workspaces never mixes in one source.
     */
    async verifyConnection(sourceId: string): Promise<{ workspaceId: string; region: string }> {
      const me = await identifyWorkspace(
        async (region) => (await openIntercomSession(deps, sourceId, region)).http,
        regionsToTry(deps.intercomApiBase),
      );
      const source = await sources.forImport(sourceId);
      if (source?.workspaceId && source.workspaceId !== me.workspaceId) {
        const own = { workspaceId: source.workspaceId, workspaceName: source.workspaceName };
        throw failure(FailureType.WorkspaceMismatch, workspaceMismatchMessage(own, me));
      }
      await sources.recordWorkspace(sourceId, {
        workspaceId: me.workspaceId,
        region: me.region,
        workspaceName: me.name,
      });
      return { workspaceId: me.workspaceId, region: me.region };
    },

    /** Loads both data attribute catalogues ("Update Fields"), keeping the user's selection flags. */
    async loadAttributeCatalogue(sourceId: string): Promise<{ company: number; contact: number }> {
      const session = await openIntercomSession(deps, sourceId);
      const counts = { company: 0, contact: 0 };
      for (const model of ['company', 'contact'] as const) {
        const list = await session.http.get<{ data: DataAttribute[] }>('/data_attributes', {
          query: { model, include_archived: true },
        });
        // A standard and a custom attribute can share a name; the custom one is what the user selects.
        const byName = new Map<string, DataAttribute>();
        for (const a of list.data) {
          if (!isSelectableAttributeName(a.name)) continue; // PostgreSQL could not store it, nor a user select it
          if (a.custom || !byName.has(a.name)) byName.set(a.name, a);
        }
        const rows = [...byName.values()].map((a) => ({
          model,
          name: a.name,
          label: storableText(String(a.label ?? a.name), MAX_ATTRIBUTE_NAME, 'label'),
          dataType: a.data_type,
          custom: a.custom === true,
          archived: a.archived === true,
        }));
        await attributes.saveCatalogue(sourceId, rows);
        counts[model] = rows.filter((r) => r.custom && !r.archived).length;
      }
      return counts;
    },

    /** Validates the selection against the catalogue and stores it; unknown attributes are the user's mistake. */
    async saveImportSelection(sourceId: string, input: ImportSelection): Promise<void> {
      const selection = importSelectionSchema.parse(input);
      const unknown = unknownAttributes(selection, await attributes.catalogue(sourceId));
      if (unknown.length > 0) {
        throw failure(
          FailureType.UnknownAttribute,
          `Unknown custom attribute(s): ${unknown.join(', ')}. GET /v1/data_sources/${sourceId}/intercom/fields lists them.`,
        );
      }
      await attributes.saveSelection(sourceId, selection);
    },
  };
}
