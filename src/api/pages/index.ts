import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { loadMergeRules, saveMergeRules } from '../../db/repositories/merge';
import { SourceNameTaken, type SourceSummary } from '../../db/repositories/sources';
import { importSelectionSchema, type ImportSelection } from '../../domain/source';
import { DEFAULT_INTERCOM_OAUTH_URL } from '../../intercom/oauth';
import { intercomSource, sourceNotFound, type ApiContext } from '../context';
import { ApiError, describeError } from '../errors';
import { oauthStateKey, signOAuthState } from '../oauth-state';
import { OAUTH_CALLBACK_PATH } from '../routes/intercom';
import {
  attrValue,
  count,
  customerPath,
  MOVING_STATUSES,
  pager,
  postForm,
  progressBlock,
  selectionFields,
  sourcePath,
  sourceTabs,
  statusBadge,
  systemName,
  tableSearch,
  when,
} from './components';
import { html, layout, withQuery, type LayoutOptions, type SafeHtml } from './html';
import { MAX_PAGE_SIZE, PAGE_SIZE, PageQueries } from './queries';
import { checkCsrf, pageHeaders, requireAppKey } from './security';

type Body = Record<string, unknown>;

/** The first value of a form field (repeated fields arrive as arrays). */
const field = (body: Body, name: string): string | undefined => {
  const v = body[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' ? first : undefined;
};
const fields = (body: Body, name: string): string[] => {
  const v = body[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
};
const queryString = (req: Request, name: string): string | undefined => {
  const v = req.query[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
};

/** A data table's query string: `q` (search), `after` (keyset cursor), `per_page` (1 to 200, default 50). */
function tableQuery(req: Request) {
  const perPage = queryString(req, 'per_page');
  const n = perPage && /^\d{1,3}$/.test(perPage) ? Number(perPage) : PAGE_SIZE;
  const limit = Math.min(Math.max(n, 1), MAX_PAGE_SIZE);
  return {
    q: queryString(req, 'q'),
    after: queryString(req, 'after'),
    perPage: limit === PAGE_SIZE ? undefined : String(limit),
    limit,
  };
}

/** The selection a "choose the data" form posted. */
function formSelection(body: Body): ImportSelection {
  const parsed = importSelectionSchema.safeParse({
    companies: field(body, 'companies') === 'on',
    contacts: field(body, 'contacts') === 'on',
    custom_attributes: { company: fields(body, 'company_attributes'), contact: fields(body, 'contact_attributes') },
  });
  if (!parsed.success) throw new ApiError(400, 'The selection is not valid');
  return parsed.data;
}

const NOTICES: Record<string, string> = {
  fields: 'Update Fields requested: the attribute list is being reloaded from Intercom.',
  merge: 'Merge automation saved. It applies to customers created or updated from now on.',
};

/**
 * After a command the workflow applies asynchronously, the source page is opened with `pending` and `since` (ms):
 * until the source shows the command's effect (for a minute at most) the page says what it waits for and reloads.
 */
type Pending = 'connect' | 'import' | 'resync' | 'delete';
const PENDING_TEXT: Record<Pending, string> = {
  connect: 'Connecting to Intercom…',
  import: 'Starting the import…',
  resync: 'Starting the re-sync…',
  delete: 'Starting the deletion…',
};
const PENDING_WINDOW_MS = 60_000;

const pendingPath = (id: string, pending: Pending): string =>
  withQuery(sourcePath(id), { pending, since: String(Date.now()) });

function waitingFor(req: Request, s: SourceSummary): string | null {
  const pending = queryString(req, 'pending') as Pending | undefined;
  const since = Number(queryString(req, 'since'));
  if (!pending || !(pending in PENDING_TEXT) || !Number.isFinite(since) || Date.now() - since > PENDING_WINDOW_MS) {
    return null;
  }
  let waiting: boolean;
  if (pending === 'connect') waiting = s.status === 'awaiting_connection' || s.status === 'needs_reconnect';
  else if (pending === 'delete') waiting = s.status !== 'deleting';
  else {
    const started = s.progress.startedAt ? Date.parse(s.progress.startedAt) : NaN;
    waiting = !MOVING_STATUSES.has(s.status) && !(started >= since - 1000);
  }
  return waiting ? PENDING_TEXT[pending] : null;
}

function send(res: Response, status: number, opts: LayoutOptions, body: SafeHtml): void {
  res.status(status).type('html').send(layout(opts, body).value);
}

/**
 * The web app under `/app`: server-rendered pages, plain forms (POST, CSRF token, 303 after success), no
 * client-side code; pages whose data moves by itself reload every few seconds. Same API keys as `/v1`, as HTTP
 * Basic. The pages call the same repositories and SourceWorkflows commands as the JSON routes.
 */
export function pageRoutes(ctx: ApiContext): Router {
  const { deps } = ctx;
  const queries = new PageQueries(deps.db);
  const oauthBase = deps.config.intercom.oauthUrl ?? DEFAULT_INTERCOM_OAUTH_URL;
  // The Temporal Web UI of the local stack (`temporal server start-dev` serves it on TEMPORAL_UI_PORT).
  const temporalUi = `http://localhost:${deps.config.temporal.uiPort}`;
  const workflowUrl = (id: string) =>
    `${temporalUi}/namespaces/${encodeURIComponent(deps.config.temporal.namespace)}/workflows/${encodeURIComponent(`source:${id}`)}`;

  const app = Router();
  app.use(requireAppKey(deps.config.apiKeys));
  app.use(pageHeaders([new URL(oauthBase).origin]));
  app.use(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 5000 }));
  app.use((req, res, next) => {
    if (req.method !== 'POST' || checkCsrf(req, res)) {
      next();
      return;
    }
    send(
      res,
      403,
      { title: 'Form expired' },
      html`<h1>Form expired</h1>
        <p>This form could not be verified. Go back, reload the page and submit it again.</p>`,
    );
  });

  const sourceOr404 = async (id: string): Promise<SourceSummary> => {
    const s = await ctx.sources.find(id);
    if (!s) throw sourceNotFound(id);
    return s;
  };

  app.get('/', (_req, res) => {
    res.redirect(303, '/app/sources');
  });

  // Sources list.
  app.get('/sources', async (_req, res) => {
    const list = await ctx.sources.list();
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
        </tr>`,
    );
    send(
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
            : html`<div class="scroll">
                <table>
                  <caption class="muted">
                    Data sources${moving ? ' (updating every 2 seconds)' : ''}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">System</th>
                      <th scope="col">Status</th>
                      <th scope="col" class="num">Customers</th>
                      <th scope="col" class="num">Contacts</th>
                      <th scope="col">Last sync</th>
                      <th scope="col">Temporal</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${rows}
                  </tbody>
                </table>
              </div>`
        }`,
    );
  });

  // Add Source: choose the system, then name it.
  app.get('/sources/new', (_req, res) => {
    send(
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

  const newSourceForm = (res: Response, name: string, error?: string) =>
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
          <button type="submit">Continue</button>`,
      )}`;

  app.get('/sources/new/intercom', (_req, res) => {
    send(res, 200, { title: 'Add an Intercom source', section: 'sources' }, newSourceForm(res, ''));
  });

  app.post('/sources/new/intercom', async (req, res) => {
    const name = (field(req.body as Body, 'name') ?? '').trim();
    const fail = (status: number, message: string) =>
      send(res, status, { title: 'Add an Intercom source', section: 'sources' }, newSourceForm(res, name, message));
    if (!name) return fail(400, 'Enter a name for the source.');
    if (name.length > 255) return fail(400, 'The name is too long (255 characters at most).');
    let source: SourceSummary;
    try {
      source = await ctx.sources.create({ name, system: 'intercom', status: 'awaiting_connection' });
    } catch (err) {
      if (err instanceof SourceNameTaken) return fail(409, `A data source named "${name}" already exists.`);
      throw err;
    }
    try {
      await deps.workflows.start(source.id);
    } catch (err) {
      deps.log.error({ err, sourceId: source.id }, 'could not start the source workflow; removing the source');
      await ctx.sources.removeUnused(source.id).catch(() => undefined);
      return fail(503, 'Could not start the workflow of the new source (is Temporal up?); nothing was created.');
    }
    deps.log.info({ sourceId: source.id }, 'Intercom source created from the web app');
    res.redirect(303, sourcePath(source.id));
  });

  // A source: its state and the next step (connect, choose the data, progress).
  app.get('/sources/:id', async (req, res) => {
    const s = await ctx.sources.find(req.params.id, { includeDeleted: true });
    if (!s) throw sourceNotFound(req.params.id);
    if (s.deletedAt || s.status === 'deleted') {
      send(
        res,
        200,
        { title: `${s.name} (deleted)`, section: 'sources' },
        html`<h1>${s.name}</h1>
          <p role="status">${statusBadge('deleted')} This source and all its data were deleted permanently.</p>
          <p><a href="/app/sources">Back to the sources</a></p>`,
      );
      return;
    }
    const purge = s.status === 'deleting' ? await queries.purge(s.id) : null;
    let next: SafeHtml | false = false;
    let refresh = MOVING_STATUSES.has(s.status);
    const waiting = waitingFor(req, s);
    if (waiting) {
      next = html`<p role="status">${waiting}</p>`;
    } else if (s.system === 'intercom' && s.status === 'awaiting_connection' && (await queries.hasCredential(s.id))) {
      // Back from Intercom's OAuth page: the token is stored, the workflow is about to verify it.
      refresh = true;
      next = html`<p role="status">Verifying the connection with Intercom…</p>`;
    } else if (s.system === 'intercom' && (s.status === 'awaiting_connection' || s.status === 'needs_reconnect')) {
      next = html`<section aria-labelledby="connect">
        <h2 id="connect">Connect with Intercom</h2>
        ${s.status === 'needs_reconnect' && html`<p class="warning">Intercom refused the stored access. Connect again: nothing is lost meanwhile.</p>`}
        <p>Log in to Intercom and authorize access to the workspace.</p>
        ${postForm(res, sourcePath(s.id, 'connect'), html`<button type="submit">Connect with Intercom</button>`)}
        <h3>Or paste a private-app access token</h3>
        ${postForm(
          res,
          sourcePath(s.id, 'token'),
          html`<label for="access_token">Access token</label>
            <input type="password" id="access_token" name="access_token" required autocomplete="off" />
            <button type="submit" class="secondary">Connect with the token</button>`,
        )}
      </section>`;
    } else if (s.system === 'intercom' && s.status === 'connected') {
      if (await ctx.attributes.hasCatalogue(s.id)) {
        const attributes = await ctx.attributes.listSelectable(s.id);
        next = html`<section aria-labelledby="choose">
          <h2 id="choose">Choose the data</h2>
          <p>
            Only the custom data attributes you select are imported. You can change this later with Re-sync Data and
            Fields.
          </p>
          ${postForm(res, sourcePath(s.id, 'import'), html`${selectionFields(attributes, null)}<button type="submit">Start Import</button>`)}
        </section>`;
      } else {
        refresh = true;
        next = html`<p role="status">Loading the data attributes from Intercom…</p>`;
      }
    } else if (s.status === 'connecting') {
      next = html`<p role="status">Verifying the connection with Intercom…</p>`;
    }
    send(
      res,
      200,
      {
        title: s.name,
        section: 'sources',
        // While a command is being picked up the page reloads itself as is; afterwards at its plain address.
        refreshSeconds: waiting ? 1 : refresh ? 2 : undefined,
        refreshUrl: waiting ? undefined : sourcePath(s.id),
      },
      html`<h1>${s.name}</h1>
        ${sourceTabs(s, 'overview', workflowUrl(s.id))}
        <section aria-labelledby="state">
          <h2 id="state">Status</h2>
          <dl class="grid">
            <dt>System</dt>
            <dd>${systemName(s.system)}</dd>
            <dt>Status</dt>
            <dd>${statusBadge(s.status)} ${progressBlock(s, purge)}</dd>
            <dt>Customers</dt>
            <dd>${count(s.progress.companiesImported)}</dd>
            <dt>Contacts</dt>
            <dd>${count(s.progress.contactsImported)}</dd>
            ${
              s.system === 'intercom' &&
              html`<dt>Pages fetched</dt>
                <dd>${count(s.progress.pagesFetched)}</dd>
                <dt>Contacts skipped (no company)</dt>
                <dd>${count(s.progress.contactsSkippedNoCompany)}</dd>
                <dt>Workspace</dt>
                <dd>${s.workspaceId ?? '—'}${s.region ? ` (${s.region})` : ''}</dd>`
            }
            <dt>Last sync</dt>
            <dd>${when(s.lastSyncedAt)}</dd>
            <dt>Created</dt>
            <dd>${when(s.createdAt)}</dd>
            ${
              s.lastError &&
              html`<dt>Last error</dt>
                <dd class="error">${s.lastError}</dd>`
            }
          </dl>
        </section>
        ${next}`,
    );
  });

  // "Connect with Intercom": the OAuth redirect of GET /v1/data_sources/{id}/intercom/connect, as a form POST.
  app.post('/sources/:id/connect', async (req, res) => {
    const source = await intercomSource(ctx, req.params.id);
    const { clientId, clientSecret } = deps.config.intercom;
    if (!clientId || !clientSecret || !deps.config.encryptionKey) {
      throw new ApiError(
        409,
        'OAuth is not configured (INTERCOM_CLIENT_ID, INTERCOM_CLIENT_SECRET and ENCRYPTION_KEY): paste an access token instead.',
      );
    }
    const url = new URL(oauthBase);
    url.searchParams.set('client_id', clientId);
    url.searchParams.set('state', signOAuthState(oauthStateKey(deps.config.encryptionKey), source.id));
    url.searchParams.set('redirect_uri', `${deps.config.publicUrl}${OAUTH_CALLBACK_PATH}`);
    res.redirect(303, url.toString());
  });

  app.post('/sources/:id/token', async (req, res) => {
    const source = await intercomSource(ctx, req.params.id);
    const token = (field(req.body as Body, 'access_token') ?? '').trim();
    if (!token || token.length > 4096) throw new ApiError(400, 'Paste the access token of a private Intercom app.');
    await deps.credentials.save(source.id, token);
    await deps.workflows.connected(source.id);
    deps.log.info({ sourceId: source.id }, 'access token stored from the web app; workflow signalled');
    res.redirect(303, pendingPath(source.id, 'connect'));
  });

  app.post('/sources/:id/import', async (req, res) => {
    const source = await intercomSource(ctx, req.params.id);
    await deps.workflows.startImport(source.id, formSelection(req.body as Body));
    res.redirect(303, pendingPath(source.id, 'import'));
  });

  // Data tables: the source's customers (its records) and contacts, with the selected custom attributes.
  app.get('/sources/:id/customers', async (req, res) => {
    const s = await sourceOr404(req.params.id);
    const { q, after, perPage, limit } = tableQuery(req);
    const [table, attributes] = await Promise.all([
      queries.records(s.id, { q, after, limit }),
      ctx.attributes.listSelectable(s.id),
    ]);
    const columns = attributes.filter((a) => a.model === 'company' && a.selected);
    const action = sourcePath(s.id, 'customers');
    const rows = table.rows.map(
      (r) =>
        html`<tr>
          <td>
            ${r.customerId ? html`<a href="${customerPath(r.customerId)}">${r.name || r.externalId}</a>` : r.name || r.externalId}${r.deletedInSourceAt && html` <span class="muted">(deleted in Intercom)</span>`}
          </td>
          <td>${r.externalId}</td>
          <td>${r.websiteUrl ?? ''}</td>
          <td>${r.plan ?? ''}</td>
          <td>${when(r.leadCreatedAt)}</td>
          ${columns.map((c) => html`<td>${attrValue(r.custom[c.name])}</td>`)}
        </tr>`,
    );
    send(
      res,
      200,
      { title: `${s.name}: customers`, section: 'sources' },
      html`<h1>${s.name}</h1>
        ${sourceTabs(s, 'customers', workflowUrl(s.id))}
        <h2>Customers</h2>
        ${tableSearch(action, q, perPage, 'Search customers by name, email or website')}
        <div class="scroll">
          <table>
            <caption class="muted">
              ${q ? html`Customers matching “${q}”` : html`${count(s.progress.companiesImported)} customers`}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">External ID</th>
                <th scope="col">Website</th>
                <th scope="col">Plan</th>
                <th scope="col">Lead created</th>
                ${columns.map((c) => html`<th scope="col">${c.label || c.name} <span class="type">${c.dataType}</span></th>`)}
              </tr>
            </thead>
            <tbody>
              ${
                rows.length
                  ? rows
                  : html`<tr>
                      <td colspan="${5 + columns.length}">No customers${q ? ' match' : ' yet'}.</td>
                    </tr>`
              }
            </tbody>
          </table>
        </div>
        ${pager(action, q, perPage, table.next, !after)}`,
    );
  });

  app.get('/sources/:id/contacts', async (req, res) => {
    const s = await sourceOr404(req.params.id);
    const { q, after, perPage, limit } = tableQuery(req);
    const [table, attributes] = await Promise.all([
      queries.contacts(s.id, { q, after, limit }),
      ctx.attributes.listSelectable(s.id),
    ]);
    const columns = attributes.filter((a) => a.model === 'contact' && a.selected);
    const action = sourcePath(s.id, 'contacts');
    const rows = table.rows.map(
      (r) =>
        html`<tr>
          <td>
            ${[r.firstName, r.lastName].filter(Boolean).join(' ') || '—'}${r.deletedInSourceAt && html` <span class="muted">(deleted in Intercom)</span>`}
          </td>
          <td>${r.email ?? ''}</td>
          <td>${r.phone ?? ''}</td>
          <td>${r.title ?? ''}</td>
          <td>
            ${r.customerId ? html`<a href="${customerPath(r.customerId)}">${r.companyName || r.customerId}</a>` : ''}
          </td>
          ${columns.map((c) => html`<td>${attrValue(r.custom[c.name])}</td>`)}
        </tr>`,
    );
    send(
      res,
      200,
      { title: `${s.name}: contacts`, section: 'sources' },
      html`<h1>${s.name}</h1>
        ${sourceTabs(s, 'contacts', workflowUrl(s.id))}
        <h2>Contacts</h2>
        ${tableSearch(action, q, perPage, 'Search contacts by name or email')}
        <div class="scroll">
          <table>
            <caption class="muted">
              ${q ? html`Contacts matching “${q}”` : html`${count(s.progress.contactsImported)} contacts`}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Phone</th>
                <th scope="col">Title</th>
                <th scope="col">Customer</th>
                ${columns.map((c) => html`<th scope="col">${c.label || c.name} <span class="type">${c.dataType}</span></th>`)}
              </tr>
            </thead>
            <tbody>
              ${
                rows.length
                  ? rows
                  : html`<tr>
                      <td colspan="${5 + columns.length}">No contacts${q ? ' match' : ' yet'}.</td>
                    </tr>`
              }
            </tbody>
          </table>
        </div>
        ${pager(action, q, perPage, table.next, !after)}`,
    );
  });

  // Settings: Update Fields, Re-sync Data and Fields, Delete This Source.
  const settingsPage = async (req: Request, res: Response, s: SourceSummary, deleteError?: string) => {
    const notice = NOTICES[queryString(req, 'notice') ?? ''];
    let intercomParts: SafeHtml | false = false;
    if (s.system === 'intercom' && s.status !== 'deleting') {
      const [attributes, selection] = await Promise.all([ctx.attributes.listSelectable(s.id), queries.selection(s.id)]);
      intercomParts = html`<section aria-labelledby="fields">
          <h2 id="fields">Update Fields</h2>
          <p>
            Reloads the list of Intercom data attributes (for example after you created one in Intercom). Nothing is
            re-imported.
          </p>
          ${postForm(res, sourcePath(s.id, 'update-fields'), html`<button type="submit" class="secondary">Update Fields</button>`)}
        </section>
        <section aria-labelledby="resync">
          <h2 id="resync">Re-sync Data and Fields</h2>
          <p>
            Imports every company and contact again with the selection below. Merged customers stay merged; attributes
            you deselect are removed from the records.
          </p>
          ${postForm(res, sourcePath(s.id, 'resync'), html`${selectionFields(attributes, selection)}<button type="submit">Re-sync Data and Fields</button>`)}
        </section>`;
    }
    const deletion =
      s.status === 'deleting'
        ? html`<section>
            <h2>Delete This Source</h2>
            <p role="status">This source is being deleted. ${progressBlock(s, await queries.purge(s.id))}</p>
          </section>`
        : html`<section aria-labelledby="delete">
            <h2 id="delete">Delete This Source</h2>
            <p class="warning">
              <strong>Deleting a source is permanent.</strong> Its customers, contacts and attribute settings are
              removed and cannot be recovered. Customers merged with records of other sources stay and fall back to
              those records' data.
            </p>
            ${postForm(
              res,
              sourcePath(s.id, 'delete'),
              html`<label for="confirm_name">Type the source name, <strong>${s.name}</strong>, to confirm</label>
                <input
                  type="text"
                  id="confirm_name"
                  name="confirm_name"
                  required
                  autocomplete="off"
                  ${deleteError ? html` aria-invalid="true" aria-describedby="confirm-error"` : false}
                />
                ${deleteError && html`<p class="error" id="confirm-error">${deleteError}</p>`}
                <p><button type="submit" class="danger">Delete This Source</button></p>`,
            )}
          </section>`;
    send(
      res,
      deleteError ? 422 : 200,
      { title: `${s.name}: settings`, section: 'sources' },
      html`<h1>${s.name}</h1>
        ${sourceTabs(s, 'settings', workflowUrl(s.id))} ${notice && html`<p class="notice" role="status">${notice}</p>`}
        ${intercomParts} ${deletion}`,
    );
  };

  app.get('/sources/:id/settings', async (req, res) => {
    await settingsPage(req, res, await sourceOr404(req.params.id));
  });

  app.post('/sources/:id/update-fields', async (req, res) => {
    const source = await intercomSource(ctx, req.params.id);
    await deps.workflows.updateFields(source.id);
    res.redirect(303, withQuery(sourcePath(source.id, 'settings'), { notice: 'fields' }));
  });

  app.post('/sources/:id/resync', async (req, res) => {
    const source = await intercomSource(ctx, req.params.id);
    await deps.workflows.resync(source.id, formSelection(req.body as Body));
    res.redirect(303, pendingPath(source.id, 'resync'));
  });

  app.post('/sources/:id/delete', async (req, res) => {
    const s = await sourceOr404(req.params.id);
    const typed = field(req.body as Body, 'confirm_name') ?? '';
    if (typed !== s.name) {
      await settingsPage(req, res, s, 'The name you typed does not match the source name: nothing was deleted.');
      return;
    }
    if (s.system === 'intercom') await deps.workflows.delete(s.id);
    else if (s.status !== 'deleting') await deps.workflows.purgeCustomSource(s.id);
    deps.log.info({ sourceId: s.id }, 'source deletion requested from the web app');
    res.redirect(303, pendingPath(s.id, 'delete'));
  });

  // A merged customer: its records (one per source) and contacts.
  app.get('/customers/:uuid', async (req, res) => {
    const c = await ctx.customers.get(req.params.uuid);
    if (!c) throw new ApiError(404, `No customer with uuid ${req.params.uuid}`);
    const [records, contacts] = await Promise.all([
      ctx.customers.records(c.id),
      ctx.contacts.list({ customerId: c.id }, { limit: 200 }),
    ]);
    const names = await queries.sourceNames([...new Set(records.map((r) => r.sourceId))]);
    const custom = Object.entries(c.custom);
    const title = c.name || c.company || c.id;
    send(
      res,
      200,
      { title, section: 'sources' },
      html`<h1>${title}</h1>
        <section aria-labelledby="details">
          <h2 id="details">Customer</h2>
          <dl class="grid">
            <dt>UUID</dt>
            <dd>${c.id}</dd>
            <dt>Email</dt>
            <dd>${c.email || '—'}</dd>
            <dt>Company</dt>
            <dd>${c.company || '—'}</dd>
            <dt>Website</dt>
            <dd>${c.websiteUrl || '—'}</dd>
            <dt>Location</dt>
            <dd>${[c.city, c.country].filter(Boolean).join(', ') || '—'}</dd>
            <dt>Status</dt>
            <dd>${c.status || '—'}</dd>
            <dt>Lead created</dt>
            <dd>${when(c.leadCreatedAt)}</dd>
            <dt>Free trial started</dt>
            <dd>${when(c.freeTrialStartedAt)}</dd>
          </dl>
          ${
            custom.length > 0 &&
            html`<h3>Custom attributes</h3>
              <dl class="grid">
                ${custom.map(
                  ([k, v]) =>
                    html`<dt>${k}</dt>
                      <dd>${attrValue(v)}</dd>`,
                )}
              </dl>`
          }
        </section>
        <section aria-labelledby="records">
          <h2 id="records">Records</h2>
          <div class="scroll">
            <table>
              <caption class="muted">
                One record per data source; the first is primary
              </caption>
              <thead>
                <tr>
                  <th scope="col">Source</th>
                  <th scope="col">External ID</th>
                  <th scope="col">Name</th>
                  <th scope="col">Website</th>
                  <th scope="col">Plan</th>
                  <th scope="col">Custom attributes</th>
                </tr>
              </thead>
              <tbody>
                ${records.map(
                  (r) =>
                    html`<tr>
                      <td><a href="${sourcePath(r.sourceId)}">${names.get(r.sourceId) ?? r.sourceId}</a></td>
                      <td>
                        ${r.externalId}${r.deletedInSourceAt && html` <span class="muted">(deleted in source)</span>`}
                      </td>
                      <td>${r.name ?? ''}</td>
                      <td>${r.websiteUrl ?? ''}</td>
                      <td>${r.plan ?? ''}</td>
                      <td>
                        ${Object.entries(r.custom).map(([k, v]) => html`<div><span class="type">${k}</span> ${attrValue(v)}</div>`)}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>
        </section>
        <section aria-labelledby="contacts">
          <h2 id="contacts">Contacts</h2>
          ${
            contacts.rows.length === 0
              ? html`<p>No contacts.</p>`
              : html`<div class="scroll">
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">Name</th>
                          <th scope="col">Email</th>
                          <th scope="col">Phone</th>
                          <th scope="col">Title</th>
                          <th scope="col">Source</th>
                        </tr>
                      </thead>
                      <tbody>
                        ${contacts.rows.map(
                          (x) =>
                            html`<tr>
                              <td>${[x.firstName, x.lastName].filter(Boolean).join(' ') || '—'}</td>
                              <td>${x.email ?? ''}</td>
                              <td>${x.phone ?? ''}</td>
                              <td>${x.title ?? ''}</td>
                              <td>${names.get(x.sourceId) ?? x.sourceId}</td>
                            </tr>`,
                        )}
                      </tbody>
                    </table>
                  </div>
                  ${contacts.hasMore && html`<p class="muted">The first 200 contacts are shown.</p>`}`
          }
        </section>`,
    );
  });

  // Merge automation settings (the repository functions behind GET/PUT /v1/automations/merge).
  app.get('/automations/merge', async (req, res) => {
    const rules = await loadMergeRules(deps.db);
    const notice = NOTICES[queryString(req, 'notice') ?? ''];
    const box = (name: string, label: string, checked: boolean, hint: string) =>
      html`<label class="check"
        ><input type="checkbox" name="${name}" value="on" ${checked ? html` checked` : false} /> ${label}
        <span class="muted">${hint}</span></label
      >`;
    send(
      res,
      200,
      { title: 'Merge automation', section: 'automations' },
      html`<h1>Merge automation</h1>
        ${notice && html`<p class="notice" role="status">${notice}</p>`}
        <p>
          When a customer record is created or updated, it joins the customer of a matching record of another source.
          Matching is exact and case-sensitive.
        </p>
        ${postForm(
          res,
          '/app/automations/merge',
          html`<fieldset>
              <legend>Automation</legend>
              ${box('enabled', 'Merge duplicates automatically', rules.enabled, '')}
            </fieldset>
            <fieldset>
              <legend>Match on</legend>
              ${box('external_id', 'External ID', rules.matchOn.external_id, '')}
              ${box('domain', 'Domain (website URL)', rules.matchOn.domain, '(free-mail domains are ignored)')}
              ${box('company_name', 'Company name', rules.matchOn.company_name, '')}
            </fieldset>
            <button type="submit">Save</button>`,
        )}`,
    );
  });

  app.post('/automations/merge', async (req, res) => {
    const body = req.body as Body;
    const on = (name: string) => field(body, name) === 'on';
    const saved = await saveMergeRules(deps.db, {
      enabled: on('enabled'),
      matchOn: { external_id: on('external_id'), domain: on('domain'), company_name: on('company_name') },
    });
    deps.log.info({ rules: saved }, 'merge automation changed from the web app');
    res.redirect(303, withQuery('/app/automations/merge', { notice: 'merge' }));
  });

  app.use((req, res) => {
    send(
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
    send(
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
