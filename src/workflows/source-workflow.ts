import { msToNumber } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ImportSelection, SourceStatus } from '../domain/source';
import { applicationFailureOf, importActivity, shortActivity } from './activity-options';
import { backfillWorkflow } from './backfill-workflow';
import {
  backfillBlockedSignal,
  backfillResumeSignal,
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
import { SourceState, type SourceWorkflowInput } from './source-state';

const activities = wf.proxyActivities<Activities>(shortActivity);

/**
 * The lifecycle of one source, workflow id `source:<id>`: connect → choose → backfill → live (webhooks and
 * reconciliation), with re-sync, reconnect and delete. Handlers set flags on SourceState; the loop below is the
 * only place that acts on them. Continues as new when Temporal suggests it, carrying only SourceState.
 */
export async function sourceWorkflow(input: SourceWorkflowInput): Promise<void> {
  const state = new SourceState(input.sourceId, input.carried);
  const workflowId = wf.workflowInfo().workflowId;
  const long = wf.proxyActivities<Activities>(importActivity((input.tuning?.heartbeatTimeout ?? '20 seconds') as '1s'));
  const reconcileEveryMs = msToNumber((input.tuning?.reconcileInterval ?? '1h') as '1h');
  let backfillScope: wf.CancellationScope | undefined;

  wf.setHandler(statusQuery, () => state.view());
  wf.setHandler(connectedSignal, () => void (state.connectRequested = true));
  wf.setHandler(updateFieldsSignal, () => void (state.updateFieldsRequested = true));
  wf.setHandler(inboxSignal, () => void (state.inboxPending = true));
  wf.setHandler(reconcileSignal, () => void (state.reconcileRequested = true));
  wf.setHandler(deleteSignal, () => {
    state.deleteRequested = true;
    backfillScope?.cancel();
  });
  wf.setHandler(backfillBlockedSignal, ({ reason }) => {
    state.backfillBlocked = true;
    state.lastError = reason;
  });

  /** Stores a new selection through an activity; a rejected one fails the update with the reason. */
  async function saveSelection(selection: ImportSelection): Promise<void> {
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
        type: 'SelectionNotSaved',
        message: 'The selection could not be saved; try again',
      });
    }
  }
  const reject = (r: { type: string; message: string } | null) => {
    if (r) throw wf.ApplicationFailure.create({ type: r.type, message: r.message, nonRetryable: true });
  };
  wf.setHandler(
    startImportUpdate,
    async (selection: ImportSelection) => {
      await saveSelection(selection);
      state.importRequested = true;
      return state.view();
    },
    { validator: (_selection: ImportSelection) => reject(state.importRejection()) },
  );
  wf.setHandler(
    resyncUpdate,
    async (selection: ImportSelection | null) => {
      if (selection) await saveSelection(selection);
      state.resyncRequested = true;
      return state.view();
    },
    { validator: (_selection: ImportSelection | null) => reject(state.resyncRejection()) },
  );

  async function setStatus(status: SourceStatus, lastError: string | null = state.lastError): Promise<void> {
    state.status = status;
    state.lastError = lastError;
    wf.upsertSearchAttributes([{ key: SourceStatusAttribute, value: status }]);
    await activities.recordSourceStatus(state.sourceId, status, lastError);
  }

  /** Runs Intercom work; a rejected token moves the source to needs_reconnect (nothing is lost: the inbox waits). */
  async function unlessTokenRejected(work: () => Promise<unknown>): Promise<boolean> {
    try {
      await work();
      return true;
    } catch (err) {
      const rejected = applicationFailureOf(err, FailureType.TokenRejected);
      if (!rejected) throw err;
      await setStatus('needs_reconnect', rejected.message);
      return false;
    }
  }

  /** Verifies the stored token and loads the attribute catalogue. False when Intercom rejected the token. */
  async function connect(): Promise<boolean> {
    state.connectRequested = false;
    const before = state.status;
    await setStatus('connecting', null);
    const ok = await unlessTokenRejected(async () => {
      await activities.verifyConnection(state.sourceId);
      await activities.loadAttributeCatalogue(state.sourceId);
    });
    if (!ok && before === 'awaiting_connection') await setStatus('awaiting_connection');
    return ok;
  }

  async function runBackfill(): Promise<void> {
    state.generation++;
    state.importRequested = false;
    state.resyncRequested = false;
    const importing: SourceStatus = state.generation === 1 ? 'importing' : 'resyncing';
    await setStatus(importing, null);
    backfillScope = new wf.CancellationScope();
    const child = await backfillScope.run(() =>
      wf.startChild(backfillWorkflow, {
        workflowId: `${workflowId}:backfill:${state.generation}`,
        args: [
          {
            sourceId: state.sourceId,
            generation: state.generation,
            parentWorkflowId: workflowId,
            companies: true,
            contacts: true,
            partitions: input.tuning?.partitions,
            heartbeatTimeout: input.tuning?.heartbeatTimeout as '1s' | undefined,
          },
        ],
      }),
    );
    let finished = false;
    const result = child.result().finally(() => void (finished = true));
    // While the child runs, serve reconnects: a revoked token blocks it until a new token is verified.
    while (!finished && !state.deleteRequested) {
      await wf.condition(() => finished || state.backfillBlocked || state.deleteRequested);
      if (finished || state.deleteRequested) break;
      if (state.status !== 'needs_reconnect') await setStatus('needs_reconnect');
      await wf.condition(() => finished || state.connectRequested || state.deleteRequested);
      if (finished || state.deleteRequested) break;
      if (await connect()) {
        state.backfillBlocked = false;
        await setStatus(importing, null);
        await child.signal(backfillResumeSignal);
      }
    }
    try {
      const done = await result;
      state.backfill = {
        startedAt: done.startedAt,
        finishedAt: done.finishedAt,
        pagesFetched: done.companyPages + done.contactPages,
      };
      // The backfill read everything as of its start: the first reconciliation only needs what changed since.
      state.lastReconciledAt = Math.floor(Date.parse(done.startedAt) / 1000);
    } catch (err) {
      if (!(state.deleteRequested && wf.isCancellation(err))) throw err;
      return; // cancelled by a delete: the main loop purges
    } finally {
      backfillScope = undefined;
    }
    state.inboxPending = true; // events that arrived during the backfill are applied now, in order
    state.nextReconcileAtMs = Date.now() + reconcileEveryMs;
    await setStatus('live', null);
  }

  async function reconcile(): Promise<void> {
    state.reconcileRequested = false;
    const ok = await unlessTokenRejected(async () => {
      const since = state.lastReconciledAt ?? 0;
      const { startedAt } = await activities.reconciliationStarted(state.sourceId);
      await long.importCompanies(state.sourceId, state.generation);
      await long.reconcileContacts(state.sourceId, since);
      state.lastReconciledAt = startedAt;
    });
    state.nextReconcileAtMs = Date.now() + reconcileEveryMs;
    if (ok) state.inboxPending = true;
  }

  const shouldContinueAsNew = () =>
    wf.workflowInfo().continueAsNewSuggested ||
    wf.workflowInfo().historyLength > (input.tuning?.continueAsNewAfterEvents ?? 5000);

  /** One step of live sync: drain the inbox, serve a request, reconcile when due. */
  async function liveStep(): Promise<'continue-as-new' | void> {
    const dueInMs = Math.max(0, (state.nextReconcileAtMs ?? Date.now() + reconcileEveryMs) - Date.now());
    const woke = await wf.condition(
      () =>
        state.inboxPending ||
        state.resyncRequested ||
        state.deleteRequested ||
        state.updateFieldsRequested ||
        state.connectRequested ||
        state.reconcileRequested ||
        shouldContinueAsNew(),
      dueInMs,
    );
    if (state.deleteRequested) return;
    if (state.connectRequested) {
      await connect();
      if (state.status === 'connecting') await setStatus('live', null);
      return;
    }
    if (shouldContinueAsNew()) return 'continue-as-new';
    if (!woke || state.reconcileRequested) return reconcile();
    if (state.inboxPending) {
      state.inboxPending = false;
      await unlessTokenRejected(async () => {
        // A steady stream never empties the inbox: check the history between batches, not only when idle.
        let more = true;
        while (more && !state.deleteRequested && !shouldContinueAsNew()) {
          more = (await activities.applyInbox(state.sourceId)).more;
        }
        if (more) state.inboxPending = true; // the rest waits for the next step, or the next run
      });
      return;
    }
    if (state.updateFieldsRequested) {
      state.updateFieldsRequested = false;
      await unlessTokenRejected(() => activities.loadAttributeCatalogue(state.sourceId));
      return;
    }
    if (state.resyncRequested) {
      state.status = 'resyncing';
      return;
    }
  }

  for (;;) {
    if (state.deleteRequested) {
      await setStatus('deleting', null);
      // Non-cancellable: once started, a purge always finishes.
      await wf.CancellationScope.nonCancellable(() => long.purgeSource(state.sourceId));
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
        if (await connect()) await setStatus(state.generation > 0 ? 'live' : 'connected', null);
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
          if (await connect()) await setStatus('connected', null);
        } else if (state.updateFieldsRequested) {
          state.updateFieldsRequested = false;
          await unlessTokenRejected(() => activities.loadAttributeCatalogue(state.sourceId));
        } else if (state.importRequested) {
          state.status = 'importing';
        }
        continue;
      }
      case 'importing':
      case 'resyncing':
        await runBackfill();
        continue;
      case 'live':
        if ((await liveStep()) === 'continue-as-new') {
          await wf.condition(wf.allHandlersFinished);
          await wf.continueAsNew<typeof sourceWorkflow>({ ...input, carried: state.carry() });
        }
        continue;
      default:
        throw wf.ApplicationFailure.nonRetryable(`Unexpected source status ${state.status}`, FailureType.InvalidState);
    }
  }
}
