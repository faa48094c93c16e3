import { Router } from 'express';
import { loadMergeRules, saveMergeRules } from '../../../db/repositories/merge-rule-store';
import { postForm } from '../components';
import { html, withQuery } from '../html';
import { noticeFor } from '../notices';
import { sendPage, type PageContext } from '../page-context';
import { field, type Body } from '../request';

const ACTION = '/app/automations/merge';

/** One rule switch of the form. Unchecked boxes are not posted at all, so absence means off. */
const ruleBox = (name: string, label: string, checked: boolean, hint: string) =>
  html`<label class="check"
    ><input type="checkbox" name="${name}" value="on" ${checked ? html` checked` : false} /> ${label}
    <span class="muted">${hint}</span></label
  >`;

/** Merge automation settings (the repository functions behind GET/PUT /v1/automations/merge). */
export function automationRoutes(pc: PageContext): Router {
  const { deps } = pc;
  const router = Router();

  router.get('/automations/merge', async (req, res) => {
    const rules = await loadMergeRules(deps.db);
    sendPage(
      res,
      200,
      { title: 'Merge automation', section: 'automations' },
      html`<h1>Merge automation</h1>
        ${noticeFor(req)}
        <p>
          When a customer record is created or updated, it joins the customer of a matching record of another source.
          Matching is exact and case-sensitive.
        </p>
        ${postForm(
          res,
          ACTION,
          html`<fieldset>
              <legend>Automation</legend>
              ${ruleBox('enabled', 'Merge duplicates automatically', rules.enabled, '')}
            </fieldset>
            <fieldset>
              <legend>Match on</legend>
              ${ruleBox('external_id', 'External ID', rules.matchOn.external_id, '')}
              ${ruleBox('domain', 'Domain (website URL)', rules.matchOn.domain, '(free-mail domains are ignored)')}
              ${ruleBox('company_name', 'Company name', rules.matchOn.company_name, '')}
            </fieldset>
            <button type="submit">Save</button>`,
        )}`,
    );
  });

  router.post('/automations/merge', async (req, res) => {
    const body = req.body as Body;
    const on = (name: string) => field(body, name) === 'on';
    const saved = await saveMergeRules(deps.db, {
      enabled: on('enabled'),
      matchOn: { external_id: on('external_id'), domain: on('domain'), company_name: on('company_name') },
    });
    deps.log.info({ rules: saved }, 'merge automation changed from the web app');
    res.redirect(303, withQuery(ACTION, { notice: 'merge' }));
  });

  return router;
}
