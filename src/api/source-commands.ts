import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { SourceSystem } from '../db/entities/source';
import type { SourceRepository, SourceSummary } from '../db/repositories/sources';
import type { ApiDeps } from './app';
import { refuseOtherWorkspace } from './workspace-check';

/**
 * The commands on a source that both the JSON API (/v1) and the web app (/app) offer: create and start, delete,
 * connect with a token. Each runs here once; the routes only translate their HTTP (JSON or forms) to and from it.
 * Their input rules (`sourceName`, `accessToken`) are in schemas.ts, for both.
 */

/** The new source's workflow could not be started; the source was taken back, so nothing was created. */
export class SourceNotStarted extends Error {
  override name = 'SourceNotStarted';
  constructor(cause: unknown) {
    super('Could not start the workflow of the new source (is Temporal up?); nothing was created, try again', {
      cause,
    });
  }
}

/** Where a command came from, for the log. */
export type CommandOrigin = 'api' | 'app' | 'oauth';

export class SourceCommands {
  constructor(
    private readonly deps: ApiDeps,
    private readonly sources: SourceRepository,
  ) {}

  /**
   * Creates a source (SourceNameTaken when a live one has the name); an Intercom source gets its workflow at once.
   * When that fails the source is taken back, so the name stays free, and SourceNotStarted is thrown.
   */
  async create(name: string, system: SourceSystem, via: CommandOrigin): Promise<SourceSummary> {
    const { log, workflows } = this.deps;
    const source = await this.sources.create({ name, system });
    if (system !== 'intercom') return source;
    try {
      await workflows.start(source.id);
    } catch (err) {
      log.error({ err, sourceId: source.id }, 'could not start the source workflow; removing the source');
      try {
        await this.sources.removeUnused(source.id);
      } catch (cleanupErr) {
        log.error({ err: cleanupErr, sourceId: source.id }, 'could not remove the half-created source');
      }
      throw new SourceNotStarted(err);
    }
    log.info({ sourceId: source.id, via }, 'Intercom source created');
    return source;
  }

  /**
   * "Delete This Source": an Intercom source's workflow cancels any backfill and purges; a custom source has no
   * workflow, so its purge starts on its own (once: a retried delete finds it running). Only after that is the
   * source marked, which hides it from the API's reads: a source hidden but never purged would be lost from sight.
   */
  async delete(source: SourceSummary, via: CommandOrigin): Promise<void> {
    const { log, workflows } = this.deps;
    if (source.system === 'intercom') await workflows.delete(source.id);
    else if (source.status !== 'deleting') {
      try {
        await workflows.purgeCustomSource(source.id);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    }
    await this.sources.markDeleteRequested(source.id);
    log.info({ sourceId: source.id, via }, 'source deletion requested');
  }

  /**
   * Stores a token (pasted or from OAuth) and tells the source's workflow. A token of another Intercom workspace
   * than the source's is refused (409) before anything is written. The token is never logged.
   */
  async connect(source: SourceSummary, token: string, via: CommandOrigin): Promise<void> {
    const { credentials, log, workflows } = this.deps;
    await refuseOtherWorkspace(this.deps, source, token);
    await credentials.save(source.id, token);
    await workflows.connected(source.id);
    log.info({ sourceId: source.id, via }, 'access token stored; workflow signalled');
  }
}
