import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ImportSelection, SourceStatus } from '../domain/source';

/**
 * The messages a source workflow understands. Signals carry no secrets and no records: the API stores a
 * token or a webhook in PostgreSQL first, then tells the workflow that there is something to look at.
 */

/** A token was stored for the source (OAuth callback or pasted private-app token): verify it and go on. */
export const connectedSignal = defineSignal('connected');

/**
 * "Start Import". An update, not a signal, because the caller needs to know whether the selection was accepted:
 * before the source is connected → NotConnected (409); an attribute unknown to Intercom → UnknownAttribute (422).
 */
export const startImportUpdate = defineUpdate<SourceStatusView, [ImportSelection]>('startImport');

/** "Update Fields": reload the attribute catalogue from Intercom. */
export const updateFieldsSignal = defineSignal('updateFields');

/**
 * "Re-sync Data and Fields": a new backfill generation, optionally with a new selection. An update rather
 * than a signal because a new selection must be validated and the caller told
 * about an unknown attribute (422) or a source that is not live (409).
 */
export const resyncUpdate = defineUpdate<SourceStatusView, [ImportSelection | null]>('resync');

/** Reconcile now with Intercom (what webhooks may have missed), rather than at the next interval. */
export const reconcileSignal = defineSignal('reconcile');

/** "Delete This Source": cancel any backfill, purge everything, end. Irrevocable. */
export const deleteSignal = defineSignal('delete');

/** The webhook inbox has rows for this source. Coalesced: many webhooks, one pending flag. */
export const inboxSignal = defineSignal('inboxHasWork');

/** The backfill child tells its parent that Intercom rejected the token, and the parent tells it to go on. */
export const backfillBlockedSignal = defineSignal<[{ reason: string }]>('backfillBlocked');
export const backfillResumeSignal = defineSignal('backfillResume');

/**
 * The backfill child tells its parent that a stream stalled on a deterministic failure (the reason, shown as the
 * source's last_error while the child retries it now and then), or that it recovered (null).
 */
export const backfillStalledSignal = defineSignal<[{ reason: string | null }]>('backfillStalled');

export interface SourceStatusView {
  sourceId: string;
  status: SourceStatus;
  generation: number;
  lastError: string | null;
  backfill: { startedAt: string | null; finishedAt: string | null; pagesFetched: number } | null;
}

export const statusQuery = defineQuery<SourceStatusView>('status');
