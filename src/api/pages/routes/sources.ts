import { Router, type Response } from 'express';
import { SourceNameTaken, type SourceSummary } from '../../../db/repositories/sources';
import {
  count,
  dataTable,
  MOVING_STATUSES,
  postForm,
  progressBlock,
  sourcePath,
  statusBadge,
  systemName,
  when,
} from '../components';
import { html } from '../html';
import { sendPage, type PageContext } from '../page-context';
import { field, type Body } from '../request';

const SOURCE_HEADERS = [
  'Name',
  'System',
  'Status',
  { num: 'Customers' },
  { num: 'Contacts' },
  'Last sync',
  'Temporal',
  'Settings',
];

/** The sources list and Add Source (choose the system, then name the source; creating it starts its workflow). */
export function sourceRoutes(pc: PageContext): Router {
  const { deps, queries, workflowUrl } = pc;
  const router = Router();

  router.get('/', (_req, res) => {
    res.redirect(303, '/app/sources');
  });

  router.get('/sources', async (_req, res) => {
    const list = await pc.sources.list();
    const purges = new Map(
      await Promise.all(
        list.filter((s) => s.status === 'deleting').map(async (s) => [s.id, await queries.purge(s.id)] as const),
      ),
    );
    const moving = list.some((s) => MOVING_STATUSES.has(s.status));
    const rows = list.map(
      (s) =>
        html`<tr>
          <td><a href="${sourcePath(s.id)}">${s.name}</a></td>
          <td>${systemName(s.system)}</td>
          <td>${statusBadge(s.status)}${progressBlock(s, purges.get(s.id) ?? null)}</td>
          <td class="num">${count(s.progress.companiesImported)}</td>
          <td class="num">${count(s.progress.contactsImported)}</td>
          <td>${when(s.lastSyncedAt)}</td>
          <td>
            ${s.system === 'intercom' ? html`<a href="${workflowUrl(s.id)}" rel="noopener" target="_blank">Workflow<span class="muted"> of ${s.name}</span></a>` : '—'}
          </td>
          <td>
            <a class="icon" href="${sourcePath(s.id, 'settings')}" title="Settings" aria-label="Settings of ${s.name}"
              >⚙</a
            >
          </td>
        </tr>`,
    );
    sendPage(
      res,
      200,
      { title: 'Sources', section: 'sources', refreshSeconds: moving ? 2 : undefined },
      html`<div class="row">
          <h1>Sources</h1>
          <a class="button" href="/app/sources/new">Add Source</a>
        </div>
        ${
          list.length === 0
            ? html`<p>No data sources yet. <a href="/app/sources/new">Add one</a> to import an Intercom workspace.</p>`
            : dataTable({
                caption: `Data sources${moving ? ' (updating every 2 seconds)' : ''}`,
                headers: SOURCE_HEADERS,
                rows,
              })
        }`,
    );
  });

  router.get('/sources/new', (_req, res) => {
    sendPage(
      res,
      200,
      { title: 'Add Source', section: 'sources' },
      html`<h1>Add Source</h1>
        <section aria-labelledby="crm">
          <h2 id="crm">CRM</h2>
          <p><a class="button" href="/app/sources/new/intercom">Intercom</a></p>
          <p class="muted">
            Imports Intercom companies as customers and the contacts linked to them, then keeps them in sync in real
            time.
          </p>
        </section>
        <p class="muted">
          Billing (custom) sources are created and fed through the Import API (<code>POST /v1/data_sources</code>).
        </p>`,
    );
  });

  router.get('/sources/new/intercom', (_req, res) => {
    sendNewSourceForm(res, 200, '');
  });

  router.post('/sources/new/intercom', async (req, res) => {
    const name = (field(req.body as Body, 'name') ?? '').trim();
    const fail = (status: number, message: string) => sendNewSourceForm(res, status, name, message);
    if (!name) return fail(400, 'Enter a name for the source.');
    if (name.length > 255) return fail(400, 'The name is too long (255 characters at most).');
    let source: SourceSummary;
    try {
      source = await pc.sources.create({ name, system: 'intercom' });
    } catch (err) {
      if (err instanceof SourceNameTaken) return fail(409, `A data source named "${name}" already exists.`);
      throw err;
    }
    try {
      await deps.workflows.start(source.id);
    } catch (err) {
      // A source without its workflow could never be connected: take it back so the name stays free.
      deps.log.error({ err, sourceId: source.id }, 'could not start the source workflow; removing the source');
      await pc.sources.removeUnused(source.id).catch(() => undefined);
      return fail(503, 'Could not start the workflow of the new source (is Temporal up?); nothing was created.');
    }
    deps.log.info({ sourceId: source.id }, 'Intercom source created from the web app');
    res.redirect(303, sourcePath(source.id));
  });

  return router;
}

/** The name form of a new Intercom source, again with the typed name and the error after a failed attempt. */
function sendNewSourceForm(res: Response, status: number, name: string, error?: string): void {
  sendPage(
    res,
    status,
    { title: 'Add an Intercom source', section: 'sources' },
    html`<h1>Add an Intercom source</h1>
      ${postForm(
        res,
        '/app/sources/new/intercom',
        html`<label for="name">Source name</label>
          <input
            type="text"
            id="name"
            name="name"
            required
            maxlength="255"
            value="${name}"
            ${error ? html` aria-invalid="true" aria-describedby="name-error"` : false}
          />
          ${error && html`<p class="error" id="name-error">${error}</p>`}
          <p class="muted">A unique name, e.g. the workspace or team it holds.</p>
          <button type="submit">Next</button>`,
      )}`,
  );
}
