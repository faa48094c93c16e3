import { IntercomAuthError } from './errors';
import { IntercomHttp, intercomBaseUrl, REGION_HOSTS } from './http';
import { WorkspaceRateLimiter } from './rate-limiter';

export interface WorkspaceIdentity {
  /** Intercom's app id_code: what webhooks are routed by, and what a source belongs to for good. */
  workspaceId: string;
  name: string | null;
  region: string;
}

interface MeResponse {
  app?: { id_code?: string; name?: string; region?: string };
}

/** The regions to ask: Intercom's three hosts, or only the configured one (INTERCOM_API_BASE, the fake). */
export const regionsToTry = (apiBaseOverride?: string): string[] =>
  apiBaseOverride ? ['US'] : Object.keys(REGION_HOSTS);

/**
 * GET /me: which workspace a token belongs to. A token only works on its workspace's region's host (US, EU or AU),
 * so each host is asked in turn until one accepts it; IntercomAuthError when none does.
 */
export async function identifyWorkspace(
  httpFor: (region: string) => IntercomHttp | Promise<IntercomHttp>,
  regions: string[],
): Promise<WorkspaceIdentity> {
  let rejection: unknown;
  for (const region of regions) {
    let me: MeResponse;
    try {
      me = await (await httpFor(region)).get<MeResponse>('/me');
    } catch (err) {
      if (!(err instanceof IntercomAuthError)) throw err;
      rejection = err;
      continue;
    }
    const workspaceId = me.app?.id_code;
    if (!workspaceId) throw new IntercomAuthError(200, 'no_workspace', 'Intercom /me did not name a workspace', '/me');
    return { workspaceId, name: me.app?.name ?? null, region: (me.app?.region ?? region).toUpperCase() };
  }
  throw rejection;
}

/** The workspace of a token the API was just given, asked before anything is stored (reconnect checks). */
export function identifyTokenWorkspace(token: string, apiBaseOverride?: string): Promise<WorkspaceIdentity> {
  return identifyWorkspace(
    (region) =>
      new IntercomHttp({
        baseUrl: intercomBaseUrl(region, apiBaseOverride),
        token,
        limiter: new WorkspaceRateLimiter(),
        maxRetries: 2,
      }),
    regionsToTry(apiBaseOverride),
  );
}

/** The message of a refused reconnect: which workspace the source belongs to, and which one the token opens. */
export function workspaceMismatchMessage(
  source: { workspaceId: string; workspaceName?: string | null },
  given: WorkspaceIdentity,
): string {
  const named = (id: string, name: string | null | undefined) => (name ? `"${name}" (${id})` : id);
  const own = named(source.workspaceId, source.workspaceName);
  return (
    `This source belongs to the Intercom workspace ${own}, but the token is for ${named(given.workspaceId, given.name)}. ` +
    `Use a token of ${own}, or add a new source for the other workspace.`
  );
}
