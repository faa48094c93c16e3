import type { IntercomCompany, IntercomContact } from '../domain/intercom-types';
import type { SearchFilter } from '../domain/contact-partitions';
import type { IntercomHttp } from './http';

export interface ScrollPage {
  data: IntercomCompany[];
  scroll_param?: string | null;
}

/** GET /companies/scroll: the only listing that includes companies without contacts. */
export function fetchScrollPage(http: IntercomHttp, scrollParam: string | undefined): Promise<ScrollPage> {
  return http.get<ScrollPage>('/companies/scroll', {
    query: { scroll_param: scrollParam },
    retryServerErrors: false,
  });
}

export interface CompanyListPage {
  data: IntercomCompany[];
  pages?: { page?: number; total_pages?: number };
}

/**
 * POST /companies/list, most recently active first: sorted by `last_request_at` (when one of the company's users
 * was last seen), companies without users omitted, and no page past the 10,000th company (400, "use scroll").
 */
export function fetchActiveCompaniesPage(http: IntercomHttp, page: number, perPage: number): Promise<CompanyListPage> {
  return http.post<CompanyListPage>('/companies/list', {}, { query: { page, per_page: perPage, order: 'desc' } });
}

export interface ContactPage {
  data: IntercomContact[];
  total_count?: number;
  pages?: { next?: { starting_after?: string | null } | null };
}

export const SEARCH_PAGE_SIZE = 150;

/** POST /contacts/search; the cursor goes in the body (in the query string Intercom silently restarts at page 1). */
export function searchContacts(
  http: IntercomHttp,
  query: SearchFilter,
  opts: { startingAfter?: string; perPage?: number; sort?: { field: string; order: 'ascending' | 'descending' } } = {},
): Promise<ContactPage> {
  return http.post<ContactPage>('/contacts/search', {
    query,
    pagination: {
      per_page: opts.perPage ?? SEARCH_PAGE_SIZE,
      ...(opts.startingAfter ? { starting_after: opts.startingAfter } : {}),
    },
    ...(opts.sort ? { sort: opts.sort } : {}),
  });
}

export const nextCursor = (page: ContactPage): string | undefined => page.pages?.next?.starting_after || undefined;

/**
 * All companies of a contact, for contacts whose embedded list was capped at 10. The 2.14 schema names the
 * list `companies`, Intercom's own example `data`: accept both.
 */
export async function fetchAllContactCompanyIds(http: IntercomHttp, contactId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let page = 1; page < 1000; page++) {
    const body = await http.get<{
      companies?: Array<{ id: string }>;
      data?: Array<{ id: string }>;
      pages?: { total_pages?: number; next?: unknown };
    }>(`/contacts/${encodeURIComponent(contactId)}/companies`, { query: { page, per_page: 50 } });
    const items = body.companies ?? body.data ?? [];
    ids.push(...items.map((c) => c.id));
    const totalPages = body.pages?.total_pages;
    if (
      items.length === 0 ||
      (totalPages !== undefined && page >= totalPages) ||
      (totalPages === undefined && !body.pages?.next)
    )
      break;
  }
  return [...new Set(ids)];
}
