import type { CompanyScroll } from '../scroll';
import type { ContactSearch } from '../search';
import type { FakeStore } from '../store';

/** What route modules need from the running fake. */
export interface ApiContext {
  store: FakeStore;
  scroll: CompanyScroll;
  search: ContactSearch;
  now: () => number;
  appId: string;
  appName: string;
  region: 'US' | 'EU' | 'AU';
  timezone: string;
  /** Key of the company array in GET /contacts/{id}/companies: the OA schema says `companies`, its example `data`. */
  attachedCompaniesKey: 'companies' | 'data';
  /** Absolute base URL, for `pages.next` links. */
  baseUrl: () => string;
}
