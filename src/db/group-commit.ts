/**
 * Group commit: callers each ask for one item to be written; while one statement is in flight, the items that
 * arrive queue up and go together in the next one. At a trickle every item is its own statement (no added
 * wait); under a stream, one statement and one commit carry many items, which is what lets the webhook endpoint
 * answer 1,000 notifications a second on a small machine.
 *
 * Under a stream (the last write carried several items) the next write waits `lingerMs` for more to join it:
 * fewer, larger statements and commits, for a few milliseconds more per answer.
 *
 * A statement that fails fails only its own items: a batch of several is retried item by item, so one item
 * PostgreSQL refuses does not fail the others queued with it.
 */
export class GroupCommit<I, O> {
  private queue: Array<{ item: I; resolve: (o: O) => void; reject: (err: unknown) => void }> = [];
  private flushing = false;

  constructor(
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly maxItems: number,
    private readonly lingerMs = 0,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      let streaming = false;
      while (this.queue.length > 0) {
        if (streaming && this.lingerMs > 0 && this.queue.length < this.maxItems)
          await new Promise((resolve) => setTimeout(resolve, this.lingerMs));
        const batch = this.queue.splice(0, this.maxItems);
        streaming = batch.length > 1;
        try {
          const out = await this.write(batch.map((b) => b.item));
          batch.forEach((b, i) => b.resolve(out[i]));
        } catch (err) {
          if (batch.length === 1) batch[0].reject(err);
          else await Promise.all(batch.map((b) => this.write([b.item]).then(([o]) => b.resolve(o), b.reject)));
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
