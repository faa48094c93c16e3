import { createBackfillProgress } from './backfill-progress';
import { createCompanyBackfill } from './backfill-companies';
import { createContactBackfill } from './backfill-contacts';
import { createConnectionActivities } from './connection';
import type { ActivityDeps } from './deps';
import { withFailureVocabulary } from './failures';
import { createLiveSync } from './live-sync';
import { createPurge } from './purge';
import { createCompanyReconcile } from './reconcile-companies';

export type { ActivityDeps } from './deps';

/** Every activity of the worker, bound to its dependencies; their errors are classified once (./failures.ts). */
export function createActivities(deps: ActivityDeps) {
  return withFailureVocabulary({
    ...createConnectionActivities(deps),
    ...createBackfillProgress(deps),
    ...createCompanyBackfill(deps),
    ...createContactBackfill(deps),
    ...createLiveSync(deps),
    ...createPurge(deps),
    ...createCompanyReconcile(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
