import { Router } from 'express';
import { DEFAULT_INTERCOM_API_BASE, exchangeOAuthCode, OAuthExchangeError } from '../../intercom/oauth';
import { intercomSource, type ApiContext } from '../context';
import { ApiError, htmlPage, parseInput } from '../errors';
import { OAuthStateUses } from '../../db/repositories/oauth-states';
import { clearOAuthBrowser, oauthStateKey, sameBrowser, verifyOAuthState } from '../oauth-state';
import { refuseOtherWorkspace } from '../workspace-check';
import { oauthCallbackQuery } from '../schemas';
import { OAUTH_CALLBACK_PATH } from './intercom';

const START_AGAIN = 'Start the connection again from the data source.';

/**
 * Where Intercom sends the user back: checked by the signed `state`, not by an API key. A state is accepted once,
 * and only from the browser that started the flow (its cookie), so a leaked or replayed callback URL connects nothing.
 */
export function oauthCallbackRoutes(ctx: ApiContext): Router {
  const router = Router();
  const { deps } = ctx;
  const uses = new OAuthStateUses(deps.db);

  router.get(OAUTH_CALLBACK_PATH, async (req, res) => {
    const q = parseInput(oauthCallbackQuery, req.query, 'query');
    const { encryptionKey, intercom } = deps.config;
    if (!encryptionKey || !intercom.clientId || !intercom.clientSecret) {
      throw new ApiError(
        409,
        'OAuth is not configured: set ENCRYPTION_KEY, INTERCOM_CLIENT_ID and INTERCOM_CLIENT_SECRET',
      );
    }
    const check = verifyOAuthState(oauthStateKey(encryptionKey), q.state);
    if (!check.ok) {
      const why = check.reason === 'expired' ? 'The connection attempt expired' : 'The connection attempt is not valid';
      throw new ApiError(400, `${why}. ${START_AGAIN}`, { state: check.reason });
    }
    if (!sameBrowser(req, check.browserHash)) {
      throw new ApiError(
        400,
        `The connection was started in another browser (or its cookie was blocked). ${START_AGAIN}`,
        {
          state: 'not from this browser',
        },
      );
    }
    if (!(await uses.use(check.nonce, new Date(check.expiresAt)))) {
      throw new ApiError(400, `This connection link was already used. ${START_AGAIN}`, { state: 'already used' });
    }
    clearOAuthBrowser(res);
    if (q.error) {
      throw new ApiError(400, `Intercom did not authorize the connection (${q.error}). ${START_AGAIN}`, {
        error: q.error,
      });
    }
    if (!q.code)
      throw new ApiError(400, `Intercom sent no authorization code. ${START_AGAIN}`, { code: 'is required' });
    const source = await intercomSource(ctx, check.sourceId);

    let token: string;
    try {
      token = await exchangeOAuthCode({
        apiBase: intercom.apiBase ?? DEFAULT_INTERCOM_API_BASE,
        code: q.code,
        clientId: intercom.clientId,
        clientSecret: intercom.clientSecret,
      });
    } catch (err) {
      if (err instanceof OAuthExchangeError) {
        deps.log.warn({ sourceId: source.id, status: err.status, reason: err.message }, 'OAuth code exchange failed');
        if (err.rejected)
          throw new ApiError(400, `${err.message}. ${START_AGAIN}`, { code: 'was refused by Intercom' });
        throw new ApiError(502, `Could not exchange the code with Intercom: ${err.message}`);
      }
      throw err;
    }
    await refuseOtherWorkspace(deps, source, token);
    await deps.credentials.save(source.id, token);
    await deps.workflows.connected(source.id);
    deps.log.info({ sourceId: source.id }, 'OAuth token stored; workflow signalled');

    const next = `/app/sources/${encodeURIComponent(source.id)}`;
    if (req.accepts(['html', 'json']) === 'json') {
      res.status(302).location(next).json({ uuid: source.id, status: 'connecting', location: next });
      return;
    }
    res
      .status(302)
      .location(next)
      .type('html')
      .send(htmlPage('Connected', `Intercom is connected to "${source.name}".`));
  });

  return router;
}
