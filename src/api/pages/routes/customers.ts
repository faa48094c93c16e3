import { Router } from 'express';
import type { CustomerRow } from '../../../db/repositories/customers';
import { ApiError } from '../../errors';
import { attrValue, dataTable, sourcePath, when } from '../components';
import { html, type SafeHtml } from '../html';
import { sendPage, type PageContext } from '../page-context';

/** The page lists a customer's first contacts only: a customer of a large company can have thousands. */
const CONTACT_LIMIT = 200;

/** A merged customer: its details, its records (one per source) and its contacts. */
export function customerRoutes(pc: PageContext): Router {
  const router = Router();

  router.get('/customers/:uuid', async (req, res) => {
    const c = await pc.customers.get(req.params.uuid);
    if (!c) throw new ApiError(404, `No customer with uuid ${req.params.uuid}`);
    const [records, contacts] = await Promise.all([
      pc.customers.records(c.id),
      pc.contacts.list({ customerId: c.id }, { limit: CONTACT_LIMIT }),
    ]);
    const names = await pc.sources.names([...new Set(records.map((r) => r.sourceId))]);
    const sourceName = (id: string) => names.get(id) ?? id;
    const title = c.name || c.company || c.id;
    sendPage(
      res,
      200,
      { title, section: 'sources' },
      html`<h1>${title}</h1>
        ${details(c)}
        <section aria-labelledby="records">
          <h2 id="records">Records</h2>
          ${dataTable({
            caption: 'One record per data source; the first is primary',
            headers: ['Source', 'External ID', 'Name', 'Website', 'Plan', 'Custom attributes'],
            rows: records.map(
              (r) =>
                html`<tr>
                  <td><a href="${sourcePath(r.sourceId)}">${sourceName(r.sourceId)}</a></td>
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
            ),
          })}
        </section>
        <section aria-labelledby="contacts">
          <h2 id="contacts">Contacts</h2>
          ${
            contacts.rows.length === 0
              ? html`<p>No contacts.</p>`
              : html`${dataTable({
                  headers: ['Name', 'Email', 'Phone', 'Title', 'Source'],
                  rows: contacts.rows.map(
                    (x) =>
                      html`<tr>
                        <td>${[x.firstName, x.lastName].filter(Boolean).join(' ') || '—'}</td>
                        <td>${x.email ?? ''}</td>
                        <td>${x.phone ?? ''}</td>
                        <td>${x.title ?? ''}</td>
                        <td>${sourceName(x.sourceId)}</td>
                      </tr>`,
                  ),
                })}
                ${contacts.hasMore && html`<p class="muted">The first ${CONTACT_LIMIT} contacts are shown.</p>`}`
          }
        </section>`,
    );
  });

  return router;
}

function details(c: CustomerRow): SafeHtml {
  const custom = Object.entries(c.custom);
  return html`<section aria-labelledby="details">
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
  </section>`;
}
