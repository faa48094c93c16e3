import { Router, type Request, type Response } from 'express';
import type { AttributeModel } from '../../../domain/source';
import type { SourceSummary } from '../../../db/repositories/sources';
import {
  attributeHeading,
  attrValue,
  count,
  customerPath,
  dataTable,
  pager,
  sourcePath,
  sourceTabs,
  tableSearch,
  when,
  type Heading,
} from '../components';
import { html, type SafeHtml } from '../html';
import { sendPage, type PageContext } from '../page-context';
import type {
  SourceContactRow,
  SourceRecordRow,
  SourceTables,
  TablePage,
  TableQuery,
} from '../../../db/repositories/source-tables';
import { tableQuery } from '../request';

/** One data table of a source: where its rows come from and how one row shows. */
interface TableSpec<T extends { custom: Record<string, unknown> }> {
  tab: 'customers' | 'contacts';
  /** Whose selected custom attributes become extra columns. */
  model: AttributeModel;
  searchLabel: string;
  /** The count in the caption (the import's own counter: counting the rows would cost a scan per page). */
  total(s: SourceSummary): number;
  load(tables: SourceTables, sourceId: string, query: TableQuery): Promise<TablePage<T>>;
  headers: readonly Heading[];
  /** The row's cells before its custom attribute cells. */
  cells(row: T): SafeHtml;
}

const deletedMark = (at: Date | null) => at && html` <span class="muted">(deleted in Intercom)</span>`;

const CUSTOMERS: TableSpec<SourceRecordRow> = {
  tab: 'customers',
  model: 'company',
  searchLabel: 'Search customers by name, email or website',
  total: (s) => s.progress.companiesImported,
  load: (tables, id, query) => tables.records(id, query),
  headers: ['Name', 'External ID', 'Website', 'Plan', 'Lead created'],
  cells: (r) =>
    html`<td>
        ${r.customerId ? html`<a href="${customerPath(r.customerId)}">${r.name || r.externalId}</a>` : r.name || r.externalId}${deletedMark(r.deletedInSourceAt)}
      </td>
      <td>${r.externalId}</td>
      <td>${r.websiteUrl ?? ''}</td>
      <td>${r.plan ?? ''}</td>
      <td>${when(r.leadCreatedAt)}</td>`,
};

const CONTACTS: TableSpec<SourceContactRow> = {
  tab: 'contacts',
  model: 'contact',
  searchLabel: 'Search contacts by name or email',
  total: (s) => s.progress.contactsImported,
  load: (tables, id, query) => tables.contacts(id, query),
  headers: ['Name', 'Email', 'Phone', 'Title', 'Customer'],
  cells: (r) =>
    html`<td>${[r.firstName, r.lastName].filter(Boolean).join(' ') || '—'}${deletedMark(r.deletedInSourceAt)}</td>
      <td>${r.email ?? ''}</td>
      <td>${r.phone ?? ''}</td>
      <td>${r.title ?? ''}</td>
      <td>
        ${r.customerId ? html`<a href="${customerPath(r.customerId)}">${r.companyName || r.customerId}</a>` : ''}
      </td>`,
};

/**
 * The source's data tables: its customers (its records) and contacts with the selected custom attributes,
 * searchable, keyset-paginated.
 */
export function dataTableRoutes(pc: PageContext): Router {
  const router = Router();
  router.get('/sources/:id/customers', tablePage(pc, CUSTOMERS));
  router.get('/sources/:id/contacts', tablePage(pc, CONTACTS));
  return router;
}

function tablePage<T extends { custom: Record<string, unknown> }>(pc: PageContext, spec: TableSpec<T>) {
  const noun = spec.tab;
  const title = noun === 'customers' ? 'Customers' : 'Contacts';
  return async (req: Request<{ id: string }>, res: Response) => {
    const s = await pc.sourceOr404(req.params.id);
    const { q, after, perPage, limit } = tableQuery(req);
    const [table, attributes] = await Promise.all([
      spec.load(pc.tables, s.id, { q, after, limit }),
      pc.attributes.listSelectable(s.id),
    ]);
    const columns = attributes.filter((a) => a.model === spec.model && a.selected);
    const action = sourcePath(s.id, noun);
    const rows = table.rows.map(
      (r) =>
        html`<tr>
          ${spec.cells(r)} ${columns.map((c) => html`<td>${attrValue(r.custom[c.name])}</td>`)}
        </tr>`,
    );
    sendPage(
      res,
      200,
      { title: `${s.name}: ${noun}`, section: 'sources' },
      html`<h1>${s.name}</h1>
        ${sourceTabs(s, noun, pc.workflowUrl(s.id))}
        <h2>${title}</h2>
        ${tableSearch(action, q, perPage, spec.searchLabel)}
        ${dataTable({
          caption: q ? html`${title} matching “${q}”` : html`${count(spec.total(s))} ${noun}`,
          headers: [...spec.headers, ...columns.map(attributeHeading)],
          rows,
          emptyText: `No ${noun}${q ? ' match' : ' yet'}.`,
        })}
        ${pager(action, q, perPage, table.next, !after)}`,
    );
  };
}
