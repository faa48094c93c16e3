import { AttributeRepository } from '../db/repositories/attributes';
import { SourceConnection, type SourceForImport } from '../db/repositories/source-connection';
import { importSelectionSchema, type ImportSelection } from '../domain/source';
import type { AttributeSelection } from '../domain/intercom-mapping';
import { IntercomHttp, intercomBaseUrl } from '../intercom/http';
import { failure, FailureType } from '../failures';
import { activityContext } from './heartbeat';
import type { ActivityDeps } from './deps';

export interface IntercomSession {
  source: SourceForImport;
  http: IntercomHttp;
  selection: ImportSelection;
  attributes: { company: AttributeSelection; contact: AttributeSelection };
}

/**
 * Opens what an import activity needs for one source: its row, a rate-limited Intercom client with the
 * decrypted token (which never leaves this activity), and the user's attribute selection with data types.
 */
export async function openIntercomSession(
  deps: ActivityDeps,
  sourceId: string,
  /** Talk to this region's host instead of the stored one (connecting, before the region is known). */
  region?: string,
): Promise<IntercomSession> {
  const source = await new SourceConnection(deps.db).forImport(sourceId);
  if (!source || source.deletedAt) throw failure(FailureType.SourceGone, `Source ${sourceId} no longer exists`);
  const token = await deps.credentials.load(sourceId);
  if (!token) throw failure(FailureType.TokenRejected, 'No Intercom token is stored for this source; connect it again');

  const ctx = activityContext();
  const http = new IntercomHttp({
    baseUrl: intercomBaseUrl(region ?? source.region, deps.intercomApiBase),
    token,
    limiter: deps.limiters.forWorkspace(source.workspaceId ?? sourceId),
    signal: ctx.signal,
    // Every wait (rate-limit window, 429, backoff, a slow answer) heartbeats: a slow Intercom is not a dead worker.
    keepAlive: ctx.keepAlive,
    onResponse: (status) => deps.metrics.apiRequests.inc({ status: `${Math.floor(status / 100)}xx` }),
  });

  const selection = importSelectionSchema.parse(source.settings ?? {});
  const defs = await new AttributeRepository(deps.db).catalogue(sourceId);
  const typesOf = (model: 'company' | 'contact') =>
    new Map(defs.filter((d) => d.model === model).map((d) => [d.name, d.dataType]));
  return {
    source,
    http,
    selection,
    attributes: {
      company: { names: selection.custom_attributes.company, dataTypes: typesOf('company') },
      contact: { names: selection.custom_attributes.contact, dataTypes: typesOf('contact') },
    },
  };
}
