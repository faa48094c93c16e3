import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ImportSelection } from '../domain/source';
import { importActivity } from './activity-options';
import {
  backfillBlockedSignal,
  connectedSignal,
  deleteSignal,
  FailureType,
  inboxSignal,
  reconcileSignal,
  resyncUpdate,
  startImportUpdate,
  statusQuery,
  updateFieldsSignal,
} from './messages';
import { SourceStatusAttribute } from './search-attributes';
import { SourceLifecycle } from './source-lifecycle';
import { SourceState, type SourceWorkflowInput } from './source-state';

/**
 * The lifecycle of one source, workflow id `source:<id>`: connect → choose → backfill → live (webhooks and
 * reconciliation), with re-sync, reconnect and delete. Handlers only set flags on SourceState; the loop below
 * is the only place that acts on them (through SourceLifecycle's steps). Continues as new when Temporal
 * suggests it, carrying only SourceState.
 */
export async function sourceWorkflow(input: SourceWorkflowInput): Promise<void> {
  const state = new SourceState(input.sourceId, input.carried);
  const steps = new SourceLifecycle(state, input);
  const purge = wf.proxyActivities<Activities>(importActivity('20 seconds'));

  wf.setHandler(statusQuery, () => state.view());
  wf.setHandler(connectedSignal, () => void (state.connectRequested = true));
  wf.setHandler(updateFieldsSignal, () => void (state.updateFieldsRequested = true));
  wf.setHandler(inboxSignal, () => void (state.inboxPending = true));
  wf.setHandler(reconcileSignal, () => void (state.reconcileRequested = true));
  wf.setHandler(deleteSignal, () => {
    state.deleteRequested = true;
    steps.backfillScope?.cancel();
  });
  wf.setHandler(backfillBlockedSignal, ({ reason }) => {
    state.backfillBlocked = true;
    state.lastError = reason;
  });
  const reject = (r: { type: string; message: string } | null) => {
    if (r) throw wf.ApplicationFailure.create({ type: r.type, message: r.message, nonRetryable: true });
  };
  wf.setHandler(
    startImportUpdate,
    async (selection: ImportSelection) => {
      await steps.saveSelection(selection);
      state.importRequested = true;
      return state.view();
    },
    { validator: (_selection: ImportSelection) => reject(state.importRejection()) },
  );
  wf.setHandler(
    resyncUpdate,
    async (selection: ImportSelection | null) => {
      if (selection) await steps.saveSelection(selection);
      state.resyncRequested = true;
      return state.view();
    },
    { validator: (_selection: ImportSelection | null) => reject(state.resyncRejection()) },
  );

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
        await wf.condition(() => state.connectRequested || state.deleteRequested);
        if (state.deleteRequested) continue;
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
          () => state.importRequested || state.connectRequested || state.updateFieldsRequested || state.deleteRequested,
        );
        if (state.deleteRequested) continue;
        if (state.connectRequested) {
          if (await steps.connect()) await steps.setStatus('connected', null);
        } else if (state.updateFieldsRequested) {
          state.updateFieldsRequested = false;
          await steps.loadFields();
        } else if (state.importRequested) {
          state.status = 'importing';
        }
        continue;
      }
      case 'importing':
      case 'resyncing':
        await steps.runBackfill();
        continue;
      case 'live':
        if ((await steps.liveStep()) === 'continue-as-new') {
          await wf.condition(wf.allHandlersFinished);
          await wf.continueAsNew<typeof sourceWorkflow>({ ...input, carried: state.carry() });
        }
        continue;
      default:
        throw wf.ApplicationFailure.nonRetryable(`Unexpected source status ${state.status}`, FailureType.InvalidState);
    }
  }
}
