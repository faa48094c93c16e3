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
  deleteRequested: boolean;
  backfill: SourceStatusView['backfill'];
}

export interface SourceWorkflowInput {
  sourceId: string;
  carried?: CarriedState;
  /** Backfill tuning (tests, benchmarks): parallel contact partitions and the import heartbeat timeout. */
  tuning?: { partitions?: number; heartbeatTimeout?: string; continueAsNewAfterEvents?: number };
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
  deleteRequested: boolean;
  /** Set while a backfill waits for a new token; the main loop then runs connect and resumes it. */
  backfillBlocked = false;
  backfill: SourceStatusView['backfill'];

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
    this.deleteRequested = carried?.deleteRequested ?? false;
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
      deleteRequested: this.deleteRequested,
      backfill: this.backfill,
    };
  }

  /** Whether "Start Import" is allowed now; the reason otherwise (checked by the update's validator). */
  importRejection(): { type: 'NotConnected' | 'InvalidState'; message: string } | null {
    if (this.deleteRequested || this.status === 'deleting' || this.status === 'deleted') {
      return { type: 'InvalidState', message: 'The source is being deleted' };
    }
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
}
