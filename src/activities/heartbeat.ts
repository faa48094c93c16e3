import { Context } from '@temporalio/activity';

export interface ActivityContext {
  /** Records progress (a cursor): a retry of this activity resumes from the last one. */
  heartbeat(details?: unknown): void;
  /** Tells Temporal the activity is alive without changing its progress: during every wait. */
  keepAlive(): void;
  /** The progress the last heartbeat recorded, in this attempt or the one before. */
  lastDetails<T>(): T | undefined;
  /** What the previous attempt heartbeated, if this is a retry. */
  resumeFrom<T>(): T | undefined;
  sleep(ms: number): Promise<void>;
  /** The activity's cancellation (a delete): aborts Intercom calls and waits. */
  signal?: AbortSignal;
  /** 1 for the first attempt. */
  attempt: number;
}

// Heartbeat details replace each other on the server: a keep-alive must repeat the last cursor, never clear it.
const lastDetails = new WeakMap<Context, { details: unknown }>();

/** The activity's context, or a no-op stand-in when a function runs outside a worker (scripts, benchmarks). */
export function activityContext(): ActivityContext {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return {
      heartbeat: () => undefined,
      keepAlive: () => undefined,
      lastDetails: () => undefined,
      resumeFrom: () => undefined,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      attempt: 1,
    };
  }
  const last = () => lastDetails.get(ctx) ?? { details: ctx.info.heartbeatDetails };
  return {
    heartbeat: (details) => {
      lastDetails.set(ctx, { details });
      ctx.heartbeat(details);
    },
    keepAlive: () => ctx.heartbeat(last().details),
    lastDetails: <T>() => last().details as T | undefined,
    resumeFrom: <T>() => ctx.info.heartbeatDetails as T | undefined,
    sleep: (ms) => ctx.sleep(ms),
    signal: ctx.cancellationSignal,
    attempt: ctx.info.attempt,
  };
}
