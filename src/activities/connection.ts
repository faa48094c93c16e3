import { ApplicationFailure } from '@temporalio/activity';
import { AttributeDefinitionEntity, SourceEntity } from '../db/entities';
import {
  importSelectionSchema,
  isSelectableAttributeName,
  MAX_ATTRIBUTE_NAME,
  unknownAttributes,
  type ImportSelection,
  type SourceStatus,
} from '../domain/source';
import { storableText } from '../domain/storable-values';
import { FailureType } from '../workflows/messages';
import type { ActivityDeps } from './deps';
import { asActivityFailure, openIntercomSession } from './intercom-session';
import { IntercomAuthError } from '../intercom/errors';
import { REGION_HOSTS } from '../intercom/http';

interface MeResponse {
  app?: { id_code?: string; name?: string; region?: string; timezone?: string };
}
interface DataAttribute {
  name: string;
  label?: string;
  data_type: string;
  custom?: boolean;
  archived?: boolean;
}

export function createConnectionActivities(deps: ActivityDeps) {
  return {
    /** Mirrors the workflow's status into the database, which the API reads even when no worker runs. */
    async recordSourceStatus(sourceId: string, status: SourceStatus, lastError: string | null): Promise<void> {
      await deps.db.getRepository(SourceEntity).update({ id: sourceId }, { status, lastError });
    },

    /** GET /me: the token works; remember the workspace (webhook routing, rate limiter) and its region. */
    async verifyConnection(sourceId: string): Promise<{ workspaceId: string; region: string }> {
      // A workspace's token only works on its region's host (US, EU or AU), and the region is what /me tells:
      // ask each host in turn until one accepts the token. With INTERCOM_API_BASE there is only that host.
      const regions = deps.intercomApiBase ? ['US'] : Object.keys(REGION_HOSTS);
      let rejection: unknown;
      for (const region of regions) {
        const session = await openIntercomSession(deps, sourceId, region);
        let me: MeResponse;
        try {
          me = await session.http.get<MeResponse>('/me');
        } catch (err) {
          if (!(err instanceof IntercomAuthError)) throw asActivityFailure(err);
          rejection = err;
          continue;
        }
        const workspaceId = me.app?.id_code;
        if (!workspaceId) {
          throw ApplicationFailure.nonRetryable('Intercom /me did not name a workspace', FailureType.TokenRejected);
        }
        const reported = (me.app?.region ?? region).toUpperCase();
        await deps.db
          .getRepository(SourceEntity)
          .update(
            { id: sourceId },
            { workspaceId, region: reported, workspaceName: me.app?.name ?? null, lastError: null },
          );
        return { workspaceId, region: reported };
      }
      throw asActivityFailure(rejection);
    },

    /** Loads both data attribute catalogues ("Update Fields"), keeping the user's selection flags. */
    async loadAttributeCatalogue(sourceId: string): Promise<{ company: number; contact: number }> {
      const session = await openIntercomSession(deps, sourceId);
      const counts = { company: 0, contact: 0 };
      try {
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
            sourceId,
            model,
            name: a.name,
            label: storableText(String(a.label ?? a.name), MAX_ATTRIBUTE_NAME, 'label'),
            dataType: a.data_type,
            custom: a.custom === true,
            archived: a.archived === true,
          }));
          if (rows.length > 0) {
            await deps.db
              .createQueryBuilder()
              .insert()
              .into(AttributeDefinitionEntity)
              .values(rows)
              .orUpdate(['label', 'data_type', 'custom', 'archived'], ['source_id', 'model', 'name'])
              .execute();
          }
          counts[model] = rows.filter((r) => r.custom && !r.archived).length;
        }
        return counts;
      } catch (err) {
        throw asActivityFailure(err);
      }
    },

    /** Validates the selection against the catalogue and stores it; unknown attributes are the user's mistake. */
    async saveImportSelection(sourceId: string, input: ImportSelection): Promise<void> {
      const selection = importSelectionSchema.parse(input);
      const repo = deps.db.getRepository(AttributeDefinitionEntity);
      const catalogue = await repo.findBy({ sourceId });
      const unknown = unknownAttributes(
        selection,
        catalogue.map((d) => ({ ...d, label: d.label })),
      );
      if (unknown.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `Unknown custom attribute(s): ${unknown.join(', ')}. GET /v1/data_sources/${sourceId}/intercom/fields lists them.`,
          FailureType.UnknownAttribute,
        );
      }
      await deps.db.transaction(async (tx) => {
        await tx.getRepository(SourceEntity).update({ id: sourceId }, { settings: selection });
        await tx.getRepository(AttributeDefinitionEntity).update({ sourceId }, { selected: false });
        for (const model of ['company', 'contact'] as const) {
          const names = selection.custom_attributes[model];
          if (names.length > 0) {
            await tx
              .createQueryBuilder()
              .update(AttributeDefinitionEntity)
              .set({ selected: true })
              .where('source_id = :sourceId AND model = :model AND name IN (:...names)', { sourceId, model, names })
              .execute();
          }
        }
      });
    },
  };
}
