import { AttributeRepository } from '../db/repositories/attributes';
import { ContactRepository } from '../db/repositories/contacts';
import { CustomerRepository } from '../db/repositories/customers';
import { SourceRepository, type SourceSummary } from '../db/repositories/sources';
import type { ApiDeps } from './app';
import { ApiError } from './errors';

/** What every route module gets: the app's dependencies and the repositories over its database. */
export interface ApiContext {
  deps: ApiDeps;
  sources: SourceRepository;
  customers: CustomerRepository;
  contacts: ContactRepository;
  attributes: AttributeRepository;
}

export function createContext(deps: ApiDeps): ApiContext {
  return {
    deps,
    sources: new SourceRepository(deps.db),
    customers: new CustomerRepository(deps.db),
    contacts: new ContactRepository(deps.db),
    attributes: new AttributeRepository(deps.db),
  };
}

export const sourceNotFound = (id: string): ApiError =>
  new ApiError(404, `Data source not found: no data source with uuid ${id}`, {}, 'data_source_uuid');

/** A live source, else 404 (a source being deleted is gone for the API, as in ChartMogul). */
export async function liveSource(ctx: ApiContext, id: string): Promise<SourceSummary> {
  const source = await ctx.sources.find(id, { hideDeleting: true });
  if (!source) throw sourceNotFound(id);
  return source;
}

/** A live Intercom source: 404 when unknown, 409 when deleted (or being deleted) or a custom source. */
export async function intercomSource(ctx: ApiContext, id: string): Promise<SourceSummary> {
  const source = await ctx.sources.find(id, { includeDeleted: true });
  if (!source) throw sourceNotFound(id);
  if (source.deletedAt || source.deleteRequestedAt || source.status === 'deleting' || source.status === 'deleted') {
    throw new ApiError(409, `Data source ${id} was deleted`, { data_source_uuid: 'was deleted' });
  }
  if (source.system !== 'intercom') {
    throw new ApiError(409, `Data source ${id} is a custom source, not an Intercom source`, {
      data_source_uuid: 'is not an Intercom source',
    });
  }
  return source;
}
