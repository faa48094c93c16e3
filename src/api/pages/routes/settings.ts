import { Router, type Request, type Response } from 'express';
import type { SourceSummary } from '../../../db/repositories/sources';
import { intercomSource } from '../../context';
import { postForm, progressBlock, selectionFields, sourcePath, sourceTabs } from '../components';
import { html, withQuery, type SafeHtml } from '../html';
import { noticeFor } from '../notices';
import { sendPage, type PageContext } from '../page-context';
import { pendingPath } from '../pending';
import { field, formSelection, type Body } from '../request';

/** A source's settings: Update Fields, Re-sync Data and Fields, Delete This Source. */
export function settingsRoutes(pc: PageContext): Router {
  const { deps } = pc;
  const router = Router();

  router.get('/sources/:id/settings', async (req, res) => {
    await sendSettings(pc, req, res, await pc.sourceOr404(req.params.id));
  });

  router.post('/sources/:id/update-fields', async (req, res) => {
    const source = await intercomSource(pc, req.params.id);
    await deps.workflows.updateFields(source.id);
    res.redirect(303, withQuery(sourcePath(source.id, 'settings'), { notice: 'fields' }));
  });

  router.post('/sources/:id/resync', async (req, res) => {
    const source = await intercomSource(pc, req.params.id);
    await deps.workflows.resync(source.id, formSelection(req.body as Body));
    res.redirect(303, pendingPath(source.id, 'resync'));
  });

  router.post('/sources/:id/delete', async (req, res) => {
    const s = await pc.sourceOr404(req.params.id);
    const typed = field(req.body as Body, 'confirm_name') ?? '';
    if (typed !== s.name) {
      await sendSettings(pc, req, res, s, 'The name you typed does not match the source name: nothing was deleted.');
      return;
    }
    // A custom source has no workflow: its records are purged directly (again only if not already deleting).
    if (s.system === 'intercom') await deps.workflows.delete(s.id);
    else if (s.status !== 'deleting') await deps.workflows.purgeCustomSource(s.id);
    await pc.sources.markDeleteRequested(s.id);
    deps.log.info({ sourceId: s.id }, 'source deletion requested from the web app');
    res.redirect(303, pendingPath(s.id, 'delete'));
  });

  return router;
}

/** The settings page; after a mistyped delete confirmation again, with the error at the field (422). */
async function sendSettings(
  pc: PageContext,
  req: Request,
  res: Response,
  s: SourceSummary,
  deleteError?: string,
): Promise<void> {
  const intercomParts = s.system === 'intercom' && s.status !== 'deleting' && (await intercomSections(pc, res, s));
  const deletion = s.status === 'deleting' ? await deletionProgress(pc, s) : deleteSection(res, s, deleteError);
  sendPage(
    res,
    deleteError ? 422 : 200,
    { title: `${s.name}: settings`, section: 'sources' },
    html`<h1>${s.name}</h1>
      ${sourceTabs(s, 'settings', pc.workflowUrl(s.id))} ${noticeFor(req)} ${intercomParts} ${deletion}`,
  );
}

async function intercomSections(pc: PageContext, res: Response, s: SourceSummary): Promise<SafeHtml> {
  const [attributes, selection] = await Promise.all([pc.attributes.listSelectable(s.id), pc.queries.selection(s.id)]);
  return html`<section aria-labelledby="fields">
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
        Imports every company and contact again with the selection below. Merged customers stay merged; attributes you
        deselect are removed from the records.
      </p>
      ${postForm(res, sourcePath(s.id, 'resync'), html`${selectionFields(attributes, selection)}<button type="submit">Re-sync Data and Fields</button>`)}
    </section>`;
}

async function deletionProgress(pc: PageContext, s: SourceSummary): Promise<SafeHtml> {
  return html`<section>
    <h2>Delete This Source</h2>
    <p role="status">This source is being deleted. ${progressBlock(s, await pc.queries.purge(s.id))}</p>
  </section>`;
}

/** Deleting asks for the source's name, so a source is never deleted by a stray click. */
function deleteSection(res: Response, s: SourceSummary, error?: string): SafeHtml {
  return html`<section aria-labelledby="delete">
    <h2 id="delete">Delete This Source</h2>
    <p class="warning">
      <strong>Deleting a source is permanent.</strong> Its customers, contacts and attribute settings are removed and
      cannot be recovered. Customers merged with records of other sources stay and fall back to those records' data.
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
          ${error ? html` aria-invalid="true" aria-describedby="confirm-error"` : false}
        />
        ${error && html`<p class="error" id="confirm-error">${error}</p>`}
        <p><button type="submit" class="danger">Delete This Source</button></p>`,
    )}
  </section>`;
}
