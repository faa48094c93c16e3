import { createBackfillProgress } from './backfill-progress';
import { createCompanyBackfill } from './backfill-companies';
import { createContactBackfill } from './backfill-contacts';
import { createConnectionActivities } from './connection';
import type { ActivityDeps } from './deps';
import { createLiveSync } from './live-sync';
import { createPurge } from './purge';

export type { ActivityDeps } from './deps';

/** Every activity of the worker, bound to its dependencies (dependency injection: activities reach I/O only
 * through `deps`, so tests and the worker wire them the same way). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createConnectionActivities(deps),
    ...createBackfillProgress(deps),
    ...createCompanyBackfill(deps),
    ...createContactBackfill(deps),
    ...createLiveSync(deps),
    ...createPurge(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
