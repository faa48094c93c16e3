import type { SourceStatus } from '../domain/source';
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
  backfill: SourceStatusView['backfill'];
}

export interface SourceTuning {
  /** Parallel contact partitions of a backfill. */
  partitions?: number;
  /** Heartbeat timeout of import activities: how soon a dead worker's page is taken over. */
  heartbeatTimeout?: string;
  /** Continue-as-new once the history has this many events (Temporal's suggestion comes first if sooner). */
  continueAsNewAfterEvents?: number;
  /** How often live sync reconciles with Intercom (RECONCILE_INTERVAL), e.g. '1h'. */
  reconcileInterval?: string;
  /** The longest a drainInbox activity runs before the workflow looks at its requests again, e.g. '10 seconds'. */
  drainFor?: string;
  /** How often a reconciliation reads the whole workspace (scroll and sweeps), e.g. '24h'; incremental in between. */
  fullReconcileInterval?: string;
  /** How long Intercom's search may take to index a new contact: the first reconciliation after a backfill. */
  searchIndexLag?: string;
}

export interface SourceWorkflowInput {
  sourceId: string;
  carried?: CarriedState;
  tuning?: SourceTuning;
}

/** A new source: nothing requested yet. */
const INITIAL: CarriedState = {
  status: 'awaiting_connection',
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
  backfill: null,
};

/**
 * The source entity's state. Message handlers only set flags here; the workflow's main loop acts on them,
 * so no two handlers ever run activities at the same time (temporal-ts.md §2.1, safe-message-handlers).
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
  backfill!: SourceStatusView['backfill'];

  /** The inbox may have rows: true at every start, so a new run or a restart drains what is waiting. */
  inboxPending = true;
  /** Set while a backfill waits for a new token; the backfill loop then runs connect and resumes it. */
  backfillBlocked = false;

  constructor(
    readonly sourceId: string,
    carried?: CarriedState,
  ) {
    Object.assign(this, INITIAL, carried);
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
  importRejection(): { type: 'NotConnected' | 'InvalidState'; message: string } | null {
    if (this.deleting()) return { type: 'InvalidState', message: 'The source is being deleted' };
    if (this.status === 'awaiting_connection' || this.status === 'connecting' || this.status === 'needs_reconnect') {
      return { type: 'NotConnected', message: `The source is ${this.status}: connect it to Intercom first` };
    }
    if (this.status !== 'connected' || this.importRequested) {
      return {
        type: 'InvalidState',
        message: `The import has already started (status ${this.status}); use re-sync to import again`,
      };
    }
    return null;
  }

  /** Whether "Re-sync Data and Fields" is allowed now. */
  resyncRejection(): { type: 'NotConnected' | 'InvalidState'; message: string } | null {
    if (this.deleting()) return { type: 'InvalidState', message: 'The source is being deleted' };
    if (this.status === 'awaiting_connection' || this.status === 'connecting' || this.status === 'needs_reconnect') {
      return { type: 'NotConnected', message: `The source is ${this.status}: connect it to Intercom first` };
    }
    if (this.status !== 'live' || this.resyncRequested) {
      return {
        type: 'InvalidState',
        message: `A re-sync needs a live source with no import running (status ${this.status})`,
      };
    }
    return null;
  }
}
