import { Router } from 'express';
import { intercomSource } from '../../context';
import { ApiError } from '../../errors';
import { oauthStateKey, startOAuthState } from '../../oauth-state';
import { OAUTH_CALLBACK_PATH } from '../../routes/intercom';
import type { PageContext } from '../page-context';
import { pendingPath } from '../pending';
import { field, formSelection, type Body } from '../request';
import { refuseOtherWorkspace } from '../../workspace-check';

/** The overview's commands: connect (OAuth or a pasted token), then start the import with the chosen data. */
export function connectRoutes(pc: PageContext): Router {
  const { deps } = pc;
  const router = Router();

  // "Connect with Intercom": the OAuth redirect of GET /v1/data_sources/{id}/intercom/connect, as a form POST.
  router.post('/sources/:id/connect', async (req, res) => {
    const source = await intercomSource(pc, req.params.id);
    const { clientId, clientSecret } = deps.config.intercom;
    if (!clientId || !clientSecret || !deps.config.encryptionKey) {
      throw new ApiError(
        409,
        'OAuth is not configured (INTERCOM_CLIENT_ID, INTERCOM_CLIENT_SECRET and ENCRYPTION_KEY): paste an access token instead.',
      );
    }
    const url = new URL(pc.oauthBase);
    url.searchParams.set('client_id', clientId);
    const key = oauthStateKey(deps.config.encryptionKey);
    url.searchParams.set('state', startOAuthState(res, key, source.id, deps.config.publicUrl));
    url.searchParams.set('redirect_uri', `${deps.config.publicUrl}${OAUTH_CALLBACK_PATH}`);
    res.redirect(303, url.toString());
  });

  router.post('/sources/:id/token', async (req, res) => {
    const source = await intercomSource(pc, req.params.id);
    const token = (field(req.body as Body, 'access_token') ?? '').trim();
    if (!token || token.length > 4096) throw new ApiError(400, 'Paste the access token of a private Intercom app.');
    await refuseOtherWorkspace(deps, source, token);
    await deps.credentials.save(source.id, token);
    await deps.workflows.connected(source.id);
    deps.log.info({ sourceId: source.id }, 'access token stored from the web app; workflow signalled');
    res.redirect(303, pendingPath(source.id, 'connect'));
  });

  router.post('/sources/:id/import', async (req, res) => {
    const source = await intercomSource(pc, req.params.id);
    await deps.workflows.startImport(source.id, formSelection(req.body as Body));
    res.redirect(303, pendingPath(source.id, 'import'));
  });

  return router;
}
