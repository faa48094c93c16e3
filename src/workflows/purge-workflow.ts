import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { importActivity, shortActivity } from './activity-options';
import { SourceStatusAttribute } from './search-attributes';

/**
 * Deletes a custom (billing) source, which has no lifecycle workflow of its own. It runs under the same id,
 * `source:<id>`: once it completed, the id is reserved for good (ALLOW_DUPLICATE_FAILED_ONLY, in
 * src/temporal/source-client.ts), so a deleted source is never started or purged twice; a purge terminated before
 * it finished can run again.
 */
export async function purgeWorkflow(input: { sourceId: string }): Promise<void> {
  const short = wf.proxyActivities<Activities>(shortActivity);
  const long = wf.proxyActivities<Activities>(importActivity());
  await short.recordSourceStatus(input.sourceId, 'deleting', null);
  await long.purgeSource(input.sourceId);
  wf.upsertSearchAttributes([{ key: SourceStatusAttribute, value: 'deleted' }]);
}
