/**
 * How long writers waited for locks, seen from PostgreSQL itself (so the same measure works on any version of our
 * code): `pg_locks` is sampled every `everyMs`; each wait (a backend, a lock it has not been granted, its
 * `waitstart`) lasts from `waitstart` to the last sample that still shows it. Waits shorter than a sample interval
 * are mostly missed, so the totals are a lower bound at that resolution.
 */
export interface LockWaitSummary {
  waits: number;
  totalSeconds: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Seconds waited per lock type (advisory, transactionid, tuple, relation, …). */
  byType: Record<string, number>;
  samples: number;
}

export class LockWaitSampler {
  private readonly waits = new Map<string, { type: string; start: number; last: number }>();
  private samples = 0;
  private running = false;
  private loop?: Promise<void>;

  private constructor(
    private readonly query: (sql: string) => Promise<unknown>,
    private readonly everyMs: number,
  ) {}

  /** Samples through `query` (one connection of the benchmark's pool) until stop(). */
  static start(query: (sql: string) => Promise<unknown>, everyMs = 20): LockWaitSampler {
    const sampler = new LockWaitSampler(query, everyMs);
    sampler.running = true;
    sampler.loop = sampler.run();
    return sampler;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const rows = (await this.query(
        `SELECT pid, locktype, (extract(epoch FROM waitstart) * 1000)::float8 AS start,
                (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now
           FROM pg_locks WHERE NOT granted AND waitstart IS NOT NULL`,
      )) as Array<{ pid: number; locktype: string; start: number; now: number }>;
      this.samples++;
      for (const r of rows) {
        const key = `${r.pid}:${r.start}`;
        const seen = this.waits.get(key);
        if (seen) seen.last = Number(r.now);
        else this.waits.set(key, { type: r.locktype, start: Number(r.start), last: Number(r.now) });
      }
      await new Promise((resolve) => setTimeout(resolve, this.everyMs));
    }
  }

  async stop(): Promise<LockWaitSummary> {
    this.running = false;
    await this.loop;
    const durations = [...this.waits.values()].map((w) => Math.max(0, w.last - w.start)).sort((a, b) => a - b);
    const byType: Record<string, number> = {};
    for (const w of this.waits.values()) byType[w.type] = (byType[w.type] ?? 0) + Math.max(0, w.last - w.start) / 1000;
    const at = (q: number) =>
      durations.length ? durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] : 0;
    return {
      waits: durations.length,
      totalSeconds: durations.reduce((s, d) => s + d, 0) / 1000,
      p50Ms: at(0.5),
      p95Ms: at(0.95),
      maxMs: durations.at(-1) ?? 0,
      byType,
      samples: this.samples,
    };
  }
}
