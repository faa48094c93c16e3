import { Context } from '@temporalio/activity';

/** The activity's context, or a no-op stand-in when a function runs outside a worker (scripts, benchmarks). */
export function activityContext(): {
  heartbeat(details?: unknown): void;
  resumeFrom<T>(): T | undefined;
  sleep(ms: number): Promise<void>;
} {
  try {
    const ctx = Context.current();
    return {
      heartbeat: (d) => ctx.heartbeat(d),
      resumeFrom: <T>() => ctx.info.heartbeatDetails as T | undefined,
      sleep: (ms) => ctx.sleep(ms),
    };
  } catch {
    return {
      heartbeat: () => undefined,
      resumeFrom: () => undefined,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    };
  }
}
