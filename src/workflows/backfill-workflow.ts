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

  /**
   * Runs a stream; on a rejected token, waits for the parent's go-ahead, and on a stall for a while (or the
   * go-ahead), then continues from the failure's cursor.
   */
  async function untilDone<T>(run: (resumeFrom: unknown) => Promise<T>): Promise<T> {
    let resumeFrom: unknown = undefined;
    let stalled: string | null = null;
    let stallsInARow = 0;
    for (;;) {
      try {
        const done = await run(resumeFrom);
        if (stalled !== null) await parent.signal(backfillStalledSignal, { reason: null });
        return done;
      } catch (err) {
        const rejected = failureOf(err, FailureType.TokenRejected);
        const stall = failureOf(err, FailureType.Stalled);
        if (!rejected && !stall) throw err;
        resumeFrom = (rejected ?? stall)?.details?.[0] ?? resumeFrom;
        resumed = false;
        if (rejected) {
          await parent.signal(backfillBlockedSignal, { reason: rejected.message });
          await wf.condition(() => resumed);
        } else {
          // Told once per new reason: a stall that lasts days must not grow the parent's history.
          if (stall!.message !== stalled) await parent.signal(backfillStalledSignal, { reason: stall!.message });
          stalled = stall!.message;
          const firstWait = msToNumber(input.stalledRetryInterval ?? '5 minutes');
          const wait = Math.min(firstWait * 2 ** stallsInARow++, Math.max(firstWait, 3_600_000));
          await wf.condition(() => resumed, wait);
        }
      }
    }
  }

  const { startedAt } = await short.beginBackfill(input.sourceId, input.generation);
  const result: BackfillResult = { startedAt, finishedAt: null, companyPages: 0, contactPages: 0, scrollRestarts: 0 };

  const companies = input.companies
    ? untilDone((r) => long.importCompanies(input.sourceId, input.generation, r)).then((c) => {
        result.companyPages = c.pages;
        result.scrollRestarts = c.restarts;
      })
    : Promise.resolve();

  const contacts = input.contacts
    ? (async () => {
        const partitions = await untilDone(() => short.planContactPartitions(input.sourceId, input.partitions ?? 8));
        const done = await settled(
          partitions.map((p) => untilDone((r) => long.importContactPartition(input.sourceId, p, r))),
        );
        result.contactPages = done.reduce((s, d) => s + d.pages, 0);
        // Catch-up: search can lag behind new contacts by minutes; read again what was created since the day before we started.
        const recent: ContactPartition = { fromDay: dayOf(Date.parse(startedAt) / 1000) - 1, toDay: null };
        const catchUp = await untilDone((r) =>
          long.importContactPartition(input.sourceId, recent, r, { countSkips: false }),
        );
        result.contactPages += catchUp.pages;
      })()
    : Promise.resolve();

  await settled([companies, contacts]);
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
