/** Every workflow the worker runs (Temporal bundles this module for its deterministic sandbox). */
export { sourceWorkflow } from './source-workflow';
export { backfillWorkflow } from './backfill-workflow';
export { purgeWorkflow } from './purge-workflow';
