import { createBackfillProgress } from './backfill-progress';
import { createCompanyBackfill } from './backfill-companies';
import { createContactBackfill } from './backfill-contacts';
import { createConnectionActivities } from './connection';
import type { ActivityDeps } from './deps';

export type { ActivityDeps } from './deps';

/** Every activity of the worker, bound to its dependencies (temporal-ts.md §9: dependency injection). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createConnectionActivities(deps),
    ...createBackfillProgress(deps),
    ...createCompanyBackfill(deps),
    ...createContactBackfill(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
