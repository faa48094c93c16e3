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
  /** How long Intercom's search may take to index a new contact: the first reconciliation after a backfill. */
  searchIndexLag?: string;
}

export interface SourceWorkflowInput {
  sourceId: string;
  carried?: CarriedState;
  tuning?: SourceTuning;
}

/**
 * The source entity's state. Message handlers only set flags here; the workflow's main loop acts on them,
 * so no two handlers ever run activities at the same time (temporal-ts.md §2.1, safe-message-handlers).
 */
export class SourceState {
  status: SourceStatus;
  generation: number;
  lastError: string | null;
  connectRequested: boolean;
  importRequested: boolean;
  resyncRequested: boolean;
  updateFieldsRequested: boolean;
  reconcileRequested: boolean;
  deleteRequested: boolean;
  lastReconciledAt: number | null;
  nextReconcileAtMs: number | null;
  backfill: SourceStatusView['backfill'];
  /** The inbox may have rows: true at every start, so a new run or a restart drains what is waiting. */
  inboxPending = true;
  /** Set while a backfill waits for a new token; the backfill loop then runs connect and resumes it. */
  backfillBlocked = false;

  constructor(
    readonly sourceId: string,
    carried?: CarriedState,
  ) {
    this.status = carried?.status ?? 'awaiting_connection';
    this.generation = carried?.generation ?? 0;
    this.lastError = carried?.lastError ?? null;
    this.connectRequested = carried?.connectRequested ?? false;
    this.importRequested = carried?.importRequested ?? false;
    this.resyncRequested = carried?.resyncRequested ?? false;
    this.updateFieldsRequested = carried?.updateFieldsRequested ?? false;
    this.reconcileRequested = carried?.reconcileRequested ?? false;
    this.deleteRequested = carried?.deleteRequested ?? false;
    this.lastReconciledAt = carried?.lastReconciledAt ?? null;
    this.nextReconcileAtMs = carried?.nextReconcileAtMs ?? null;
    this.backfill = carried?.backfill ?? null;
  }

  view(): SourceStatusView {
    return {
      sourceId: this.sourceId,
      status: this.status,
      generation: this.generation,
      lastError: this.lastError,
      backfill: this.backfill,
    };
  }

  carry(): CarriedState {
    return {
      status: this.status,
      generation: this.generation,
      lastError: this.lastError,
      connectRequested: this.connectRequested,
      importRequested: this.importRequested,
      resyncRequested: this.resyncRequested,
      updateFieldsRequested: this.updateFieldsRequested,
      reconcileRequested: this.reconcileRequested,
      deleteRequested: this.deleteRequested,
      lastReconciledAt: this.lastReconciledAt,
      nextReconcileAtMs: this.nextReconcileAtMs,
      backfill: this.backfill,
    };
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
