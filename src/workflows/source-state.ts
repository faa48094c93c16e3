import type { Duration } from '@temporalio/common';
import type { Activities } from '../activities';
import { initialSourceStatus, type SourceStatus } from '../domain/source';
import { FailureType } from '../failures';
import type { SourceStatusView } from './messages';

/** What a source workflow carries across continue-as-new: small and JSON-safe (no Map, no Date). */
export interface CarriedState {
  status: SourceStatus;
  generation: number;
  lastError: string | null;
  connectRequested: boolean;
  importRequested: boolean;
  resyncRequested: boolean;
  updateFieldsRequested: boolean;
  reconcileRequested: boolean;
  deleteRequested: boolean;
  /** Unix seconds of the last reconciliation (from the database clock); the next one is due an interval later. */
  lastReconciledAt: number | null;
  nextReconcileAtMs: number | null;
  /** Workflow time of the last full reconciliation (or backfill): the hourly ones in between are incremental. */
  lastFullReconcileAtMs?: number | null;
  /** Live sync stalled on a deterministic failure: the inbox is tried again at this time (or on a reconnect). */
  stalledUntilMs: number | null;
  backfill: SourceStatusView['backfill'];
}

export interface SourceTuning {
  /** Parallel contact partitions of a backfill. */
  partitions?: number;
  /** Heartbeat timeout of import activities: how soon a dead worker's page is taken over. */
  heartbeatTimeout?: Duration;
  /** Continue-as-new once the history has this many events (Temporal's suggestion comes first if sooner). */
  continueAsNewAfterEvents?: number;
  /** How often live sync reconciles with Intercom (RECONCILE_INTERVAL), e.g. '1h'. */
  reconcileInterval?: Duration;
  /** The longest a drainInbox activity runs before the workflow looks at its requests again, e.g. '10 seconds'. */
  drainFor?: Duration;
  /** How often a reconciliation reads the whole workspace (scroll and sweeps), e.g. '24h'; incremental in between. */
  fullReconcileInterval?: Duration;
  /** How long Intercom's search may take to index a new contact: the first reconciliation after a backfill. */
  searchIndexLag?: Duration;
  /** How long a step that stalled on a deterministic failure waits before it is tried again, e.g. '5 minutes'. */
  stalledRetryInterval?: Duration;
}

export interface SourceWorkflowInput {
  sourceId: string;
  carried?: CarriedState;
  tuning?: SourceTuning;
  /**
   * Started again after its previous run ended without a delete (cancelled or terminated in the Temporal UI, or
   * failed): the state comes from the source's row in PostgreSQL (recoveredState), read by the first activity.
   */
  recover?: boolean;
}

/** A new source: nothing requested yet. */
const INITIAL: CarriedState = {
  status: initialSourceStatus('intercom'),
  generation: 0,
  lastError: null,
  connectRequested: false,
  importRequested: false,
  resyncRequested: false,
  updateFieldsRequested: false,
  reconcileRequested: false,
  deleteRequested: false,
  lastReconciledAt: null,
  nextReconcileAtMs: null,
  lastFullReconcileAtMs: null,
  stalledUntilMs: null,
  backfill: null,
};

/** The source's row as the recoveryState activity reads it. */
export type SourceRecord = Awaited<ReturnType<Activities['recoveryState']>>;

/**
 * The state a restarted source workflow continues from: the status the source had, with the step that was under
 * way done again (a backfill re-runs its generation, idempotently; a connect is verified again; a purge continues).
 */
export function recoveredState(r: SourceRecord): CarriedState {
  const generation = Math.max(0, r.generation);
  const unfinished = generation > 0 && r.backfillFinishedAt === null;
  const backfill = r.backfillStartedAt
    ? { startedAt: r.backfillStartedAt, finishedAt: r.backfillFinishedAt, pagesFetched: 0 }
    : null;
  // The last error is kept only where it says what to do (a token to replace); anything else is tried again.
  const lastError = r.status === 'needs_reconnect' ? r.lastError : null;
  const base: CarriedState = { ...INITIAL, generation, lastError, backfill };
  const rerunBackfill = (): CarriedState => ({
    ...base,
    status: generation <= 1 ? 'importing' : 'resyncing',
    generation: Math.max(0, generation - 1), // runBackfill starts this generation again
  });
  switch (r.status) {
    case 'deleting':
    case 'deleted':
      return { ...base, status: 'live', deleteRequested: true };
    case 'awaiting_connection':
      return { ...base, status: 'awaiting_connection' };
    case 'connecting':
      return { ...base, status: 'connecting' };
    case 'connected':
      return { ...base, status: 'connected' };
    case 'importing':
    case 'resyncing':
      return rerunBackfill();
    case 'needs_reconnect':
      return unfinished ? rerunBackfill() : { ...base, status: 'needs_reconnect' };
    default: {
      if (generation === 0) return { ...base, status: 'connected' };
      if (unfinished) return rerunBackfill();
      const backfillStart = r.backfillStartedAt ? Math.floor(Date.parse(r.backfillStartedAt) / 1000) : null;
      return { ...base, status: 'live', lastReconciledAt: r.reconcileStartedAt ?? backfillStart };
    }
  }
}

export interface Rejection {
  type: FailureType;
  message: string;
}

const BUSY: Rejection = {
  type: FailureType.InvalidState,
  message: 'Another Start Import or re-sync of this source is being accepted right now; only one is',
};

/**
 * The source entity's state. Message handlers only set flags here; the workflow's main loop acts on them,
 * so no two handlers ever run activities at the same time (Temporal's safe-message-handlers pattern).
 */
export class SourceState implements CarriedState {
  // Set from INITIAL and what the previous run carried (constructor); `carry()` hands them on.
  status!: SourceStatus;
  generation!: number;
  lastError!: string | null;
  connectRequested!: boolean;
  importRequested!: boolean;
  resyncRequested!: boolean;
  updateFieldsRequested!: boolean;
  reconcileRequested!: boolean;
  deleteRequested!: boolean;
  lastReconciledAt!: number | null;
  nextReconcileAtMs!: number | null;
  lastFullReconcileAtMs!: number | null;
  stalledUntilMs!: number | null;
  backfill!: SourceStatusView['backfill'];

  /** The inbox may have rows: true at every start, so a new run or a restart drains what is waiting. */
  inboxPending = true;
  /** Set while a backfill waits for a new token; the backfill loop then runs connect and resumes it. */
  backfillBlocked = false;
  /** The backfill reported a stall (or its end): lastError changed and is to be recorded. */
  lastErrorChanged = false;
  /** A Start Import or re-sync is storing its selection: a second one at the same time is refused. */
  selectionSaving = false;

  constructor(
    readonly sourceId: string,
    carried?: CarriedState,
  ) {
    Object.assign(this, INITIAL, carried);
  }

  /** Takes a recovered run's state, keeping what was requested while it was read. */
  restore(carried: CarriedState): void {
    const asked = {
      connectRequested: this.connectRequested,
      updateFieldsRequested: this.updateFieldsRequested,
      reconcileRequested: this.reconcileRequested,
      deleteRequested: this.deleteRequested,
    };
    Object.assign(this, carried);
    for (const [k, v] of Object.entries(asked)) if (v) this[k as keyof typeof asked] = true;
  }

  view(): SourceStatusView {
    const { sourceId, status, generation, lastError, backfill } = this;
    return { sourceId, status, generation, lastError, backfill };
  }

  /** Everything of INITIAL's shape, as it is now: the next run's input. */
  carry(): CarriedState {
    return Object.fromEntries(
      Object.keys(INITIAL).map((k) => [k, this[k as keyof CarriedState]]),
    ) as unknown as CarriedState;
  }

  private deleting(): boolean {
    return this.deleteRequested || this.status === 'deleting' || this.status === 'deleted';
  }

  /** Whether "Start Import" is allowed now; the reason otherwise (checked by the update's validator). */
  importRejection(): Rejection | null {
    if (this.deleting()) return { type: FailureType.InvalidState, message: 'The source is being deleted' };
    if (this.selectionSaving) return BUSY;
    if (this.status === 'awaiting_connection' || this.status === 'connecting' || this.status === 'needs_reconnect') {
      return { type: FailureType.NotConnected, message: `The source is ${this.status}: connect it to Intercom first` };
    }
    if (this.status !== 'connected' || this.importRequested) {
      return {
        type: FailureType.InvalidState,
        message: `The import has already started (status ${this.status}); use re-sync to import again`,
      };
    }
    return null;
  }

  /** Whether "Re-sync Data and Fields" is allowed now. */
  resyncRejection(): Rejection | null {
    if (this.deleting()) return { type: FailureType.InvalidState, message: 'The source is being deleted' };
    if (this.selectionSaving) return BUSY;
    if (this.status === 'awaiting_connection' || this.status === 'connecting' || this.status === 'needs_reconnect') {
      return { type: FailureType.NotConnected, message: `The source is ${this.status}: connect it to Intercom first` };
    }
    if (this.status !== 'live' || this.resyncRequested) {
      return {
        type: FailureType.InvalidState,
        message: `A re-sync needs a live source with no import running (status ${this.status})`,
      };
    }
    return null;
  }
}
