import express, { Router, type ErrorRequestHandler } from 'express';
import type { ApiContext } from '../context';
import { describeError } from '../errors';
import { sourcePath } from './components';
import { html } from './html';
import { createPageContext, sendPage } from './page-context';
import { automationRoutes } from './routes/automations';
import { connectRoutes } from './routes/connect';
import { customerRoutes } from './routes/customers';
import { dataTableRoutes } from './routes/data-tables';
import { intercomSetupRoutes } from './routes/intercom-setup';
import { settingsRoutes } from './routes/settings';
import { sourceOverviewRoutes } from './routes/source-overview';
import { sourceRoutes } from './routes/sources';
import { checkCsrf, pageHeaders, requireAppKey } from './security';

/**
 * The web app under `/app`: server-rendered pages, plain forms (POST, CSRF token, 303 after success), no
 * client-side code; pages whose data moves by itself reload every few seconds. Same API keys as `/v1`, as HTTP
 * Basic. The pages call the same repositories and SourceWorkflows commands as the JSON routes.
 *
 * This file only composes: sign-in, security headers and CSRF for every page, the route modules by area, then
 * the 404 and error pages (so every failure under `/app` is a page, never the JSON error of `/v1`).
 */
export function pageRoutes(ctx: ApiContext): Router {
  const pc = createPageContext(ctx);
  const { deps } = ctx;

  const app = Router();
  app.use(requireAppKey(deps.config.apiKeys));
  app.use(pageHeaders([new URL(pc.oauthBase).origin]));
  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 5000 }));
  app.use((req, res, next) => {
    if (req.method !== 'POST' || checkCsrf(req, res)) {
      next();
      return;
    }
    sendPage(
      res,
      403,
      { title: 'Form expired' },
      html`<h1>Form expired</h1>
        <p>This form could not be verified. Go back, reload the page and submit it again.</p>`,
    );
  });

  // In this order: `/sources/new` is registered before `/sources/:id` would take "new" for an id.
  app.use(sourceRoutes(pc));
  app.use(sourceOverviewRoutes(pc));
  app.use(connectRoutes(pc));
  app.use(dataTableRoutes(pc));
  app.use(settingsRoutes(pc));
  app.use(customerRoutes(pc));
  app.use(automationRoutes(pc));
  app.use(intercomSetupRoutes(pc));

  app.use((req, res) => {
    sendPage(
      res,
      404,
      { title: 'Not found' },
      html`<h1>Not found</h1>
        <p>No page at ${req.originalUrl.split('?')[0]}.</p>
        <p><a href="/app/sources">Sources</a></p>`,
    );
  });

  const pageErrors: ErrorRequestHandler = (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const { status, body, unexpected } = describeError(err);
    if (unexpected) deps.log.error({ err, method: req.method, path: req.path }, 'page failed');
    const title = status === 404 ? 'Not found' : status >= 500 ? 'Something went wrong' : 'That did not work';
    const back = /^\/sources\/(ds_[a-z0-9]+)/.exec(req.path);
    sendPage(
      res,
      status,
      { title },
      html`<h1>${title}</h1>
        <p class="error" role="alert">${body.message}</p>
        <p>
          ${back ? html`<a href="${sourcePath(back[1])}">Back to the source</a> · ` : false}<a href="/app/sources"
            >Sources</a
          >
        </p>`,
    );
  };
  app.use(pageErrors);

  const router = Router();
  router.use('/app', app);
  return router;
}
