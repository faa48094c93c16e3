import type { Response } from 'express';
import type { SourceSummary } from '../../db/repositories/sources';
import { DEFAULT_INTERCOM_OAUTH_URL } from '../../intercom/oauth';
import { sourceNotFound, type ApiContext } from '../context';
import { layout, type LayoutOptions, type SafeHtml } from './html';
import { SourceTables } from '../../db/repositories/source-tables';

/** What every page route module gets: the API's context plus the data tables and links. */
export interface PageContext extends ApiContext {
  /** The source's data tables. */
  tables: SourceTables;
  /** Where "Connect with Intercom" sends the browser; the CSP's form-action must allow its origin. */
  oauthBase: string;
  /** The source's workflow in the Temporal Web UI. */
  workflowUrl(sourceId: string): string;
  /** A live source, else a 404 page. */
  sourceOr404(id: string): Promise<SourceSummary>;
}

export function createPageContext(ctx: ApiContext): PageContext {
  const { config } = ctx.deps;
  // The Temporal Web UI of the local stack (`temporal server start-dev` serves it on TEMPORAL_UI_PORT).
  const temporalUi = `http://localhost:${config.temporal.uiPort}`;
  return {
    ...ctx,
    tables: new SourceTables(ctx.deps.db),
    oauthBase: config.intercom.oauthUrl ?? DEFAULT_INTERCOM_OAUTH_URL,
    workflowUrl: (id) =>
      `${temporalUi}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(`source:${id}`)}`,
    sourceOr404: async (id) => {
      const s = await ctx.sources.find(id);
      if (!s) throw sourceNotFound(id);
      return s;
    },
  };
}

/** Sends `body` in the page layout. */
export function sendPage(res: Response, status: number, opts: LayoutOptions, body: SafeHtml): void {
  res.status(status).type('html').send(layout(opts, body).value);
}
