import { WorkflowIdReusePolicy, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { initialSourceStatus, type ImportSelection } from '../domain/source';
import {
  connectedSignal,
  deleteSignal,
  inboxSignal,
  reconcileSignal,
  resyncUpdate,
  startImportUpdate,
  statusQuery,
  updateFieldsSignal,
  type SourceStatusView,
} from '../workflows/messages';
import { SourceIdAttribute, SourceStatusAttribute } from '../workflows/search-attributes';
import type { SourceWorkflowInput } from '../workflows/source-state';

export const sourceWorkflowId = (sourceId: string): string => `source:${sourceId}`;

/** A workflow failure the API can turn into an HTTP status (409, 422, …). */
export class SourceCommandRejected extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** How the API starts and steers source workflows. Holds no state beyond the process's one Temporal client. */
export class SourceWorkflows {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    /** Backfill tuning for tests and benchmarks (partitions, heartbeat timeout); production uses the defaults. */
    private readonly tuning?: SourceWorkflowInput['tuning'],
  ) {}

  /** Starts `source:<id>`. REJECT_DUPLICATE: a deleted source's workflow can never be started again. */
  async start(sourceId: string): Promise<void> {
    await this.client.workflow.start('sourceWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: sourceWorkflowId(sourceId),
      args: [{ sourceId, tuning: this.tuning }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: SourceIdAttribute, value: sourceId },
        { key: SourceStatusAttribute, value: initialSourceStatus('intercom') },
      ],
      staticSummary: `Intercom source ${sourceId}`,
    });
  }

  /** Deletes a custom source (it has no lifecycle workflow) through a purge workflow under the source's id. */
  async purgeCustomSource(sourceId: string): Promise<void> {
    await this.client.workflow.start('purgeWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: sourceWorkflowId(sourceId),
      args: [{ sourceId }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: SourceIdAttribute, value: sourceId },
        { key: SourceStatusAttribute, value: 'deleting' },
      ],
    });
  }

  private handle(sourceId: string) {
    return this.client.workflow.getHandle(sourceWorkflowId(sourceId));
  }

  connected(sourceId: string): Promise<void> {
    return this.handle(sourceId).signal(connectedSignal);
  }

  updateFields(sourceId: string): Promise<void> {
    return this.handle(sourceId).signal(updateFieldsSignal);
  }

  reconcile(sourceId: string): Promise<void> {
    return this.handle(sourceId).signal(reconcileSignal);
  }

  resync(sourceId: string, selection: ImportSelection | null = null): Promise<SourceStatusView> {
    return this.update(() => this.handle(sourceId).executeUpdate(resyncUpdate, { args: [selection] }));
  }

  delete(sourceId: string): Promise<void> {
    return this.handle(sourceId).signal(deleteSignal);
  }

  inboxHasWork(sourceId: string): Promise<void> {
    return this.handle(sourceId).signal(inboxSignal);
  }

  status(sourceId: string): Promise<SourceStatusView> {
    return this.handle(sourceId).query(statusQuery);
  }

  startImport(sourceId: string, selection: ImportSelection): Promise<SourceStatusView> {
    return this.update(() => this.handle(sourceId).executeUpdate(startImportUpdate, { args: [selection] }));
  }

  /** Runs an update; a rejection by the workflow becomes a SourceCommandRejected carrying its failure type. */
  private async update(run: () => Promise<SourceStatusView>): Promise<SourceStatusView> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        throw new SourceCommandRejected(err.cause.type ?? 'Rejected', err.cause.message);
      }
      throw err;
    }
  }
}
