import { EndpointUptime } from '../db/repositories/webhook-receipts';
import type { ApiDeps } from './app';

/** Beats missed before a silence counts as an outage of the webhook endpoint. */
export const SILENT_BEATS = 3;

/**
 * Watches the webhook endpoint's own availability: every API process beats into PostgreSQL; a beat that finds
 * the previous one older than three beats means no endpoint could take notifications in between (the API was
 * down, restarting, or could not reach PostgreSQL). Intercom retries a failed notification only once, a minute
 * later, so the changes of that window may be lost: every live source is asked to reconcile, which re-reads what
 * changed since its last reconciliation (which started before the outage) and marks what disappeared.
 */
export function watchEndpoint(deps: Pick<ApiDeps, 'db' | 'config' | 'workflows' | 'log'>): { stop(): Promise<void> } {
  const uptime = new EndpointUptime(deps.db);
  const beatMs = deps.config.endpointBeatMs;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const beat = async () => {
    try {
      const gap = await uptime.beat(beatMs * SILENT_BEATS);
      if (!gap) return;
      const sources = await uptime.liveIntercomSources();
      deps.log.warn(
        { from: gap.from.toISOString(), to: gap.to.toISOString(), sources: sources.length },
        'the webhook endpoint was unreachable; reconciling the live sources for the notifications Intercom may have dropped',
      );
      for (const id of sources) {
        await deps.workflows.reconcile(id).catch((err: unknown) => {
          deps.log.error(
            { err, sourceId: id },
            'could not request the reconciliation after an outage; the periodic one will cover it',
          );
        });
      }
      await uptime.recordGap({ ...gap, sources: sources.length });
    } catch (err) {
      // PostgreSQL unreachable: the endpoint cannot store notifications either; the next good beat sees the gap.
      deps.log.warn({ err }, 'could not record that the webhook endpoint is alive');
    }
  };

  running = beat();
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(beat);
  }, beatMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
