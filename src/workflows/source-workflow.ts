import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ImportSelection } from '../domain/source';
import { failure, FailureType } from '../failures';
import { importActivity, shortActivity } from './activity-options';
import {
  backfillBlockedSignal,
  backfillStalledSignal,
  connectedSignal,
  deleteSignal,
  inboxSignal,
  reconcileSignal,
  resyncUpdate,
  startImportUpdate,
  statusQuery,
  updateFieldsSignal,
} from './messages';
import { SourceStatusAttribute } from './search-attributes';
import { SourceLifecycle } from './source-lifecycle';
import { recoveredState, SourceState, type SourceWorkflowInput } from './source-state';

/**
 * The lifecycle of one source, workflow id `source:<id>`: connect → choose → backfill → live (webhooks and
 * reconciliation), with re-sync, reconnect and delete. Handlers only set flags on SourceState; the loop below
 * is the only place that acts on them (through SourceLifecycle's steps). Continues as new when Temporal
 * suggests it, in whatever state it waits, carrying only SourceState.
 *
 * Only a completed delete ends it for good. Cancelled from the Temporal UI it stops cleanly (the step under way is
 * cancelled and waited for, the database keeps the status to continue from); cancelled, terminated or failed, it
 * is started again from the source's row in PostgreSQL by the API's next command (SourceWorkflows.recover).
 */
export async function sourceWorkflow(input: SourceWorkflowInput): Promise<void> {
  const state = new SourceState(input.sourceId, input.carried);
  const steps = new SourceLifecycle(state, input);
  // A recovered run reads its state first; commands that arrive meanwhile wait for it (handlers are set at once).
  let ready = !(input.recover && !input.carried);
  const purge = wf.proxyActivities<Activities>(importActivity());

  wf.setHandler(statusQuery, () => state.view());
  wf.setHandler(connectedSignal, () => void (state.connectRequested = true));
  wf.setHandler(updateFieldsSignal, () => void (state.updateFieldsRequested = true));
  wf.setHandler(inboxSignal, () => void (state.inboxPending = true));
  wf.setHandler(reconcileSignal, () => void (state.reconcileRequested = true));
  wf.setHandler(deleteSignal, () => {
    state.deleteRequested = true;
    steps.workScope?.cancel(); // a backfill, an inbox batch or a reconciliation: the purge comes first
  });
  wf.setHandler(backfillBlockedSignal, ({ reason }) => {
    state.backfillBlocked = true;
    state.lastError = reason;
  });
  wf.setHandler(backfillStalledSignal, ({ reason }) => {
    state.lastError = reason;
    state.lastErrorChanged = true;
  });
  const reject = (r: { type: FailureType; message: string } | null) => {
    if (r) throw failure(r.type, r.message);
  };
  wf.setHandler(
    startImportUpdate,
    async (selection: ImportSelection) => {
      if (!ready) {
        await wf.condition(() => ready);
        reject(state.importRejection());
      }
      await steps.saveSelection(selection);
      state.importRequested = true;
      return state.view();
    },
    { validator: (_selection: ImportSelection) => ready && reject(state.importRejection()) },
  );
  wf.setHandler(
    resyncUpdate,
    async (selection: ImportSelection | null) => {
      if (!ready) {
        await wf.condition(() => ready);
        reject(state.resyncRejection());
      }
      if (selection) await steps.saveSelection(selection);
      state.resyncRequested = true;
      return state.view();
    },
    { validator: (_selection: ImportSelection | null) => ready && reject(state.resyncRejection()) },
  );

  if (!ready) {
    const record = await wf.proxyActivities<Activities>(shortActivity).recoveryState(input.sourceId);
    state.restore(recoveredState(record));
    if (state.deleteRequested) wf.upsertSearchAttributes([{ key: SourceStatusAttribute, value: state.status }]);
    else await steps.setStatus(state.status);
    ready = true;
  }

  try {
    await lifecycle(input, state, steps, purge);
  } catch (err) {
    if (!wf.isCancellation(err)) throw err;
    if (state.status === 'deleted') return; // the purge finished: the delete is done, and final
    // Cancelled in the Temporal UI: the step under way was cancelled and waited for; say so where users look.
    await wf.CancellationScope.nonCancellable(() =>
      steps.setStatus(
        state.status,
        'The source workflow was cancelled in Temporal. Any command (or POST /v1/data_sources/{id}/recover) starts it again from here.',
      ),
    );
    throw err;
  }
}

/** The main loop: acts on what the handlers requested, one step at a time. */
async function lifecycle(
  input: SourceWorkflowInput,
  state: SourceState,
  steps: SourceLifecycle,
  purge: ReturnType<typeof wf.proxyActivities<Activities>>,
): Promise<void> {
  /** In a state that only waits, a history grown long moves to a new run too. */
  const continueAsNew = async () => {
    await wf.condition(wf.allHandlersFinished);
    await wf.continueAsNew<typeof sourceWorkflow>({
      ...input,
      tuning: steps.tuning(),
      recover: undefined,
      carried: state.carry(),
    });
  };
  for (;;) {
    if (state.deleteRequested) {
      await steps.setStatus('deleting', null);
      // Non-cancellable: once started, a purge always finishes.
      await wf.CancellationScope.nonCancellable(() => purge.purgeSource(state.sourceId));
      state.status = 'deleted';
      wf.upsertSearchAttributes([{ key: SourceStatusAttribute, value: 'deleted' }]);
      await wf.condition(wf.allHandlersFinished);
      return;
    }
    switch (state.status) {
      case 'awaiting_connection':
      case 'needs_reconnect': {
        await wf.condition(() => state.connectRequested || state.deleteRequested || steps.shouldContinueAsNew());
        if (state.deleteRequested) continue;
        if (!state.connectRequested) await continueAsNew();
        if (await steps.connect()) {
          state.inboxPending = true; // what waited in the inbox while disconnected
          await steps.setStatus(state.generation > 0 ? 'live' : 'connected', null);
        }
        continue;
      }
      case 'connecting':
        // A connect was interrupted (continue-as-new or a crash in between): do it again.
        state.connectRequested = true;
        state.status = 'awaiting_connection';
        continue;
      case 'connected': {
        await wf.condition(
          () =>
            state.importRequested ||
            state.connectRequested ||
            state.updateFieldsRequested ||
            state.deleteRequested ||
            steps.shouldContinueAsNew(),
        );
        if (state.deleteRequested) continue;
        if (state.connectRequested) {
          if (await steps.connect()) await steps.setStatus('connected', null);
        } else if (state.updateFieldsRequested) {
          state.updateFieldsRequested = false;
          await steps.loadFields();
        } else if (state.importRequested) {
          state.status = 'importing';
        } else {
          await continueAsNew();
        }
        continue;
      }
      case 'importing':
      case 'resyncing':
        await steps.runBackfill();
        continue;
      case 'live':
        if ((await steps.liveStep()) === 'continue-as-new') await continueAsNew();
        continue;
      default:
        throw failure(FailureType.InvalidState, `Unexpected source status ${state.status}`);
    }
  }
}
