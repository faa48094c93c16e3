import type { SourceProgressWrites } from '../db/repositories/source-progress';

type Delta = { pagesFetched?: number; contactsSkippedNoCompany?: number };

/**
 * Page counters for the progress display, written at most once a second per stream. Every stream of a backfill
 * updating the same `sources` row after every page made the writers queue on that row's lock (BENCHMARKS.md).
 */
export class ProgressBuffer {
  private pending: Required<Delta> = { pagesFetched: 0, contactsSkippedNoCompany: 0 };
  private lastFlush = Date.now();

  constructor(
    private readonly writes: SourceProgressWrites,
    private readonly sourceId: string,
    private readonly everyMs = 1000,
  ) {}

  async add(delta: Delta): Promise<void> {
    this.pending.pagesFetched += delta.pagesFetched ?? 0;
    this.pending.contactsSkippedNoCompany += delta.contactsSkippedNoCompany ?? 0;
    if (Date.now() - this.lastFlush >= this.everyMs) await this.flush();
  }

  async flush(): Promise<void> {
    const delta = this.pending;
    this.pending = { pagesFetched: 0, contactsSkippedNoCompany: 0 };
    this.lastFlush = Date.now();
    if (delta.pagesFetched > 0 || delta.contactsSkippedNoCompany > 0) await this.writes.addCounts(this.sourceId, delta);
  }
}
