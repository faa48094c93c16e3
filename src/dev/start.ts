import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Client } from '@temporalio/client';
import { startApi } from '../api/server';
import { loadConfigOrExit, loadConfigWith } from '../config';
import { tokenCipher } from '../crypto';
import { CredentialStore } from '../db/repositories/credentials';
import { startFakeIntercom, type FakeIntercom } from '../fake-intercom';
import { createLogger } from '../logger';
import { createMetrics } from '../metrics';
import { connectTemporalClient, temporalTarget } from '../temporal/connection';
import { connectTemporalWorker } from '../temporal/native-connection';
import { SourceWorkflows } from '../temporal/source-client';
import { createActivityDeps, createSyncWorker, installRuntime } from '../worker';
import { SEARCH_ATTRIBUTE_NAMES } from '../workflows/search-attributes';
import { newApiKey, newEncryptionKey, persistedSecret } from './demo-secrets';
import { startPostgres } from './postgres';
import { watchLauncher } from './launcher-watch';
import { showProgress } from './progress';
import { resolveTemporalCli } from './temporal-cli';
import { startTemporalDevServer } from './temporal-server';

/**
 * `npm start [-- --demo]`: the whole local stack in one command. PostgreSQL (embedded unless DATABASE_URL),
 * the Temporal dev server with its Web UI (unless TEMPORAL_ADDRESS), migrations, the worker and the API;
 * with --demo also a seeded fake Intercom. Ctrl-C stops everything, in reverse order.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { demo: { type: 'boolean', default: false } } });
  const demo = values.demo === true;
  const base = loadConfigOrExit();
  // In the demo the terminal shows the URLs and a live progress line; the service's logs go to a file.
  const log = demo
    ? createLogger(
        base.logLevel,
        pino.destination({ dest: path.join(base.dataDir, 'service.log'), mkdir: true, sync: false }),
      )
    : createLogger(base.logLevel);
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => log.error({ err }, 'stop failed'));
  };
  let stopping = false;
  const stopOnce = (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nStopping (${why})…`);
    void stopAll().then(() => process.exit(0));
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stopOnce(signal));
  watchLauncher(() => stopOnce('the npm or shell that started it has gone'));

  try {
    // The dev server's SQLite file and the generated secrets live here even when PostgreSQL is not embedded.
    await fs.mkdir(base.dataDir, { recursive: true });
    const pg = await startPostgres({ databaseUrl: base.databaseUrl, dataDir: base.dataDir, log });
    stops.push(() => pg.stop());

    let temporalAddress = base.temporal.address;
    let temporalUi = temporalAddress ? undefined : `http://localhost:${base.temporal.uiPort}`;
    if (!temporalAddress) {
      const cli = await resolveTemporalCli({ configured: base.temporal.cli, log });
      const server = await startTemporalDevServer({
        cli: cli.path,
        log,
        searchAttributes: SEARCH_ATTRIBUTE_NAMES,
        port: base.temporal.devPort,
        uiPort: base.temporal.uiPort,
        dbFilename: `${base.dataDir}/temporal.db`,
        namespace: base.temporal.namespace,
      });
      stops.push(() => server.stop());
      temporalAddress = server.address;
      temporalUi = server.uiUrl;
    }

    const apiKey = base.apiKeys[0] ?? (await persistedSecret(base.dataDir, 'api-key', newApiKey));
    const encryptionKey =
      base.encryptionKey?.toString('base64') ??
      (await persistedSecret(base.dataDir, 'encryption.key', newEncryptionKey));

    let fake: FakeIntercom | undefined;
    if (demo) {
      fake = await startFakeIntercom({
        port: 4010,
        companies: 300,
        contacts: 1500,
        seed: 42,
        latencyMs: 20,
        webhookUrl: `${base.publicUrl}/webhooks/intercom`,
        clientId: base.intercom.clientId,
        clientSecret: base.intercom.clientSecret,
        quiet: true,
      });
      stops.push(() => fake!.close());
    }

    const config = loadConfigWith({
      DATABASE_URL: pg.url,
      TEMPORAL_ADDRESS: temporalAddress,
      API_KEYS: base.apiKeys.length > 0 ? base.apiKeys.join(',') : apiKey,
      ENCRYPTION_KEY: encryptionKey,
      ...(fake
        ? {
            INTERCOM_API_BASE: fake.url,
            INTERCOM_OAUTH_URL: `${fake.url}/oauth`,
            INTERCOM_CLIENT_ID: fake.clientId,
            INTERCOM_CLIENT_SECRET: fake.clientSecret,
          }
        : {}),
    });

    installRuntime(config);
    const metrics = createMetrics();
    const deps = await createActivityDeps(config, pg.url, log, metrics);
    stops.push(() => deps.close());
    // The configured TLS and API key apply to a Temporal given by TEMPORAL_ADDRESS; the dev server is plain TCP.
    const temporal = base.temporal.address
      ? temporalTarget(config)
      : { ...temporalTarget(config), tls: undefined, apiKey: undefined };
    const native = await connectTemporalWorker(temporal);
    stops.push(() => native.close());
    const worker = await createSyncWorker({
      connection: native,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      deps,
    });
    const workerRun = worker.run();
    stops.push(async () => {
      // The Temporal runtime may already be draining the worker on the same Ctrl-C.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun;
    });

    const connection = await connectTemporalClient(temporal);
    stops.push(() => connection.close());
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const api = await startApi(config, {
      config,
      db: deps.db,
      workflows: new SourceWorkflows(client, config.temporal.taskQueue),
      credentials: new CredentialStore(deps.db, tokenCipher(config)),
      checkTemporal: async () => {
        await connection.workflowService.getSystemInfo({});
      },
      log,
      metrics,
    });
    stops.push(() => api.close());

    const lines = [
      '',
      'intercom-crm-sync is running',
      `  App            ${config.publicUrl}/app   (sign in with the API key as user name, no password)`,
      `  API            ${config.publicUrl}/v1   (OpenAPI: ${config.publicUrl}/openapi.json)`,
      `  Health         ${config.publicUrl}/readyz`,
      `  Temporal UI    ${temporalUi ?? `(your Temporal cluster at ${temporalAddress})`}`,
      `  Metrics        ${config.publicUrl}/metrics, Temporal SDK metrics on :${config.metricsPort}/metrics`,
    ];
    if (base.apiKeys.length === 0)
      lines.push(`  API key        ${apiKey}   (generated, kept in ${config.dataDir}/api-key)`);
    if (fake) {
      lines.push(
        `  Fake Intercom  ${fake.url}   (OAuth page ${fake.url}/oauth)`,
        `  Demo token     ${fake.accessToken}`,
        '',
        'Try it:',
        `  curl -s -u ${apiKey}: -X POST ${config.publicUrl}/v1/data_sources -H 'Content-Type: application/json' -d '{"name":"My Intercom","system":"Intercom"}'`,
        `  curl -s -u ${apiKey}: -X POST ${config.publicUrl}/v1/data_sources/<uuid>/intercom/token -H 'Content-Type: application/json' -d '{"access_token":"${fake.accessToken}"}'`,
        `  curl -s -u ${apiKey}: ${config.publicUrl}/v1/data_sources/<uuid>/intercom/fields`,
        `  curl -s -u ${apiKey}: -X POST ${config.publicUrl}/v1/data_sources/<uuid>/intercom/import -H 'Content-Type: application/json' -d '{"companies":true,"contacts":true}'`,
      );
    }
    if (demo) lines.push(`  Logs           ${path.join(config.dataDir, 'service.log')}`);
    lines.push('', 'Ctrl-C stops everything.', '');
    console.log(lines.join('\n'));
    if (demo) stops.push(showProgress(deps.db));
  } catch (err) {
    console.error(`Could not start the local stack: ${err instanceof Error ? err.message : String(err)}`);
    await stopAll();
    process.exit(1);
  }
}

void main();
