import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { quoteIdent, withPgClient } from '../../src/dev/postgres';

/**
 * What test files use of the stack that test/helpers/global-setup.ts started for this jest run:
 * a fresh PostgreSQL database per test file, and the Temporal dev server's address.
 */

/** Written by global-setup into process.env (and into stackFile()) for the test files. */
export const STACK_ENV = {
  pgAdminUrl: 'TEST_PG_ADMIN_URL',
  temporalAddress: 'TEMPORAL_ADDRESS_TEST',
  temporalNamespace: 'TEMPORAL_NAMESPACE_TEST',
  temporalCli: 'TEMPORAL_CLI_TEST',
  runId: 'TEST_RUN_ID',
  stackFile: 'TEST_STACK_FILE',
  workDir: 'TEST_WORK_DIR',
  temporalTls: 'TEMPORAL_TLS_TEST',
} as const;

/** The mTLS proxy in front of the dev server, and the certificate files to reach it (or to be turned away). */
export type TemporalTlsInfo = {
  address: string;
  ca: string;
  clientCert: string;
  clientKey: string;
  rogueClientCert: string;
  rogueClientKey: string;
};

export type StackInfo = {
  jestPid: number;
  runId: string;
  pgAdminUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalCli: string;
  /** Temp folder of this run (embedded PostgreSQL data, certificates, processes started), removed at teardown. */
  workDir: string;
  temporalTls: TemporalTlsInfo;
  pgPid?: number;
  temporalPid: number;
};

/** The JSON file describing the stack of the jest process `jestPid`. */
export function stackFile(jestPid: number = process.pid): string {
  return path.join(os.tmpdir(), `intercom-crm-sync-jest-${jestPid}.json`);
}

function stackInfo(): Partial<StackInfo> {
  const env = process.env;
  if (env[STACK_ENV.pgAdminUrl] && env[STACK_ENV.temporalAddress]) {
    return {
      pgAdminUrl: env[STACK_ENV.pgAdminUrl],
      temporalAddress: env[STACK_ENV.temporalAddress],
      temporalNamespace: env[STACK_ENV.temporalNamespace],
      temporalCli: env[STACK_ENV.temporalCli],
      runId: env[STACK_ENV.runId],
      workDir: env[STACK_ENV.workDir],
      temporalTls: env[STACK_ENV.temporalTls]
        ? (JSON.parse(env[STACK_ENV.temporalTls]!) as TemporalTlsInfo)
        : undefined,
    };
  }
  // In a jest worker process the environment may not have been passed on: use the run's file.
  for (const pid of [process.pid, process.ppid]) {
    try {
      return JSON.parse(readFileSync(stackFile(pid), 'utf8')) as StackInfo;
    } catch {
      // not this one
    }
  }
  throw new Error('The test stack is not running: run the tests through jest (test/helpers/global-setup.ts).');
}

/** host:port of the Temporal dev server of this run. Its namespace has the SourceId/SourceStatus search attributes. */
export function temporalAddress(): string {
  return stackInfo().temporalAddress!;
}

/** The dev server behind a TLS proxy that requires a client certificate (test/helpers/tls-proxy.ts). */
export function temporalTls(): TemporalTlsInfo {
  return stackInfo().temporalTls!;
}

/** The run's temp folder; processes started by tests are recorded under it (test/helpers/processes.ts). */
export function runWorkDir(): string {
  return stackInfo().workDir!;
}

/** The Temporal CLI the run's dev server came from. */
export function temporalCli(): string {
  return stackInfo().temporalCli!;
}

export function temporalNamespace(): string {
  return stackInfo().temporalNamespace ?? 'default';
}

/** A task queue no other test uses, so workers of different tests never steal each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/**
 * A new, empty database on the run's PostgreSQL (CREATE DATABASE t_<run>_<random>), so test files never see each
 * other's data. Call drop() in afterAll; leftovers of this run are dropped at global teardown.
 */
export async function createTestDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const info = stackInfo();
  const adminUrl = info.pgAdminUrl!;
  const name = `t_${info.runId ?? 'x'}_${randomBytes(5).toString('hex')}`;
  await withPgClient(adminUrl, (c) => c.query(`create database ${quoteIdent(name)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => dropDatabase(adminUrl, name),
  };
}

/** Drops a database, disconnecting whatever still holds a connection to it (a pool a test forgot to close). */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withPgClient(adminUrl, (c) => c.query(`drop database if exists ${quoteIdent(name)} with (force)`));
}
