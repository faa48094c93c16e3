import * as wf from '@temporalio/workflow';
import { msToNumber, type Duration } from '@temporalio/common';
import type { Activities } from '../activities';
import { dayOf, type ContactPartition } from '../domain/contact-partitions';
import { failureOf, FailureType } from '../failures';
import { importActivity, shortActivity } from './activity-options';
import { backfillBlockedSignal, backfillResumeSignal, backfillStalledSignal } from './messages';

export interface BackfillInput {
  sourceId: string;
  generation: number;
  parentWorkflowId: string;
  companies: boolean;
  contacts: boolean;
  /** Parallel created_at partitions for contacts. */
  partitions?: number;
  heartbeatTimeout?: Duration;
  /**
   * How long a stream that stalled on a deterministic failure first waits before it is tried again; the wait
   * doubles with each stall in a row, up to an hour, so a stall that lasts days keeps the history small.
   */
  stalledRetryInterval?: Duration;
  /** Continue as new past this many events (Temporal's suggestion comes first if sooner). */
  continueAsNewAfterEvents?: number;
  /** What the previous run of this generation reached: set only by continue-as-new. */
  carried?: BackfillCarried;
}

/** A stream's state at a run boundary: its result once done, else where it resumes and how often it stalled. */
interface StreamState {
  result?: unknown;
  resumeFrom?: unknown;
  stalled: string | null;
  stallsInARow: number;
}

/** What a backfill run hands to the next one: small and JSON-safe (cursors are counts and a scroll param). */
export interface BackfillCarried {
  startedAt: string;
  streams: Record<string, StreamState>;
}

export interface BackfillResult {
  startedAt: string;
  finishedAt: string | null;
  companyPages: number;
  contactPages: number;
  scrollRestarts: number;
}

/**
 * One backfill generation, as a child workflow so its activity events stay out of the source's history.
 * Companies (one scroll) and contacts (parallel partitions) run side by side; activities write pages
 * themselves and return only counts. If Intercom rejects the token, the child tells its parent, waits for
 * the source to be connected again, and resumes each stream from the cursor it had reached. A stream that stalls on
 * a deterministic failure (failed the same way a few times) is reported to the parent, which shows the reason, and
 * is tried again from its cursor after a while, or at once when the source is connected again.
 */
export async function backfillWorkflow(input: BackfillInput): Promise<BackfillResult> {
  const short = wf.proxyActivities<Activities>(shortActivity);
  const long = wf.proxyActivities<Activities>(importActivity(input.heartbeatTimeout));
  const parent = wf.getExternalWorkflowHandle(input.parentWorkflowId);

  let resumed = false;
  wf.setHandler(backfillResumeSignal, () => {
    resumed = true;
  });

  // Only stalls and reconnects grow a backfill's history (heartbeats add no events), so a stall that lasts for days
  // is what can make it large. Then every stream parks at its next wait (a running page finishes first) and, once
  // none is running, the backfill continues as new, each stream resuming from where it parked.
  const streams: Record<string, StreamState> = { ...input.carried?.streams };
  let running = 0;
  let handover = false;
  const historyLarge = () =>
    wf.workflowInfo().continueAsNewSuggested ||
    wf.workflowInfo().historyLength > (input.continueAsNewAfterEvents ?? 5000);
  // Until the run continues as new; a delete (cancellation) still ends a parked stream at once.
  const park = async (): Promise<never> => {
    await wf.condition(() => false);
    throw new Error('unreachable');
  };

  /**
   * Runs a stream; on a rejected token, waits for the parent's go-ahead, and on a stall for a while (or the
   * go-ahead), then continues from the failure's cursor.
   */
  async function untilDone<T>(name: string, run: (resumeFrom: unknown) => Promise<T>): Promise<T> {
    const stream = (streams[name] ??= { stalled: null, stallsInARow: 0 });
    if ('result' in stream) return stream.result as T; // done in an earlier run
    for (;;) {
      if ((handover ||= historyLarge())) return park();
      running++;
      const attempt = await run(stream.resumeFrom).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      running--;
      if (attempt.ok) {
        streams[name] = { result: attempt.value, stalled: null, stallsInARow: 0 };
        if (stream.stalled !== null) await parent.signal(backfillStalledSignal, { reason: null });
        return attempt.value;
      }
      const rejected = failureOf(attempt.error, FailureType.TokenRejected);
      const stall = failureOf(attempt.error, FailureType.Stalled);
      if (!rejected && !stall) throw attempt.error;
      stream.resumeFrom = (rejected ?? stall)?.details?.[0] ?? stream.resumeFrom;
      resumed = false;
      if (rejected) {
        await parent.signal(backfillBlockedSignal, { reason: rejected.message });
        await wf.condition(() => resumed || (handover ||= historyLarge()));
      } else {
        // Told once per new reason: a stall that lasts days must not grow the parent's history.
        if (stall!.message !== stream.stalled) await parent.signal(backfillStalledSignal, { reason: stall!.message });
        stream.stalled = stall!.message;
        const firstWait = msToNumber(input.stalledRetryInterval ?? '5 minutes');
        const wait = Math.min(firstWait * 2 ** stream.stallsInARow++, Math.max(firstWait, 3_600_000));
        await wf.condition(() => resumed || (handover ||= historyLarge()), wait);
      }
    }
  }

  const startedAt = input.carried?.startedAt ?? (await short.beginBackfill(input.sourceId, input.generation)).startedAt;
  const result: BackfillResult = { startedAt, finishedAt: null, companyPages: 0, contactPages: 0, scrollRestarts: 0 };

  const companies = input.companies
    ? untilDone('companies', (r) => long.importCompanies(input.sourceId, input.generation, r)).then((c) => {
        result.companyPages = c.pages;
        result.scrollRestarts = c.restarts;
      })
    : Promise.resolve();

  const contacts = input.contacts
    ? (async () => {
        const partitions = await untilDone('partitions', () =>
          short.planContactPartitions(input.sourceId, input.partitions ?? 8),
        );
        const done = await settled(
          partitions.map((p, i) =>
            untilDone(`contacts:${i}`, (r) => long.importContactPartition(input.sourceId, p, r)),
          ),
        );
        result.contactPages = done.reduce((s, d) => s + d.pages, 0);
        // Catch-up: search can lag behind new contacts by minutes; read again what was created since the day before we started.
        const recent: ContactPartition = { fromDay: dayOf(Date.parse(startedAt) / 1000) - 1, toDay: null };
        const catchUp = await untilDone('catch-up', (r) =>
          long.importContactPartition(input.sourceId, recent, r, { countSkips: false }),
        );
        result.contactPages += catchUp.pages;
      })()
    : Promise.resolve();

  const all = settled([companies, contacts]);
  // The hand-over wait must not end the run on a delete: `all` waits for every stream, so no page is still being
  // written when the purge starts.
  const handoverReady = wf.CancellationScope.nonCancellable(() => wf.condition(() => handover && running === 0));
  const first = await Promise.race([all.then(() => 'done' as const), handoverReady.then(() => 'handover' as const)]);
  if (first === 'handover' && !wf.CancellationScope.current().consideredCancelled) {
    all.catch(() => undefined); // parked streams never settle; this run ends here
    await wf.continueAsNew<typeof backfillWorkflow>({ ...input, carried: { startedAt, streams } });
  }
  await all;
  result.finishedAt = (await short.finishBackfill(input.sourceId)).finishedAt;
  return result;
}

/**
 * Like Promise.all, but waits for every stream to finish before failing. On a delete the backfill is cancelled,
 * and it must not end while an activity is still writing a page, or the purge that follows could miss it.
 */
async function settled<T>(work: Array<Promise<T>>): Promise<T[]> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
