import { Router, type Response } from 'express';
import { RecordIssues } from '../../../db/repositories/record-issues';
import type { SourceSummary } from '../../../db/repositories/sources';
import { sourceNotFound } from '../../context';
import {
  count,
  MOVING_STATUSES,
  postForm,
  progressBlock,
  selectionFields,
  sourcePath,
  sourceTabs,
  statusBadge,
  systemName,
  when,
} from '../components';
import { html, type SafeHtml } from '../html';
import { sendPage, type PageContext } from '../page-context';
import { waitingFor } from '../pending';

/** What the overview shows under the status: the user's next step, or what the page waits for. */
interface NextStep {
  body: SafeHtml | false;
  /** Reload to follow a change the workflow makes by itself. */
  refresh: boolean;
}

/** A source's overview: its state and the next step (connect, choose the data, progress). */
export function sourceOverviewRoutes(pc: PageContext): Router {
  const router = Router();
  const issues = new RecordIssues(pc.deps.db);

  router.get('/sources/:id', async (req, res) => {
    const s = await pc.sources.find(req.params.id, { includeDeleted: true });
    if (!s) throw sourceNotFound(req.params.id);
    if (s.deletedAt || s.status === 'deleted') {
      sendPage(
        res,
        200,
        { title: `${s.name} (deleted)`, section: 'sources' },
        html`<h1>${s.name}</h1>
          <p role="status">${statusBadge('deleted')} This source and all its data were deleted permanently.</p>
          <p><a href="/app/sources">Back to the sources</a></p>`,
      );
      return;
    }
    const purge = s.status === 'deleting' ? await pc.queries.purge(s.id) : null;
    const quality = s.system === 'intercom' ? await dataQualitySection(issues, s.id) : false;
    const waiting = waitingFor(req, s);
    const next: NextStep = waiting
      ? { body: html`<p role="status">${waiting}</p>`, refresh: MOVING_STATUSES.has(s.status) }
      : await nextStep(pc, res, s);
    sendPage(
      res,
      200,
      {
        title: s.name,
        section: 'sources',
        // While a command is being picked up the page reloads itself as is; afterwards at its plain address.
        refreshSeconds: waiting ? 1 : next.refresh ? 2 : undefined,
        refreshUrl: waiting ? undefined : sourcePath(s.id),
      },
      html`<h1>${s.name}</h1>
        ${sourceTabs(s, 'overview', pc.workflowUrl(s.id))}
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
        ${next.body} ${quality}`,
    );
  });

  return router;
}

async function nextStep(pc: PageContext, res: Response, s: SourceSummary): Promise<NextStep> {
  const moving = MOVING_STATUSES.has(s.status);
  if (s.system === 'intercom' && s.status === 'awaiting_connection' && (await pc.queries.hasCredential(s.id))) {
    // Back from Intercom's OAuth page: the token is stored, the workflow is about to verify it.
    return { body: html`<p role="status">Verifying the connection with Intercom…</p>`, refresh: true };
  }
  if (s.system === 'intercom' && (s.status === 'awaiting_connection' || s.status === 'needs_reconnect')) {
    return { body: connectSection(res, s), refresh: moving };
  }
  if (s.system === 'intercom' && s.status === 'connected') {
    if (!(await pc.attributes.hasCatalogue(s.id))) {
      // The connect activity loads the catalogue right after verifying the token: it shows within seconds.
      return { body: html`<p role="status">Loading the data attributes from Intercom…</p>`, refresh: true };
    }
    const attributes = await pc.attributes.listSelectable(s.id);
    return {
      body: html`<section aria-labelledby="choose">
        <h2 id="choose">Choose the data</h2>
        <p>
          Only the custom data attributes you select are imported. You can change this later with Re-sync Data and
          Fields.
        </p>
        ${postForm(res, sourcePath(s.id, 'import'), html`${selectionFields(attributes, null)}<button type="submit">START Import</button>`)}
      </section>`,
      refresh: moving,
    };
  }
  if (s.status === 'connecting') {
    return { body: html`<p role="status">Verifying the connection with Intercom…</p>`, refresh: moving };
  }
  return { body: false, refresh: moving };
}

/** Connect with Intercom's OAuth page, or with a pasted private-app token. */
function connectSection(res: Response, s: SourceSummary): SafeHtml {
  return html`<section aria-labelledby="connect">
    <h2 id="connect">Connect with Intercom</h2>
    ${s.status === 'needs_reconnect' && html`<p class="warning">Intercom refused the stored access. Connect again: nothing is lost meanwhile.</p>`}
    <p>Log in to Intercom, then choose <strong>Authorize access</strong> to let this service read the workspace.</p>
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
}

const QUARANTINE_SHOWN = 50;

/** What the source could not store as Intercom had it: changed values and quarantined records, with reasons. */
async function dataQualitySection(issues: RecordIssues, sourceId: string): Promise<SafeHtml | false> {
  const c = await issues.counts(sourceId);
  if (c.sanitizedRecords + c.sanitizedContacts + c.quarantined + c.inboxDropped === 0) return false;
  const quarantined = c.quarantined > 0 ? await issues.list(sourceId, { limit: QUARANTINE_SHOWN }) : [];
  const changes = Object.entries(c.changes);
  return html`<section aria-labelledby="quality">
    <h2 id="quality">Data quality</h2>
    <p>
      Values PostgreSQL cannot store as Intercom has them are cleaned (NUL characters and broken characters removed,
      very long text truncated) or left empty (numbers and dates out of range, values of the wrong type).
    </p>
    <dl class="grid">
      <dt>Customer records with changed values</dt>
      <dd>${count(c.sanitizedRecords)}</dd>
      <dt>Contacts with changed values</dt>
      <dd>${count(c.sanitizedContacts)}</dd>
      ${changes.map(
        ([change, n]) =>
          html`<dt class="muted">${change}</dt>
            <dd>${count(n)}</dd>`,
      )}
      <dt>Quarantined records</dt>
      <dd>${count(c.quarantined)}</dd>
      ${
        c.inboxDropped > 0 &&
        html`<dt>Webhooks not stored (inbox full; reconciled with Intercom)</dt>
          <dd>${count(c.inboxDropped)}</dd>`
      }
    </dl>
    ${
      quarantined.length > 0 &&
      html`<p>These records could not be written; the rest of their page was. Re-sync Data and Fields retries them.</p>
        <table>
          <thead>
            <tr>
              <th>Model</th>
              <th>Intercom ID</th>
              <th>Reason</th>
              <th>Attempts</th>
              <th>Last seen</th>
            </tr>
          </thead>
          <tbody>
            ${quarantined.map(
              (q) =>
                html`<tr>
                  <td>${q.model}</td>
                  <td>${q.externalId}</td>
                  <td>${q.reason}</td>
                  <td>${count(q.attempts)}</td>
                  <td>${when(q.lastSeenAt)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${c.quarantined > QUARANTINE_SHOWN && html`<p class="muted">The first ${QUARANTINE_SHOWN} of ${count(c.quarantined)}; all are listed by GET /v1/data_sources/${sourceId}/quarantine.</p>`}`
    }
  </section>`;
}
