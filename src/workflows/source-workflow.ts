import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ImportSelection, SourceStatus } from '../domain/source';
import { applicationFailureOf, shortActivity } from './activity-options';
import { backfillWorkflow } from './backfill-workflow';
import {
  backfillBlockedSignal,
  backfillResumeSignal,
  connectedSignal,
  deleteSignal,
  FailureType,
  resyncSignal,
  startImportUpdate,
  statusQuery,
  updateFieldsSignal,
} from './messages';
import { SourceStatusAttribute } from './search-attributes';
import { SourceState, type SourceWorkflowInput } from './source-state';

const activities = wf.proxyActivities<Activities>(shortActivity);

/**
 * The lifecycle of one source, workflow id `source:<id>`: connect → choose → backfill → live, with re-sync,
 * reconnect and delete. Handlers set flags on SourceState; this loop is the only place that acts on them.
 */
export async function sourceWorkflow(input: SourceWorkflowInput): Promise<void> {
  const state = new SourceState(input.sourceId, input.carried);
  const workflowId = wf.workflowInfo().workflowId;

  wf.setHandler(statusQuery, () => state.view());
  wf.setHandler(connectedSignal, () => {
    state.connectRequested = true;
  });
  wf.setHandler(updateFieldsSignal, () => {
    state.updateFieldsRequested = true;
  });
  wf.setHandler(resyncSignal, () => {
    state.resyncRequested = true;
  });
  wf.setHandler(deleteSignal, () => {
    state.deleteRequested = true;
  });
  wf.setHandler(backfillBlockedSignal, ({ reason }) => {
    state.backfillBlocked = true;
    state.lastError = reason;
  });
  wf.setHandler(
    startImportUpdate,
    async (selection: ImportSelection) => {
      try {
        await activities.saveImportSelection(state.sourceId, selection);
      } catch (err) {
        const failure = applicationFailureOf(err, FailureType.UnknownAttribute);
        if (failure)
          throw wf.ApplicationFailure.create({
            type: failure.type ?? undefined,
            message: failure.message,
            nonRetryable: true,
          });
        throw wf.ApplicationFailure.create({
          type: 'ImportNotStarted',
          message: 'The selection could not be saved; try again',
        });
      }
      state.importRequested = true;
      return state.view();
    },
    {
      validator: (_selection: ImportSelection) => {
        const rejection = state.importRejection();
        if (rejection)
          throw wf.ApplicationFailure.create({ type: rejection.type, message: rejection.message, nonRetryable: true });
      },
    },
  );

  async function setStatus(status: SourceStatus, lastError: string | null = state.lastError): Promise<void> {
    state.status = status;
    state.lastError = lastError;
    wf.upsertSearchAttributes([{ key: SourceStatusAttribute, value: status }]);
    await activities.recordSourceStatus(state.sourceId, status, lastError);
  }

  /** Verifies the stored token and loads the attribute catalogue. False when Intercom rejected the token. */
  async function connect(): Promise<boolean> {
    state.connectRequested = false;
    const before = state.status;
    await setStatus('connecting', null);
    try {
      await activities.verifyConnection(state.sourceId);
      await activities.loadAttributeCatalogue(state.sourceId);
      return true;
    } catch (err) {
      const rejected = applicationFailureOf(err, FailureType.TokenRejected);
      if (!rejected) throw err;
      await setStatus(before === 'awaiting_connection' ? 'awaiting_connection' : 'needs_reconnect', rejected.message);
      return false;
    }
  }

  async function runBackfill(): Promise<void> {
    state.generation++;
    state.importRequested = false;
    state.resyncRequested = false;
    await setStatus(state.generation === 1 ? 'importing' : 'resyncing', null);
    const child = await wf.startChild(backfillWorkflow, {
      workflowId: `${workflowId}:backfill:${state.generation}`,
      args: [
        {
          sourceId: state.sourceId,
          generation: state.generation,
          parentWorkflowId: workflowId,
          companies: true,
          contacts: true,
          partitions: input.tuning?.partitions,
          heartbeatTimeout: input.tuning?.heartbeatTimeout as never,
        },
      ],
    });
    let finished = false;
    const result = child.result().finally(() => {
      finished = true;
    });
    // While the child runs, this loop serves reconnects (a revoked token blocks the child until a new one arrives).
    while (!finished) {
      await wf.condition(() => finished || state.backfillBlocked);
      if (finished) break;
      if (state.status !== 'needs_reconnect') await setStatus('needs_reconnect');
      await wf.condition(() => finished || state.connectRequested);
      if (finished) break;
      if (await connect()) {
        state.backfillBlocked = false;
        await setStatus(state.generation === 1 ? 'importing' : 'resyncing', null);
        await child.signal(backfillResumeSignal);
      }
    }
    await result;
    await setStatus('live', null);
  }

  for (;;) {
    if (state.status === 'awaiting_connection' || state.status === 'needs_reconnect') {
      await wf.condition(() => state.connectRequested);
      if (await connect()) await setStatus(state.importRequested || state.generation > 0 ? 'live' : 'connected', null);
      continue;
    }
    if (state.status === 'connecting') {
      // Continued-as-new or crashed in the middle of a connect: do it again.
      state.connectRequested = true;
      state.status = 'awaiting_connection';
      continue;
    }
    if (state.status === 'connected' || state.status === 'live') {
      await wf.condition(
        () => state.importRequested || state.resyncRequested || state.updateFieldsRequested || state.connectRequested,
      );
      if (state.connectRequested) {
        const wasLive = state.status === 'live';
        if (await connect()) await setStatus(wasLive ? 'live' : 'connected', null);
        continue;
      }
      if (state.updateFieldsRequested) {
        state.updateFieldsRequested = false;
        await activities.loadAttributeCatalogue(state.sourceId);
        continue;
      }
      if (state.importRequested || state.resyncRequested) {
        state.status = 'importing';
      }
      continue;
    }
    if (state.status === 'importing' || state.status === 'resyncing') {
      await runBackfill();
      continue;
    }
    throw wf.ApplicationFailure.nonRetryable(`Unexpected source status ${state.status}`, FailureType.InvalidState);
  }
}
