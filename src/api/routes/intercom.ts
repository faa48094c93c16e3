import { Router } from 'express';
import { importSelectionSchema } from '../../domain/source';
import { DEFAULT_INTERCOM_OAUTH_URL } from '../../intercom/oauth';
import { intercomSource, type ApiContext } from '../context';
import { ApiError, parseInput } from '../errors';
import { oauthStateKey, startOAuthState } from '../oauth-state';
import { tokenBody } from '../schemas';
import { statusView } from '../views';
import { refuseOtherWorkspace } from '../workspace-check';

export const OAUTH_CALLBACK_PATH = '/oauth/intercom/callback';

/** `/v1/data_sources/{id}/intercom/…`: connecting an Intercom workspace and starting its import. */
export function intercomRoutes(ctx: ApiContext): Router {
  const router = Router();
  const { deps } = ctx;
  const base = '/v1/data_sources/:id/intercom';

  // A pasted private-app access token. The body is never logged; the token goes straight into the cipher.
  router.post(`${base}/token`, async (req, res) => {
    const source = await intercomSource(ctx, req.params.id);
    const { access_token } = parseInput(tokenBody, req.body, 'body');
    await refuseOtherWorkspace(deps, source, access_token);
    await deps.credentials.save(source.id, access_token);
    await deps.workflows.connected(source.id);
    deps.log.info({ sourceId: source.id }, 'access token stored; workflow signalled');
    res.status(202).json({ uuid: source.id, status: 'connecting' });
  });

  router.get(`${base}/connect`, async (req, res) => {
    const source = await intercomSource(ctx, req.params.id);
    const { clientId, clientSecret, oauthUrl } = deps.config.intercom;
    if (!clientId || !clientSecret) {
      throw new ApiError(
        409,
        'OAuth is not configured: set INTERCOM_CLIENT_ID and INTERCOM_CLIENT_SECRET (or paste an access token)',
        {
          INTERCOM_CLIENT_ID: clientId ? 'set' : 'not set',
          INTERCOM_CLIENT_SECRET: clientSecret ? 'set' : 'not set',
        },
      );
    }
    if (!deps.config.encryptionKey) {
      throw new ApiError(409, 'OAuth needs ENCRYPTION_KEY to sign its state: set ENCRYPTION_KEY', {
        ENCRYPTION_KEY: 'not set',
      });
    }
    const url = new URL(oauthUrl ?? DEFAULT_INTERCOM_OAUTH_URL);
    url.searchParams.set('client_id', clientId);
    const key = oauthStateKey(deps.config.encryptionKey);
    url.searchParams.set('state', startOAuthState(res, key, source.id, deps.config.publicUrl));
    url.searchParams.set('redirect_uri', `${deps.config.publicUrl}${OAUTH_CALLBACK_PATH}`);
    res.redirect(302, url.toString());
  });

  router.get(`${base}/fields`, async (req, res) => {
    const source = await intercomSource(ctx, req.params.id);
    if (!(await ctx.attributes.hasCatalogue(source.id))) {
      throw new ApiError(409, 'The Intercom attribute catalogue is not loaded yet: connect the source first', {
        status: source.status,
      });
    }
    const fields = await ctx.attributes.listSelectable(source.id);
    const view = (model: 'company' | 'contact') =>
      fields
        .filter((f) => f.model === model)
        .map((f) => ({ name: f.name, label: f.label, data_type: f.dataType, selected: f.selected }));
    res.json({ company: view('company'), contact: view('contact') });
  });

  router.post(`${base}/import`, async (req, res) => {
    const source = await intercomSource(ctx, req.params.id);
    const selection = parseInput(importSelectionSchema, req.body ?? {}, 'body');
    const view = await deps.workflows.startImport(source.id, selection);
    res.status(202).json(statusView(view));
  });

  // "Update Fields": reload the attribute catalogue from Intercom.
  router.post(`${base}/update-fields`, async (req, res) => {
    const source = await intercomSource(ctx, req.params.id);
    await deps.workflows.updateFields(source.id);
    res.status(202).json({ uuid: source.id, status: source.status });
  });

  // "Re-sync Data and Fields": a new backfill generation, with a new selection when the body carries one.
  router.post(`${base}/resync`, async (req, res) => {
    const source = await intercomSource(ctx, req.params.id);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const selection = Object.keys(body).length > 0 ? parseInput(importSelectionSchema, body, 'body') : null;
    const view = await deps.workflows.resync(source.id, selection);
    res.status(202).json(statusView(view));
  });

  // Reconcile with Intercom now (catches what webhooks missed) instead of at the next interval.
  router.post(`${base}/reconcile`, async (req, res) => {
    const source = await intercomSource(ctx, req.params.id);
    await deps.workflows.reconcile(source.id);
    res.status(202).json({ uuid: source.id, status: source.status });
  });

  return router;
}
