import type { Logger } from '../logger';
import type { SourceWorkflows } from './source-client';

/**
 * Tells source workflows that their inbox has work, coalesced: at most one signal in flight per source and one
 * queued behind it, however many webhooks arrive. The signal carries nothing; the workflow reads the inbox.
 * A lost signal loses nothing either: the rows stay in the inbox, and the workflow drains it when it starts,
 * after a backfill, and at every reconciliation.
 */
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
      try {
        await this.workflows.inboxHasWork(sourceId);
      } catch (err) {
        this.log.warn(
          { sourceId, err: (err as Error).message },
          'could not signal the source workflow; the inbox keeps the events',
        );
      }
      if (!entry.again) break;
    }
    this.inFlight.delete(sourceId);
  }

  /** Resolves when no signal is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 5));
  }
}
