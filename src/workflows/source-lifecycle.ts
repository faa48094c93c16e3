import { msToNumber } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ImportSelection, SourceStatus } from '../domain/source';
import { applicationFailureOf, importActivity, shortActivity } from './activity-options';
import { backfillWorkflow } from './backfill-workflow';
import { backfillResumeSignal, FailureType } from './messages';
import { SourceStatusAttribute } from './search-attributes';
import type { SourceState, SourceWorkflowInput } from './source-state';

const activities = wf.proxyActivities<Activities>(shortActivity);
/** Live sync drains the inbox with one long drainInbox activity instead of a signal-driven applyInbox loop. */
const DRAIN_INBOX_PATCH = 'drain-inbox';
/** Hourly reconciliations read what changed; the full one runs daily and on demand. */
const INCREMENTAL_RECONCILE_PATCH = 'incremental-reconcile';

/**
 * The steps of a source's lifecycle, each a sequence of activities and child workflows over SourceState:
 * connect, backfill (with reconnects), live sync, reconcile. The workflow function decides which to run.
 */
export class SourceLifecycle {
  private readonly long: ReturnType<typeof wf.proxyActivities<Activities>>;
  private readonly reconcileEveryMs: number;
  private readonly indexLagMs: number;
  private readonly drainForMs: number;
  private readonly fullReconcileEveryMs: number;
  private readonly workflowId = wf.workflowInfo().workflowId;
  /** Set while a backfill runs, so a delete can cancel it. */
  backfillScope: wf.CancellationScope | undefined;

  constructor(
    private readonly state: SourceState,
    private readonly input: SourceWorkflowInput,
  ) {
    this.long = wf.proxyActivities<Activities>(
      importActivity((input.tuning?.heartbeatTimeout ?? '20 seconds') as '1s'),
    );
    this.reconcileEveryMs = msToNumber((input.tuning?.reconcileInterval ?? '1h') as '1h');
    this.indexLagMs = msToNumber((input.tuning?.searchIndexLag ?? '5 minutes') as '1h');
    this.drainForMs = msToNumber((input.tuning?.drainFor ?? '10 seconds') as '1h');
    this.fullReconcileEveryMs = msToNumber((input.tuning?.fullReconcileInterval ?? '24h') as '1h');
  }

  /** Stores a new selection through an activity; a rejected one fails the update with the reason. */
  async saveSelection(selection: ImportSelection): Promise<void> {
    try {
      await activities.saveImportSelection(this.state.sourceId, selection);
    } catch (err) {
      const failure = applicationFailureOf(err, FailureType.UnknownAttribute);
      if (failure) {
        throw wf.ApplicationFailure.create({
          type: failure.type ?? undefined,
          message: failure.message,
          nonRetryable: true,
        });
      }
      throw wf.ApplicationFailure.create({
        type: 'SelectionNotSaved',
        message: 'The selection could not be saved; try again',
      });
    }
  }

  /** Records a status change in the workflow, its search attribute and the database the API reads. */
  async setStatus(status: SourceStatus, lastError: string | null = this.state.lastError): Promise<void> {
    this.state.status = status;
    this.state.lastError = lastError;
    wf.upsertSearchAttributes([{ key: SourceStatusAttribute, value: status }]);
    await activities.recordSourceStatus(this.state.sourceId, status, lastError);
  }

  /** Runs Intercom work; a rejected token moves the source to needs_reconnect (nothing is lost: the inbox waits). */
  async unlessTokenRejected(work: () => Promise<unknown>): Promise<boolean> {
    try {
      await work();
      return true;
    } catch (err) {
      const rejected = applicationFailureOf(err, FailureType.TokenRejected);
      if (!rejected) throw err;
      await this.setStatus('needs_reconnect', rejected.message);
      return false;
    }
  }

  /** "Update Fields": reloads the attribute catalogue from Intercom. */
  async loadFields(): Promise<void> {
    await this.unlessTokenRejected(() => activities.loadAttributeCatalogue(this.state.sourceId));
  }

  /** Verifies the stored token and loads the attribute catalogue. False when Intercom rejected the token. */
  async connect(): Promise<boolean> {
    this.state.connectRequested = false;
    const before = this.state.status;
    await this.setStatus('connecting', null);
    const ok = await this.unlessTokenRejected(async () => {
      await activities.verifyConnection(this.state.sourceId);
      await activities.loadAttributeCatalogue(this.state.sourceId);
    });
    if (!ok && before === 'awaiting_connection') await this.setStatus('awaiting_connection');
    return ok;
  }

  async runBackfill(): Promise<void> {
    this.state.generation++;
    this.state.importRequested = false;
    this.state.resyncRequested = false;
    const importing: SourceStatus = this.state.generation === 1 ? 'importing' : 'resyncing';
    await this.setStatus(importing, null);
    this.backfillScope = new wf.CancellationScope();
    const child = await this.backfillScope.run(() =>
      wf.startChild(backfillWorkflow, {
        workflowId: `${this.workflowId}:backfill:${this.state.generation}`,
        args: [
          {
            sourceId: this.state.sourceId,
            generation: this.state.generation,
            parentWorkflowId: this.workflowId,
            companies: true,
            contacts: true,
            partitions: this.input.tuning?.partitions,
            heartbeatTimeout: this.input.tuning?.heartbeatTimeout as '1s' | undefined,
          },
        ],
      }),
    );
    let finished = false;
    const result = child.result().finally(() => void (finished = true));
    // While the child runs, serve reconnects: a revoked token blocks it until a new token is verified.
    while (!finished && !this.state.deleteRequested) {
      await wf.condition(() => finished || this.state.backfillBlocked || this.state.deleteRequested);
      if (finished || this.state.deleteRequested) break;
      if (this.state.status !== 'needs_reconnect') await this.setStatus('needs_reconnect');
      await wf.condition(() => finished || this.state.connectRequested || this.state.deleteRequested);
      if (finished || this.state.deleteRequested) break;
      if (await this.connect()) {
        this.state.backfillBlocked = false;
        await this.setStatus(importing, null);
        await child.signal(backfillResumeSignal);
      }
    }
    try {
      const done = await result;
      this.state.backfill = {
        startedAt: done.startedAt,
        finishedAt: done.finishedAt,
        pagesFetched: done.companyPages + done.contactPages,
      };
      // The backfill read everything as of its start: the first reconciliation only needs what changed since.
      this.state.lastReconciledAt = Math.floor(Date.parse(done.startedAt) / 1000);
      this.state.lastFullReconcileAtMs = Date.now(); // a backfill reads everything
    } catch (err) {
      if (!(this.state.deleteRequested && wf.isCancellation(err))) throw err;
      return; // cancelled by a delete: the main loop purges
    } finally {
      this.backfillScope = undefined;
    }
    this.state.inboxPending = true; // events that arrived during the backfill are applied now, in order
    // Intercom's search can take minutes to index new contacts: a first reconciliation soon after the backfill
    // picks up those its partitions and catch-up could not see yet.
    this.state.nextReconcileAtMs = Date.now() + Math.min(this.reconcileEveryMs, this.indexLagMs);
    await this.setStatus('live', null);
  }

  async reconcile(): Promise<void> {
    const onDemand = this.state.reconcileRequested;
    this.state.reconcileRequested = false;
    const ok = await this.unlessTokenRejected(async () => {
      const since = this.state.lastReconciledAt ?? 0;
      const { startedAt } = await activities.reconciliationStarted(this.state.sourceId);
      // On demand (a user, or an endpoint outage) and once a day: everything, with the sweeps that find what was
      // deleted. The hourly ones in between read only what changed, so they cost what changed.
      const lastFull = this.state.lastFullReconcileAtMs;
      const fullDue = onDemand || lastFull === null || Date.now() - lastFull >= this.fullReconcileEveryMs;
      if (!fullDue && wf.patched(INCREMENTAL_RECONCILE_PATCH)) {
        await this.long.reconcileActiveCompanies(this.state.sourceId, this.state.generation, since);
        await this.long.reconcileRecentContacts(this.state.sourceId, since);
      } else {
        await this.long.importCompanies(this.state.sourceId, this.state.generation);
        await this.long.reconcileContacts(this.state.sourceId, since);
        this.state.lastFullReconcileAtMs = Date.now();
      }
      this.state.lastReconciledAt = startedAt;
    });
    this.state.nextReconcileAtMs = Date.now() + this.reconcileEveryMs;
    if (ok) this.state.inboxPending = true;
  }

  shouldContinueAsNew(): boolean {
    return (
      wf.workflowInfo().continueAsNewSuggested ||
      wf.workflowInfo().historyLength > (this.input.tuning?.continueAsNewAfterEvents ?? 5000)
    );
  }

  /** One step of live sync: drain the inbox, serve a request, reconcile when due. */
  async liveStep(): Promise<'continue-as-new' | void> {
    const dueInMs = Math.max(0, (this.state.nextReconcileAtMs ?? Date.now() + this.reconcileEveryMs) - Date.now());
    const woke = await wf.condition(
      () =>
        this.state.inboxPending ||
        this.state.resyncRequested ||
        this.state.deleteRequested ||
        this.state.updateFieldsRequested ||
        this.state.connectRequested ||
        this.state.reconcileRequested ||
        this.shouldContinueAsNew(),
      dueInMs,
    );
    if (this.state.deleteRequested) return;
    if (this.state.connectRequested) {
      await this.connect();
      if (this.state.status === 'connecting') await this.setStatus('live', null);
      return;
    }
    if (this.shouldContinueAsNew()) return 'continue-as-new';
    if (!woke || this.state.reconcileRequested) return this.reconcile();
    if (this.state.inboxPending) {
      this.state.inboxPending = false;
      await this.unlessTokenRejected(async () => {
        if (wf.patched(DRAIN_INBOX_PATCH)) {
          // One long activity drains the inbox as it fills and holds it meanwhile, so the webhooks of a stream
          // send no signals: the history grows by one activity per `drainFor`, and continue-as-new finds no
          // signal in flight to replay for. Other requests wait for the drain's end (a second once idle).
          const drained = await this.long.drainInbox(this.state.sourceId, { forMs: this.drainForMs });
          if (drained.more) this.state.inboxPending = true;
          if (drained.reconcileGap) this.state.reconcileRequested = true; // the inbox was full: catch up with Intercom
          return;
        }
        // Before DRAIN_INBOX_PATCH: a signal per webhook burst and one activity per batch.
        // A steady stream never empties the inbox: check the history between batches, not only when idle.
        let more = true;
        while (more && !this.state.deleteRequested && !this.shouldContinueAsNew()) {
          const applied = await activities.applyInbox(this.state.sourceId);
          more = applied.more;
          if (applied.reconcileGap) this.state.reconcileRequested = true; // the inbox was full: catch up with Intercom
        }
        if (more) this.state.inboxPending = true; // the rest waits for the next step, or the next run
      });
      return;
    }
    if (this.state.updateFieldsRequested) {
      this.state.updateFieldsRequested = false;
      await this.loadFields();
      return;
    }
    if (this.state.resyncRequested) {
      this.state.status = 'resyncing';
      return;
    }
  }
}
