import type { Logger } from '../logger';
import type { SourceWorkflows } from './source-client';

/**
 * Tells source workflows that their inbox has work, coalesced: at most one signal in flight per source, one
 * queued behind it, and no more than one every MIN_INTERVAL_MS however many webhooks arrive (every signal is a
 * history event, and a run accepts at most 10,000 of them). The signal carries nothing; the workflow reads the inbox.
 * A lost signal loses nothing either: the rows stay in the inbox, and the workflow drains it when it starts,
 * after a backfill, and at every reconciliation.
 */
const MIN_INTERVAL_MS = 50;

/**
 * Statuses in which a source does not apply its inbox: it drains it when it gets to live sync (after the backfill,
 * after a reconnect), so signalling it would only grow its history, by up to 20 events a second.
 */
const NOT_APPLYING = new Set([
  'awaiting_connection',
  'connecting',
  'connected',
  'importing',
  'resyncing',
  'needs_reconnect',
]);

export class InboxNotifier {
  private readonly inFlight = new Map<string, { again: boolean }>();

  constructor(
    private readonly workflows: SourceWorkflows,
    private readonly log: Logger,
    /** The source's current status (from PostgreSQL); signals go only to sources that apply their inbox. */
    private readonly statusOf: (sourceId: string) => Promise<string | undefined> = async () => undefined,
  ) {}

  notify(sourceId: string): void {
    const current = this.inFlight.get(sourceId);
    if (current) {
      current.again = true;
      return;
    }
    const entry = { again: false };
    this.inFlight.set(sourceId, entry);
    void this.send(sourceId, entry);
  }

  private async send(sourceId: string, entry: { again: boolean }): Promise<void> {
    for (;;) {
      entry.again = false;
      const sentAt = Date.now();
      try {
        if (!NOT_APPLYING.has((await this.statusOf(sourceId)) ?? '')) await this.workflows.inboxHasWork(sourceId);
      } catch (err) {
        this.log.warn(
          { sourceId, err: (err as Error).message },
          'could not signal the source workflow; the inbox keeps the events',
        );
      }
      if (!entry.again) break;
      const wait = sentAt + MIN_INTERVAL_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    this.inFlight.delete(sourceId);
  }
}
