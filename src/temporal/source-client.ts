import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { initialSourceStatus, type ImportSelection } from '../domain/source';
import { isFailureType, SourceCommandRejected } from '../failures';
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
import type { purgeWorkflow, sourceWorkflow } from '../workflows';
import type { SourceWorkflowInput } from '../workflows/source-state';

export const sourceWorkflowId = (sourceId: string): string => `source:${sourceId}`;

/**
 * A source's workflow id is reserved for good only by a completed run, which only a finished delete produces.
 * A run that was cancelled or terminated (in the Temporal UI) or failed can be started again.
 */
const REUSE_POLICY = WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY;

/** What `recover` found: the workflow runs (now), or the source was deleted for good. */
export type Recovery = 'running' | 'restarted' | 'deleted';

/** How the API starts and steers source workflows. Holds no state beyond the process's one Temporal client. */
export class SourceWorkflows {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    /** Backfill tuning for tests and benchmarks (partitions, heartbeat timeout); production uses the defaults. */
    private readonly tuning?: SourceWorkflowInput['tuning'],
  ) {}

  /** Starts `source:<id>` for a new source. */
  async start(sourceId: string, opts: { recover?: boolean; status?: string } = {}): Promise<void> {
    // Typed by the workflow function (a type-only import): a changed input type fails to compile here.
    await this.client.workflow.start<typeof sourceWorkflow>('sourceWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: sourceWorkflowId(sourceId),
      args: [{ sourceId, tuning: this.tuning, recover: opts.recover }],
      workflowIdReusePolicy: REUSE_POLICY,
      typedSearchAttributes: [
        { key: SourceIdAttribute, value: sourceId },
        { key: SourceStatusAttribute, value: opts.status ?? initialSourceStatus('intercom') },
      ],
      staticSummary: `Intercom source ${sourceId}`,
    });
  }

  /**
   * Makes sure the source's workflow runs: a run that ended without a delete (cancelled or terminated in the
   * Temporal UI, or failed) is started again and continues from the source's state in PostgreSQL.
   */
  async recover(sourceId: string): Promise<Recovery> {
    let status: string | undefined;
    try {
      status = (await this.handle(sourceId).describe()).status.name;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    if (status === 'RUNNING') return 'running';
    if (status === 'COMPLETED') return 'deleted';
    try {
      await this.start(sourceId, { recover: true, status: 'recovering' });
      return 'restarted';
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // Another request restarted it first, or the run completed in between.
      return (await this.handle(sourceId).describe()).status.name === 'RUNNING' ? 'running' : 'deleted';
    }
  }

  /** Deletes a custom source (it has no lifecycle workflow) through a purge workflow under the source's id. */
  async purgeCustomSource(sourceId: string): Promise<void> {
    await this.client.workflow.start<typeof purgeWorkflow>('purgeWorkflow', {
      taskQueue: this.taskQueue,
      workflowId: sourceWorkflowId(sourceId),
      args: [{ sourceId }],
      workflowIdReusePolicy: REUSE_POLICY,
      typedSearchAttributes: [
        { key: SourceIdAttribute, value: sourceId },
        { key: SourceStatusAttribute, value: 'deleting' },
      ],
    });
  }

  private handle(sourceId: string) {
    return this.client.workflow.getHandle<typeof sourceWorkflow>(sourceWorkflowId(sourceId));
  }

  /**
   * Sends a command; when the workflow has ended without a delete, starts it again from PostgreSQL and sends the
   * command to the new run. A deleted source's WorkflowNotFoundError goes up (the API answers 409).
   */
  private async command<T>(sourceId: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      if ((await this.recover(sourceId)) === 'deleted') throw err;
      return send();
    }
  }

  connected(sourceId: string): Promise<void> {
    return this.command(sourceId, () => this.handle(sourceId).signal(connectedSignal));
  }

  updateFields(sourceId: string): Promise<void> {
    return this.command(sourceId, () => this.handle(sourceId).signal(updateFieldsSignal));
  }

  reconcile(sourceId: string): Promise<void> {
    return this.command(sourceId, () => this.handle(sourceId).signal(reconcileSignal));
  }

  resync(sourceId: string, selection: ImportSelection | null = null): Promise<SourceStatusView> {
    return this.command(sourceId, () =>
      this.update(() => this.handle(sourceId).executeUpdate(resyncUpdate, { args: [selection] })),
    );
  }

  delete(sourceId: string): Promise<void> {
    return this.command(sourceId, () => this.handle(sourceId).signal(deleteSignal));
  }

  /** Not a command: a stopped source stays stopped until someone acts; its inbox keeps the events meanwhile. */
  inboxHasWork(sourceId: string): Promise<void> {
    return this.handle(sourceId).signal(inboxSignal);
  }

  status(sourceId: string): Promise<SourceStatusView> {
    return this.handle(sourceId).query(statusQuery);
  }

  startImport(sourceId: string, selection: ImportSelection): Promise<SourceStatusView> {
    return this.command(sourceId, () =>
      this.update(() => this.handle(sourceId).executeUpdate(startImportUpdate, { args: [selection] })),
    );
  }

  /** Runs an update; a rejection by the workflow becomes a SourceCommandRejected carrying its failure type. */
  private async update(run: () => Promise<SourceStatusView>): Promise<SourceStatusView> {
    try {
      return await run();
    } catch (err) {
      if (
        err instanceof WorkflowUpdateFailedError &&
        err.cause instanceof ApplicationFailure &&
        isFailureType(err.cause.type)
      ) {
        throw new SourceCommandRejected(err.cause.type, err.cause.message);
      }
      throw err;
    }
  }
}
