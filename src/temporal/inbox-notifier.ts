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

export class InboxNotifier {
  private readonly inFlight = new Map<string, { again: boolean }>();

  constructor(
    private readonly workflows: SourceWorkflows,
    private readonly log: Logger,
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
        await this.workflows.inboxHasWork(sourceId);
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
