import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import { loadConfigOrExit, type Config } from '../config';
import { tokenCipher } from '../crypto';
import { openDatabase } from '../db/data-source';
import { CredentialStore } from '../db/repositories/credentials';
import { createLogger } from '../logger';
import { createMetrics } from '../metrics';
import { connectTemporalClient, temporalTarget } from '../temporal/connection';
import { SourceWorkflows } from '../temporal/source-client';
import { createApp, type ApiDeps } from './app';
import { watchEndpoint } from './endpoint-watch';

export interface RunningApi {
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/** Serves the API on config.port (0 = a free port) until close(). */
export async function startApi(config: Config, deps: ApiDeps): Promise<RunningApi> {
  const app = createApp(deps);
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve, reject) => {
    const s = app.listen(config.port, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const watch = watchEndpoint(deps);
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5_000).unref();
      }).then(() => watch.stop());
      return closing;
    },
  };
}

/** Why the API cannot start with this configuration, naming the variables to set; null when it can. */
export function apiConfigProblem(config: Config): string | null {
  if (config.apiKeys.length === 0) return 'API_KEYS is not set: give at least one API key (comma-separated) for /v1.';
  if (!config.encryptionKey) {
    return 'ENCRYPTION_KEY is not set: give a 32-byte base64 key (openssl rand -base64 32) to encrypt tokens at rest.';
  }
  if (!config.databaseUrl) return 'DATABASE_URL is not set: give the PostgreSQL connection string.';
  return null;
}

/** `node dist/api/server.js`: one process, one database pool, one Temporal client. */
export async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const problem = apiConfigProblem(config);
  if (problem) {
    console.error(`Refusing to start the API: ${problem}`);
    process.exit(78); // EX_CONFIG
  }
  const log = createLogger(config.logLevel);
  const metrics = createMetrics();
  const db = await openDatabase(config.databaseUrl!);
  const connection = await connectTemporalClient(temporalTarget(config, '127.0.0.1:7233'));
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const api = await startApi(config, {
    config,
    db,
    // RECONCILE_INTERVAL is the worker's: each reconciliation tells the source's workflow the current one.
    workflows: new SourceWorkflows(client, config.temporal.taskQueue),
    credentials: new CredentialStore(db, tokenCipher(config)),
    checkTemporal: async () => {
      await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({}));
    },
    log,
    metrics,
  });
  log.info({ url: api.url, publicUrl: config.publicUrl }, 'API listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the API');
    try {
      await api.close();
      await connection.close();
      await db.destroy();
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'unclean shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error('The API failed to start:', err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
