import { createServer, type Server } from 'node:http';
import { DefaultLogger, type NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities';
import { loadConfig, loadConfigOrExit, type Config, type WorkerTuning } from './config';
import { tokenCipher } from './crypto';
import { openDatabase } from './db/data-source';
import { CredentialStore } from './db/repositories/credentials';
import { RateLimiters } from './intercom/rate-limiter';
import { createLogger, type Logger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { temporalTarget } from './temporal/connection';
import { workflowCode } from './temporal/workflow-bundle';
import { connectTemporalWorker } from './temporal/native-connection';

export interface SyncWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt workflow bundle (tests bundle once per file); otherwise the one `npm run build` wrote, or none. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Concurrency and cache (config.worker); the defaults of src/config.ts when left out. */
  tuning?: WorkerTuning;
}

/** The worker: every workflow of src/workflows and every activity bound to its dependencies. */
export function createSyncWorker(opts: SyncWorkerOptions): Promise<Worker> {
  const tuning = opts.tuning ?? loadConfig({}).worker;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : workflowCode()),
    activities: createActivities(opts.deps),
    // A deploy lets a page in flight finish; anything longer resumes from its heartbeat on another worker.
    shutdownGraceTime: tuning.shutdownGraceTime,
    // Cancellation (a delete) reaches an activity with the answer to its next heartbeat: forward heartbeats every
    // two seconds at most, so a delete interrupts a page, a wait or a retry within seconds.
    maxHeartbeatThrottleInterval: '2 seconds',
    defaultHeartbeatThrottleInterval: '2 seconds',
    maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTasks,
    maxCachedWorkflows: tuning.maxCachedWorkflows,
  });
}

/** Builds the activities' dependencies from the configuration. */
export async function createActivityDeps(
  config: Config,
  databaseUrl: string,
  log: Logger,
  metrics: Metrics = createMetrics(),
): Promise<ActivityDeps & { close(): Promise<void> }> {
  if (!config.encryptionKey)
    throw new Error('ENCRYPTION_KEY is not set: a 32-byte base64 key (openssl rand -base64 32)');
  const db = await openDatabase(databaseUrl, { poolSize: config.worker.dbPoolSize });
  return {
    db,
    credentials: new CredentialStore(db, tokenCipher(config)),
    limiters: new RateLimiters(() => metrics.rateLimitWaits.inc()),
    metrics,
    log,
    intercomApiBase: config.intercom.apiBase,
    reconcileInterval: config.reconcileInterval,
    close: () => db.destroy(),
  };
}

/** Installs the Temporal runtime once per process, with the SDK's metrics served for Prometheus. */
export function installRuntime(config: Config): void {
  if (config.metricsPort === 0) return; // metrics off (tests run several workers in one process)
  Runtime.install({
    logger: new DefaultLogger(config.logLevel === 'debug' || config.logLevel === 'trace' ? 'DEBUG' : 'WARN'),
    telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${config.metricsPort}` } } },
  });
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel);
  if (!config.databaseUrl) throw new Error('DATABASE_URL is not set (npm start sets it for the local stack)');
  if (!config.temporal.address) throw new Error('TEMPORAL_ADDRESS is not set (npm start sets it for the local stack)');
  const { workflowBundle } = workflowCode(config.workflowBundlePath); // a missing WORKFLOW_BUNDLE stops us here
  installRuntime(config);
  const metrics = createMetrics();
  const deps = await createActivityDeps(config, config.databaseUrl, log, metrics);
  const metricsServer = config.workerMetricsPort ? serveMetrics(metrics, config.workerMetricsPort, log) : undefined;
  const connection = await connectTemporalWorker(temporalTarget(config));
  try {
    const worker = await createSyncWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      deps,
      tuning: config.worker,
      workflowBundle,
    });
    log.info({ taskQueue: config.temporal.taskQueue, ...config.worker }, 'worker started');
    await worker.run();
  } finally {
    metricsServer?.close();
    await connection.close();
    await deps.close();
  }
}

/** The service's own metrics of a standalone worker (the API serves them at /metrics when both share a process). */
function serveMetrics(metrics: Metrics, port: number, log: Logger): Server {
  return createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    void metrics.registry
      .metrics()
      .then((text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text));
  })
    .on('error', (err) => log.warn({ err: err.message, port }, 'worker metrics are not served'))
    .listen(port);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
