import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import {
  NativeConnection,
  bundleWorkflowCode,
  type Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { startApi } from '../../src/api/server';
import type { Config } from '../../src/config';
import { apiCaller, fakeStackConfig, type ApiAnswer } from '../../src/dev/fake-stack-config';
import { TokenCipher } from '../../src/crypto';
import { CredentialStore } from '../../src/db/repositories/credentials';
import { openDatabase } from '../../src/db/data-source';
import { startFakeIntercom, type FakeIntercom, type FakeIntercomOptions } from '../../src/fake-intercom';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';
import { SourceWorkflows } from '../../src/temporal/source-client';
import type { SourceTuning } from '../../src/workflows/source-state';
import { createActivityDeps, createSyncWorker } from '../../src/worker';
import { freePort } from '../../src/dev/temporal-server';
import { createTestDatabase, temporalAddress, temporalNamespace, uniqueTaskQueue } from './stack';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundling the workflows takes seconds: once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: quietBundlerLogger });
  return bundle;
}
const noop = () => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

/** Everything the service writes to its logs during a test, to search for secrets. */
export class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface System {
  config: Config;
  apiUrl: string;
  apiKey: string;
  fake: FakeIntercom;
  db: DataSource;
  dbUrl: string;
  client: Client;
  taskQueue: string;
  workflows: SourceWorkflows;
  logs: LogCapture;
  /** Calls our API with the API key. */
  api(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
  startWorker(): Promise<Worker>;
  stopWorker(): Promise<void>;
  /** Stops the API (its port refuses connections) and starts it again on the same port. */
  stopApi(): Promise<void>;
  restartApi(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole service in this process, on the real stack: a fresh database, the Temporal dev server, a worker,
 * the API on a random port, and a fake Intercom over HTTP. Nothing of ours is mocked.
 */
export async function startSystem(
  opts: {
    fake?: FakeIntercomOptions;
    tuning?: SourceTuning;
    config?: Partial<Config>;
    /** The service's log level ('debug' to search everything it may log for secrets). */
    logLevel?: string;
    /** A database of the test's own (a PostgreSQL the test restarts); default a fresh one on the run's server. */
    database?: { url: string; drop(): Promise<void> };
  } = {},
): Promise<System> {
  const logs = new LogCapture();
  const log = createLogger(opts.logLevel ?? 'info', logs);
  const database = opts.database ?? (await createTestDatabase());
  const db = await openDatabase(database.url);
  const taskQueue = uniqueTaskQueue('sys');
  const metrics = createMetrics();
  const connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection, namespace: temporalNamespace() });
  const workflows = new SourceWorkflows(client, taskQueue, opts.tuning);
  // The fake sends its webhooks to the API, so the API's port is chosen before either starts. Another process may
  // take a free port between the check and the bind: then both start again on another port.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const fake = await startFakeIntercom({
      quiet: true,
      webhookUrl: `http://127.0.0.1:${port}/webhooks/intercom`,
      // Intercom's delivery (one retry after a minute, then dropped) at a hundredth of the time.
      webhookTimeScale: 0.01,
      ...opts.fake,
    });
    const config: Config & { apiKey: string } = {
      ...fakeStackConfig({
        databaseUrl: database.url,
        temporal: { address: temporalAddress(), namespace: temporalNamespace(), taskQueue },
        fake,
        port,
        logLevel: opts.logLevel ?? 'info',
      }),
      ...opts.config,
    };
    const credentials = new CredentialStore(db, new TokenCipher(config.encryptionKey!));
    const apiDeps = {
      config,
      db,
      workflows,
      credentials,
      checkTemporal: async () => {
        await connection.workflowService.getSystemInfo({});
      },
      log,
      metrics,
    };
    try {
      const api = await startApi(config, apiDeps);
      return assemble({
        database,
        db,
        log,
        logs,
        metrics,
        connection,
        client,
        taskQueue,
        workflows,
        fake,
        config,
        apiDeps,
        api,
      });
    } catch (err) {
      await fake.close();
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw err;
    }
  }
}

function assemble({
  database,
  db,
  log,
  logs,
  metrics,
  connection,
  client,
  taskQueue,
  workflows,
  fake,
  config,
  apiDeps,
  api: startedApi,
}: {
  database: { url: string; drop(): Promise<void> };
  db: DataSource;
  log: ReturnType<typeof createLogger>;
  logs: LogCapture;
  metrics: ReturnType<typeof createMetrics>;
  connection: Connection;
  client: Client;
  taskQueue: string;
  workflows: SourceWorkflows;
  fake: FakeIntercom;
  config: Config & { apiKey: string };
  apiDeps: Parameters<typeof startApi>[1];
  api: Awaited<ReturnType<typeof startApi>>;
}): System {
  const apiKey = config.apiKey;
  let api: Awaited<ReturnType<typeof startApi>> | undefined = startedApi;
  const apiUrl = api.url;

  let worker: { worker: Worker; run: Promise<void>; native: NativeConnection; close(): Promise<void> } | undefined;
  const system: System = {
    config,
    apiUrl,
    apiKey,
    fake,
    db,
    dbUrl: database.url,
    client,
    taskQueue,
    workflows,
    logs,
    api: apiCaller(apiUrl, apiKey),
    async stopApi() {
      await api?.close();
      api = undefined;
    },
    async restartApi() {
      api ??= await startApi(config, apiDeps);
    },
    async startWorker() {
      const native = await NativeConnection.connect({ address: temporalAddress() });
      const deps = await createActivityDeps(config, database.url, log, metrics);
      const w = await createSyncWorker({
        connection: native,
        namespace: config.temporal.namespace,
        taskQueue,
        deps,
        workflowBundle: await workflowBundle(),
      });
      worker = { worker: w, run: w.run(), native, close: deps.close };
      return w;
    },
    async stopWorker() {
      if (!worker) return;
      const w = worker;
      worker = undefined;
      w.worker.shutdown();
      await w.run;
      await w.native.close();
      await w.close();
    },
    async stop() {
      await system.stopWorker();
      await api?.close();
      await connection.close();
      await fake.close();
      await db.destroy();
      await database.drop();
    },
  };
  return system;
}

/** Polls until `check` returns a value (not undefined), or fails with the last observation after the deadline. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates an Intercom source, connects it with the fake's token, starts the import and waits until it is live. */
export async function importSource(
  sys: System,
  name: string,
  /** 'all' selects every custom attribute of companies and contacts. */
  selection: Record<string, unknown> | 'all' = { companies: true, contacts: true },
  opts: { waitLive?: boolean } = {},
): Promise<string> {
  const created = await sys.api('POST', '/v1/data_sources', { name, system: 'Intercom' });
  if (created.status !== 201) throw new Error(`create source: ${created.status} ${created.text}`);
  const id: string = created.body.uuid;
  const token = await sys.api('POST', `/v1/data_sources/${id}/intercom/token`, { access_token: sys.fake.accessToken });
  if (token.status !== 202) throw new Error(`token: ${token.status} ${token.text}`);
  await eventually(
    async () => ((await sourceStatus(sys, id)) === 'connected' ? true : undefined),
    'connected',
    120_000,
  );
  const chosen = selection === 'all' ? await allAttributes(sys, id) : selection;
  const started = await sys.api('POST', `/v1/data_sources/${id}/intercom/import`, chosen);
  if (started.status !== 202) throw new Error(`import: ${started.status} ${started.text}`);
  if (opts.waitLive !== false) await waitForStatus(sys, id, 'live');
  return id;
}

/** The source's lifecycle (`lifecycle_status`; `status` has ChartMogul's words). */
export async function sourceStatus(sys: System, id: string): Promise<string> {
  return (await sys.api('GET', `/v1/data_sources/${id}`)).body?.lifecycle_status;
}

export function waitForStatus(sys: System, id: string, status: string, timeoutMs = 180_000): Promise<true> {
  return eventually(
    async () => ((await sourceStatus(sys, id)) === status ? true : undefined),
    `status ${status}`,
    timeoutMs,
  );
}

/** Waits until a workflow (e.g. `source:<id>:backfill:2`) has closed with the given status. */
export function waitForWorkflow(sys: System, workflowId: string, status = 'COMPLETED'): Promise<true> {
  return eventually(
    async () =>
      (await sys.client.workflow.getHandle(workflowId).describe()).status.name === status ? true : undefined,
    `${workflowId} ${status}`,
  );
}

async function allAttributes(sys: System, id: string) {
  const fields = (await sys.api('GET', `/v1/data_sources/${id}/intercom/fields`)).body;
  const names = (list: Array<{ name: string }>) => list.map((f) => f.name);
  return {
    companies: true,
    contacts: true,
    custom_attributes: { company: names(fields.company), contact: names(fields.contact) },
  };
}
