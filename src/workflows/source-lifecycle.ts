import { msToNumber, type Duration } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ImportSelection, SourceStatus } from '../domain/source';
import { failure, failureOf, FailureType } from '../failures';
import { importActivity, shortActivity } from './activity-options';
import { backfillWorkflow } from './backfill-workflow';
import { backfillResumeSignal } from './messages';
import { SourceStatusAttribute } from './search-attributes';
import type { SourceState, SourceWorkflowInput } from './source-state';

const activities = wf.proxyActivities<Activities>(shortActivity);
/** Live sync drains the inbox with one long drainInbox activity instead of a signal-driven applyInbox loop. */
const DRAIN_INBOX_PATCH = 'drain-inbox';
/** Hourly reconciliations read what changed; the full one runs daily and on demand. */
const INCREMENTAL_RECONCILE_PATCH = 'incremental-reconcile';

/** Failures that need a new token: the source waits in needs_reconnect (nothing is lost: the inbox waits). */
const NEEDS_TOKEN = [FailureType.TokenRejected, FailureType.WorkspaceMismatch] as const;

/**
 * The steps of a source's lifecycle, each a sequence of activities and child workflows over SourceState:
 * connect, backfill (with reconnects), live sync, reconcile. The workflow function decides which to run.
 */
export class SourceLifecycle {
  private readonly long: ReturnType<typeof wf.proxyActivities<Activities>>;
  private reconcileEveryMs: number;
  /** RECONCILE_INTERVAL as the worker last reported it (it wins over the input's, and is carried on). */
  private reconcileInterval: Duration | undefined;
  private readonly indexLagMs: number;
  private readonly drainForMs: number;
  private readonly fullReconcileEveryMs: number;
  private readonly stalledRetryMs: number;
  private readonly workflowId = wf.workflowInfo().workflowId;
  /** The scope of the Intercom work under way (a backfill, an inbox batch, a reconciliation): a delete cancels it. */
  workScope: wf.CancellationScope | undefined;

  constructor(
    private readonly state: SourceState,
    private readonly input: SourceWorkflowInput,
  ) {
    this.long = wf.proxyActivities<Activities>(importActivity(this.heartbeatTimeout()));
    this.reconcileInterval = input.tuning?.reconcileInterval;
    this.reconcileEveryMs = msToNumber(this.reconcileInterval ?? '1h');
    this.indexLagMs = msToNumber(input.tuning?.searchIndexLag ?? '5 minutes');
    this.stalledRetryMs = msToNumber(this.stalledRetryInterval());
    this.drainForMs = msToNumber((input.tuning?.drainFor ?? '10 seconds') as Duration);
    this.fullReconcileEveryMs = msToNumber((input.tuning?.fullReconcileInterval ?? '24h') as Duration);
  }

  private heartbeatTimeout(): Duration | undefined {
    return this.input.tuning?.heartbeatTimeout;
  }

  private stalledRetryInterval(): Duration {
    return this.input.tuning?.stalledRetryInterval ?? '5 minutes';
  }

  /** Stores a new selection through an activity; a rejected one fails the update with the reason. */
  async saveSelection(selection: ImportSelection): Promise<void> {
    this.state.selectionSaving = true;
    try {
      await activities.saveImportSelection(this.state.sourceId, selection);
    } catch (err) {
      const unknown = failureOf(err, FailureType.UnknownAttribute);
      if (unknown) throw failure(FailureType.UnknownAttribute, unknown.message);
      throw failure(FailureType.SelectionNotSaved, 'The selection could not be saved; try again');
    } finally {
      this.state.selectionSaving = false;
    }
  }

  /** Records a status change in the workflow, its search attribute and the database the API reads. */
  async setStatus(status: SourceStatus, lastError: string | null = this.state.lastError): Promise<void> {
    this.state.status = status;
    this.state.lastError = lastError;
    wf.upsertSearchAttributes([{ key: SourceStatusAttribute, value: status }]);
    await activities.recordSourceStatus(this.state.sourceId, status, lastError);
  }

  /** Runs Intercom work; a token that needs replacing moves the source to needs_reconnect ('token' then). */
  async unlessTokenRejected<T>(work: () => Promise<T>): Promise<T | 'token'> {
    try {
      return await work();
    } catch (err) {
      const rejected = failureOf(err, ...NEEDS_TOKEN);
      if (!rejected) throw err;
      await this.setStatus('needs_reconnect', rejected.message);
      return 'token';
    }
  }

  /**
   * Runs a step's activities in a scope that a delete cancels, so the purge starts within seconds whatever the
   * step was doing. A step that stalled on a deterministic failure shows its reason as last_error and returns
   * 'stalled' (the caller decides when to try again); the source keeps serving everything else meanwhile.
   */
  async work(step: () => Promise<unknown>): Promise<'done' | 'stalled' | 'cancelled'> {
    const scope = new wf.CancellationScope();
    this.workScope = scope;
    try {
      await scope.run(step);
      return 'done';
    } catch (err) {
      if (this.state.deleteRequested && wf.isCancellation(err)) return 'cancelled';
      const stalled = failureOf(err, FailureType.Stalled);
      if (!stalled) throw err;
      await this.setStatus(this.state.status, stalled.message);
      return 'stalled';
    } finally {
      this.workScope = undefined;
    }
  }

  /** "Update Fields": reloads the attribute catalogue from Intercom. */
  async loadFields(): Promise<void> {
    await this.unlessTokenRejected(() => this.work(() => activities.loadAttributeCatalogue(this.state.sourceId)));
  }

  /**
   * Verifies the stored token and loads the attribute catalogue. False when the token must be replaced (rejected,
   * of another workspace, or one that cannot be read any more, such as after an ENCRYPTION_KEY change).
   */
  async connect(): Promise<boolean> {
    this.state.connectRequested = false;
    const before = this.state.status;
    await this.setStatus('connecting', null);
    let ok: boolean;
    try {
      const verified = await this.unlessTokenRejected(async () => {
        await activities.verifyConnection(this.state.sourceId);
        await activities.loadAttributeCatalogue(this.state.sourceId);
      });
      ok = verified !== 'token';
    } catch (err) {
      const stalled = failureOf(err, FailureType.Stalled);
      if (!stalled) throw err;
      await this.setStatus('needs_reconnect', stalled.message);
      ok = false;
    }
    if (!ok && before === 'awaiting_connection') await this.setStatus('awaiting_connection');
    if (ok) this.state.stalledUntilMs = null; // a new token is a reason to try a stalled inbox again
    return ok;
  }

  async runBackfill(): Promise<void> {
    this.state.generation++;
    this.state.importRequested = false;
    this.state.resyncRequested = false;
    this.state.stalledUntilMs = null;
    const importing: SourceStatus = this.state.generation === 1 ? 'importing' : 'resyncing';
    await this.setStatus(importing, null);
    this.workScope = new wf.CancellationScope();
    const child = await this.workScope.run(() =>
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
            heartbeatTimeout: this.heartbeatTimeout(),
            stalledRetryInterval: this.input.tuning?.stalledRetryInterval ? this.stalledRetryInterval() : undefined,
            continueAsNewAfterEvents: this.input.tuning?.continueAsNewAfterEvents,
          },
        ],
      }),
    );
    let finished = false;
    const result = child.result().finally(() => void (finished = true));
    // While the child runs: record the stalls it reports, and serve reconnects (a revoked token blocks it until a
    // new token is verified; a new token also retries a stalled stream at once).
    const s = this.state;
    while (!finished && !s.deleteRequested) {
      await wf.condition(
        () =>
          finished ||
          s.deleteRequested ||
          s.lastErrorChanged ||
          (s.backfillBlocked && s.status !== 'needs_reconnect') ||
          (s.connectRequested && (s.backfillBlocked || s.lastError !== null)),
      );
      if (finished || s.deleteRequested) break;
      if (s.lastErrorChanged) {
        s.lastErrorChanged = false;
        await this.setStatus(s.status, s.lastError);
      } else if (s.backfillBlocked && s.status !== 'needs_reconnect') {
        await this.setStatus('needs_reconnect');
      } else if (await this.connect()) {
        s.backfillBlocked = false;
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
      this.workScope = undefined;
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
    const since = this.state.lastReconciledAt ?? 0;
    const outcome = await this.unlessTokenRejected(() =>
      this.work(async () => {
        const { startedAt, reconcileInterval } = await activities.reconciliationStarted(this.state.sourceId);
        if (reconcileInterval !== undefined) {
          this.reconcileInterval = reconcileInterval;
          this.reconcileEveryMs = msToNumber(reconcileInterval);
        }
        // On demand (a user, an endpoint outage, a full inbox) and once a day: everything, with the sweeps that find
        // what was deleted. The hourly ones in between read only what changed, so they cost what changed.
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
      }),
    );
    // A stalled reconciliation is tried again after the stall interval rather than a whole reconcile interval.
    const wait = outcome === 'stalled' ? this.stalledRetryMs : this.reconcileEveryMs;
    this.state.nextReconcileAtMs = Date.now() + wait;
    if (outcome === 'done') {
      this.state.inboxPending = true;
      if (this.state.lastError !== null) await this.setStatus('live', null);
    }
  }

  /** The tuning the next run starts with: the input's, with the reconcile interval the worker last reported. */
  tuning(): SourceWorkflowInput['tuning'] {
    return this.reconcileInterval === undefined
      ? this.input.tuning
      : { ...this.input.tuning, reconcileInterval: this.reconcileInterval };
  }

  shouldContinueAsNew(): boolean {
    return (
      wf.workflowInfo().continueAsNewSuggested ||
      wf.workflowInfo().historyLength > (this.input.tuning?.continueAsNewAfterEvents ?? 5000)
    );
  }

  /** Whether live sync is waiting out a stall before it applies the inbox again. */
  private inboxStalled(): boolean {
    return this.state.stalledUntilMs !== null && Date.now() < this.state.stalledUntilMs;
  }

  /** One step of live sync: drain the inbox, serve a request, reconcile when due. */
  async liveStep(): Promise<'continue-as-new' | void> {
    const now = Date.now();
    const reconcileAt = this.state.nextReconcileAtMs ?? now + this.reconcileEveryMs;
    const wakeAt = this.inboxStalled() ? Math.min(reconcileAt, this.state.stalledUntilMs!) : reconcileAt;
    const woke = await wf.condition(
      () =>
        (this.state.inboxPending && !this.inboxStalled()) ||
        this.state.resyncRequested ||
        this.state.deleteRequested ||
        this.state.updateFieldsRequested ||
        this.state.connectRequested ||
        this.state.reconcileRequested ||
        this.shouldContinueAsNew(),
      Math.max(0, wakeAt - now),
    );
    if (this.state.deleteRequested) return;
    if (this.state.connectRequested) {
      await this.connect();
      if (this.state.status === 'connecting') await this.setStatus('live', null);
      return;
    }
    if (this.shouldContinueAsNew()) return 'continue-as-new';
    if (this.state.stalledUntilMs !== null && !this.inboxStalled()) {
      this.state.stalledUntilMs = null; // the stall's wait is over: try the inbox again
      this.state.inboxPending = true;
      if (!this.state.reconcileRequested && Date.now() < reconcileAt) return;
    }
    if (!woke || this.state.reconcileRequested) return this.reconcile();
    if (this.state.inboxPending) {
      this.state.inboxPending = false;
      await this.unlessTokenRejected(async () => {
        // A steady stream never empties the inbox: check the history between batches, not only when idle.
        let more = true;
        const outcome = await this.work(async () => {
          if (wf.patched(DRAIN_INBOX_PATCH)) {
            // One long activity drains the inbox as it fills and holds it meanwhile, so the webhooks of a stream
            // send no signals: the history grows by one activity per `drainFor`, and continue-as-new finds no
            // signal in flight to replay for. Other requests wait for the drain's end (a second once idle).
            const drained = await this.long.drainInbox(this.state.sourceId, { forMs: this.drainForMs });
            more = drained.more;
            if (drained.reconcileGap) this.state.reconcileRequested = true; // the inbox was full: catch up with Intercom
            return;
          }
          // Before DRAIN_INBOX_PATCH: a signal per webhook burst and one activity per batch.
          while (more && !this.state.deleteRequested && !this.shouldContinueAsNew()) {
            const applied = await this.long.applyInbox(this.state.sourceId);
            more = applied.more;
            if (applied.reconcileGap) this.state.reconcileRequested = true; // the inbox was full: catch up with Intercom
          }
        });
        if (outcome === 'stalled') {
          this.state.stalledUntilMs = Date.now() + this.stalledRetryMs;
          more = true;
        } else if (outcome === 'done' && this.state.lastError !== null) {
          await this.setStatus('live', null); // what stalled went through: the error is gone
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
