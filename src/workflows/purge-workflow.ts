import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { importActivity, shortActivity } from './activity-options';
import { SourceStatusAttribute } from './search-attributes';

/**
 * Deletes a custom (billing) source, which has no lifecycle workflow of its own. It runs under the same id,
 * `source:<id>`, with REJECT_DUPLICATE, so a deleted source can never be started or purged twice.
 */
export async function purgeWorkflow(input: { sourceId: string }): Promise<void> {
  const short = wf.proxyActivities<Activities>(shortActivity);
  const long = wf.proxyActivities<Activities>(importActivity('20 seconds'));
  await short.recordSourceStatus(input.sourceId, 'deleting', null);
  await long.purgeSource(input.sourceId);
  wf.upsertSearchAttributes([{ key: SourceStatusAttribute, value: 'deleted' }]);
}
