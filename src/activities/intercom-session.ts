import { ApplicationFailure, Context } from '@temporalio/activity';
import { AttributeRepository } from '../db/repositories/attributes';
import { SourceConnection, type SourceForImport } from '../db/repositories/source-connection';
import { importSelectionSchema, type ImportSelection } from '../domain/source';
import type { AttributeSelection } from '../domain/intercom-mapping';
import { IntercomAuthError } from '../intercom/errors';
import { IntercomHttp, intercomBaseUrl } from '../intercom/http';
import { FailureType } from '../workflows/messages';
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
  if (!source || source.deletedAt)
    throw ApplicationFailure.nonRetryable(`Source ${sourceId} no longer exists`, FailureType.SourceGone);
  const token = await deps.credentials.load(sourceId);
  if (!token)
    throw ApplicationFailure.nonRetryable(
      'No Intercom token is stored for this source; connect it again',
      FailureType.TokenRejected,
    );

  let signal: AbortSignal | undefined;
  try {
    signal = Context.current().cancellationSignal;
  } catch {
    signal = undefined; // called outside an activity (tests, scripts)
  }
  const http = new IntercomHttp({
    baseUrl: intercomBaseUrl(region ?? source.region, deps.intercomApiBase),
    token,
    limiter: deps.limiters.forWorkspace(source.workspaceId ?? sourceId),
    signal,
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

/** A rejected token becomes a non-retryable failure the workflow turns into needs_reconnect. */
export function asActivityFailure(err: unknown, resumeFrom?: unknown): unknown {
  if (err instanceof IntercomAuthError) {
    return ApplicationFailure.create({
      message: 'Intercom rejected the access token (revoked or invalid): connect the source again',
      type: FailureType.TokenRejected,
      nonRetryable: true,
      details: resumeFrom === undefined ? [] : [resumeFrom],
    });
  }
  return err;
}
