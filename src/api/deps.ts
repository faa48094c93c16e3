import { Client, type Connection } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { tokenCipher } from '../crypto';
import { CredentialStore } from '../db/repositories/credentials';
import type { Logger } from '../logger';
import { createMetrics, type Metrics } from '../metrics';
import { SourceWorkflows } from '../temporal/source-client';
import type { SourceTuning } from '../workflows/source-state';
import type { ApiDeps } from './app';

/** How long /readyz waits for the Temporal frontend before it calls it unreachable (the call is cancelled then). */
const TEMPORAL_CHECK_MS = 2_000;

/**
 * The API's dependencies, built the same way for every process that serves it (the API server, `npm start`, the
 * tests and the benchmarks): the caller brings the database, the Temporal connection and its logger, and only
 * what really differs (its metrics registry, backfill tuning for tests and benchmarks).
 */
export function createApiDeps(input: {
  config: Config;
  db: DataSource;
  connection: Connection;
  log: Logger;
  metrics?: Metrics;
  tuning?: SourceTuning;
}): ApiDeps {
  const { config, db, connection } = input;
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return {
    config,
    db,
    // RECONCILE_INTERVAL is the worker's: each reconciliation tells the source's workflow the current one.
    workflows: new SourceWorkflows(client, config.temporal.taskQueue, input.tuning),
    credentials: new CredentialStore(db, tokenCipher(config)),
    checkTemporal: async () => {
      await connection.withDeadline(Date.now() + TEMPORAL_CHECK_MS, () => connection.workflowService.getSystemInfo({}));
    },
    log: input.log,
    metrics: input.metrics ?? createMetrics(),
  };
}
