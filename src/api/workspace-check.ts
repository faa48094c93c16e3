import { IntercomHttpError } from '../intercom/errors';
import { identifyTokenWorkspace, workspaceMismatchMessage } from '../intercom/workspace';
import type { SourceSummary } from '../db/repositories/sources';
import type { ApiDeps } from './app';
import { ApiError } from './errors';

/**
 * A source belongs to the first Intercom workspace it was connected to. Before a new token of a connected source is
 * stored, Intercom is asked whose it is: a token of another workspace is refused (409) and nothing is written, so
 * the data of two workspaces never mixes in one source. A token Intercom rejects, or an Intercom that cannot be
 * reached now, is left to the workflow's own check (it verifies every token, and refuses a mismatch too).
 */
export async function refuseOtherWorkspace(deps: ApiDeps, source: SourceSummary, token: string): Promise<void> {
  if (!source.workspaceId) return;
  let given;
  try {
    given = await identifyTokenWorkspace(token, deps.config.intercom.apiBase);
  } catch (err) {
    if (err instanceof IntercomHttpError) return;
    throw err;
  }
  if (given.workspaceId === source.workspaceId) return;
  deps.log.warn(
    { sourceId: source.id, workspaceId: source.workspaceId, given: given.workspaceId },
    'token of another Intercom workspace refused',
  );
  throw new ApiError(409, workspaceMismatchMessage({ workspaceId: source.workspaceId }, given), {
    access_token: `belongs to Intercom workspace ${given.workspaceId}`,
    workspace_id: source.workspaceId,
  });
}
