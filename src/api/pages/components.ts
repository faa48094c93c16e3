import type { Response } from 'express';
import type { SelectableAttribute } from '../../db/repositories/attributes';
import type { PurgeProgress, SourceSummary } from '../../db/repositories/sources';
import type { ImportSelection } from '../../domain/source';
import { html, path, SafeHtml, withQuery, type Interpolation } from './html';
import { CSRF_FIELD, csrfToken, requestKey } from './security';

/**
 * Small pieces the pages share: status badges, progress, forms with their CSRF token, the attribute picker, data
 * tables with their search box and pager.
 */

export const STATUS_LABELS: Record<string, string> = {
  awaiting_connection: 'Awaiting connection',
  connecting: 'Connecting',
  connected: 'Connected',
  importing: 'Importing',
  live: 'Live',
  resyncing: 'Re-syncing',
  needs_reconnect: 'Needs reconnection',
  deleting: 'Deleting',
  deleted: 'Deleted',
  active: 'Active',
};

/** Statuses that change by themselves soon: pages showing them reload. */
export const MOVING_STATUSES = new Set(['connecting', 'importing', 'resyncing', 'deleting']);

export const statusBadge = (status: string): SafeHtml =>
  html`<span class="status status-${status.replace(/[^a-z_]/g, '')}" data-status="${status}"
    >${STATUS_LABELS[status] ?? status}</span
  >`;

export const systemName = (system: string): string => (system === 'intercom' ? 'Intercom' : 'Custom');

export function when(d: Date | string | null | undefined): SafeHtml | string {
  if (!d) return '—';
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return '—';
  const iso = date.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

export const count = (n: number): string => n.toLocaleString('en-US');

export const sourcePath = (id: string, ...rest: string[]): string => path('/app/sources', id, ...rest);
export const customerPath = (id: string): string => path('/app/customers', id);

/** The progress of an import (counts, an indeterminate bar: Intercom gives no total up front) or of a purge. */
export function progressBlock(s: SourceSummary, purge: PurgeProgress | null): SafeHtml | false {
  if (s.status === 'deleting' && purge) {
    const done = purge.contacts + purge.records;
    const total = done + purge.contactsLeft + purge.recordsLeft;
    return html`<div class="progress" role="status">
      <progress aria-label="Deletion progress of ${s.name}" max="${Math.max(total, 1)}" value="${done}"></progress>
      <span
        >Deleted ${count(purge.records)} customers and ${count(purge.contacts)} contacts; ${count(purge.recordsLeft)}
        customers and ${count(purge.contactsLeft)} contacts left</span
      >
    </div>`;
  }
  if (s.status === 'importing' || s.status === 'resyncing') {
    return html`<div class="progress" role="status">
      <progress aria-label="Import progress of ${s.name}"></progress>
      <span
        >${count(s.progress.companiesImported)} companies, ${count(s.progress.contactsImported)} contacts imported,
        ${count(s.progress.pagesFetched)} pages</span
      >
    </div>`;
  }
  return false;
}

/** A POST form to `action` carrying the CSRF token for that path. */
export function postForm(res: Response, action: string, body: Interpolation, attrs: { label?: string } = {}): SafeHtml {
  return html`<form method="post" action="${action}" ${attrs.label ? html` aria-label="${attrs.label}"` : false}>
    <input type="hidden" name="${CSRF_FIELD}" value="${csrfToken(requestKey(res), action)}" />
    ${body}
  </form>`;
}

export function sourceTabs(
  s: SourceSummary,
  current: 'overview' | 'customers' | 'contacts' | 'settings',
  temporalUrl: string,
): SafeHtml {
  const tab = (key: typeof current, href: string, label: string) =>
    html`<a href="${href}" ${key === current ? html` aria-current="page"` : false}>${label}</a>`;
  return html`<nav class="tabs" aria-label="Source">
    ${tab('overview', sourcePath(s.id), 'Overview')} ${tab('customers', sourcePath(s.id, 'customers'), 'Customers')}
    ${tab('contacts', sourcePath(s.id, 'contacts'), 'Contacts')}
    ${tab('settings', sourcePath(s.id, 'settings'), 'Settings')}
    ${s.system === 'intercom' && html`<a href="${temporalUrl}" rel="noopener" target="_blank">Workflow in Temporal UI ↗</a>`}
  </nav>`;
}

/** "Choose the data": companies, contacts and the custom attributes grouped by model, each with its type. */
export function selectionFields(attributes: SelectableAttribute[], current: ImportSelection | null): SafeHtml {
  const chosen = (model: 'company' | 'contact', a: SelectableAttribute) =>
    current ? current.custom_attributes[model].includes(a.name) : a.selected;
  const group = (model: 'company' | 'contact', legend: string) => {
    const list = attributes.filter((a) => a.model === model);
    return html`<fieldset>
      <legend>${legend}</legend>
      ${list.length === 0 && html`<p class="muted">No custom data attributes.</p>`}
      ${list.map(
        (a) =>
          html`<label class="check"
            ><input
              type="checkbox"
              name="${model}_attributes"
              value="${a.name}"
              ${chosen(model, a) ? html` checked` : false}
            />
            ${a.label || a.name} <span class="type">${a.name} · ${a.dataType}</span></label
          >`,
      )}
    </fieldset>`;
  };
  return html`<fieldset>
      <legend>Data to import</legend>
      <label class="check"
        ><input type="checkbox" name="companies" value="on" ${current?.companies === false ? false : html` checked`} />
        Companies (as customers)</label
      >
      <label class="check"
        ><input type="checkbox" name="contacts" value="on" ${current?.contacts === false ? false : html` checked`} />
        Contacts linked to a company</label
      >
    </fieldset>
    ${group('company', 'Company custom data attributes')} ${group('contact', 'Contact custom data attributes')}`;
}

/** The search box of a data table (keeps the page size). */
export function tableSearch(
  action: string,
  q: string | undefined,
  perPage: string | undefined,
  label: string,
): SafeHtml {
  return html`<form method="get" action="${action}" role="search" class="row">
    <div><label for="q">${label}</label><input type="search" id="q" name="q" value="${q ?? ''}" /></div>
    ${perPage && html`<input type="hidden" name="per_page" value="${perPage}" />`}
    <button type="submit">Search</button>
    ${q && html`<a href="${withQuery(action, { per_page: perPage })}">Clear</a>`}
  </form>`;
}

/** "First page" and "Next page" links (keyset pagination goes forward only). */
export function pager(
  action: string,
  q: string | undefined,
  perPage: string | undefined,
  next: string | null,
  isFirst: boolean,
): SafeHtml {
  return html`<nav class="row" aria-label="Pages">
    ${!isFirst && html`<a href="${withQuery(action, { q, per_page: perPage })}">First page</a>`}
    ${next && html`<a href="${withQuery(action, { q, per_page: perPage, after: next })}" rel="next">Next page</a>`}
  </nav>`;
}

/** A column heading: text or markup, or `{ num }` for a right-aligned column of counts. */
export type Heading = string | SafeHtml | { num: string };

const headingCell = (h: Heading): SafeHtml =>
  typeof h === 'string' || h instanceof SafeHtml
    ? html`<th scope="col">${h}</th>`
    : html`<th scope="col" class="num">${h.num}</th>`;

/** The heading of a custom attribute column: its label and its type. */
export const attributeHeading = (a: SelectableAttribute): SafeHtml =>
  html`${a.label || a.name} <span class="type">${a.dataType}</span>`;

export interface DataTableOptions {
  /** Says what the table holds (and how many, or what it matches); no caption when absent. */
  caption?: Interpolation;
  headers: readonly Heading[];
  /** The `<tr>` rows. */
  rows: readonly SafeHtml[];
  /** One row across every column when there are no rows; without it the body stays empty. */
  emptyText?: string;
}

/** Every table of the pages: it scrolls sideways on its own when wider than the page. */
export function dataTable({ caption, headers, rows, emptyText }: DataTableOptions): SafeHtml {
  const body =
    rows.length === 0 && emptyText !== undefined
      ? html`<tr>
          <td colspan="${headers.length}">${emptyText}</td>
        </tr>`
      : rows;
  return html`<div class="scroll">
    <table>
      ${
        caption !== undefined &&
        html`<caption class="muted">
          ${caption}
        </caption>`
      }
      <thead>
        <tr>
          ${headers.map(headingCell)}
        </tr>
      </thead>
      <tbody>
        ${body}
      </tbody>
    </table>
  </div>`;
}

/** A custom attribute value as text. */
export function attrValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
