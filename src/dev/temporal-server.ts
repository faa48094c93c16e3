import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import type { Logger } from '../logger';

/**
 * Runs `temporal server start-dev` (the official CLI's single-process Temporal server with its Web UI)
 * as a child process, for `npm start` and the tests. Production uses a real Temporal cluster instead.
 */

export type TemporalDevServer = {
  /** host:port of the frontend gRPC service, for Connection/NativeConnection. */
  address: string;
  port: number;
  namespace: string;
  /** The Web UI, unless headless. */
  uiUrl?: string;
  pid: number;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
  stop(): Promise<void>;
};

export type StartTemporalDevServerOptions = {
  /** Path of the `temporal` CLI (see resolveTemporalCli). */
  cli: string;
  log: Logger;
  /** Search attributes to register, as names (Keyword) or `Name=Type`. */
  searchAttributes: string[];
  ip?: string;
  /** Frontend port; a free one when omitted. */
  port?: number;
  /** Web UI port; headless when omitted. */
  uiPort?: number;
  /** SQLite file to persist to; in memory when omitted. */
  dbFilename?: string;
  namespace?: string;
  startupTimeoutMs?: number;
  stopGraceMs?: number;
  extraArgs?: string[];
};

export const TEMPORAL_DYNAMIC_CONFIG = [
  'frontend.enableUpdateWorkflowExecution=true',
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
  'frontend.enableExecuteMultiOperation=true',
];

export async function startTemporalDevServer(opts: StartTemporalDevServerOptions): Promise<TemporalDevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const namespace = opts.namespace ?? 'default';
  const port = opts.port ?? (await freePort(ip));
  const address = `${ip}:${port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    ...(opts.uiPort !== undefined ? ['--ui-port', String(opts.uiPort)] : ['--headless']),
    ...(opts.dbFilename ? ['--db-filename', opts.dbFilename] : []),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...opts.searchAttributes.flatMap((sa) => ['--search-attribute', sa.includes('=') ? sa : `${sa}=Keyword`]),
    ...TEMPORAL_DYNAMIC_CONFIG.flatMap((kv) => ['--dynamic-config-value', kv]),
    ...(opts.extraArgs ?? []),
  ];

  opts.log.debug({ cli: opts.cli, args }, 'starting the Temporal dev server');
  const child = spawn(opts.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = new OutputTail();
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  const exited = waitForExit(child);
  const killOnExit = () => child.kill('SIGTERM');
  process.on('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit);
    await terminate(child, exited, opts.stopGraceMs ?? 10_000);
  };

  try {
    await waitUntilReady({
      address,
      namespace,
      child,
      exited,
      output,
      timeoutMs: opts.startupTimeoutMs ?? 60_000,
    });
  } catch (err) {
    await stop();
    throw err;
  }

  const uiUrl = opts.uiPort !== undefined ? `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${opts.uiPort}` : undefined;
  opts.log.info({ address, uiUrl, pid: child.pid }, 'Temporal dev server is ready');
  return { address, port, namespace, uiUrl, pid: child.pid!, stop };
}

async function waitUntilReady(o: {
  address: string;
  namespace: string;
  child: ChildProcess;
  exited: Promise<ExitInfo>;
  output: OutputTail;
  timeoutMs: number;
}): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let exit: ExitInfo | undefined;
  void o.exited.then((e) => (exit = e));
  let lastError: unknown;
  for (;;) {
    if (exit) {
      throw new Error(
        `The Temporal dev server exited during startup (${exit.describe}).\n--- its output ---\n${o.output.text()}`,
      );
    }
    // lazy + ensureConnected, so that a failed attempt's channel is closed too (connect() would leak it).
    const connection = Connection.lazy({ address: o.address, connectTimeout: 1_000 });
    try {
      await connection.ensureConnected();
      await connection.workflowService.getSystemInfo({});
      // start-dev registers the namespace (with its search attributes) as it starts; wait for it too.
      await connection.workflowService.describeNamespace({ namespace: o.namespace });
      return;
    } catch (err) {
      lastError = err;
    } finally {
      await connection.close().catch(() => undefined);
    }
    if (Date.now() > deadline) {
      o.child.kill('SIGKILL');
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(
        `The Temporal dev server did not answer on ${o.address} within ${o.timeoutMs} ms (last error: ${reason}).\n` +
          `--- its output ---\n${o.output.text()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

type ExitInfo = { code: number | null; signal: NodeJS.Signals | null; describe: string };

function waitForExit(child: ChildProcess): Promise<ExitInfo> {
  return new Promise((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) =>
      resolve({ code, signal, describe: signal ? `signal ${signal}` : `exit code ${code}` });
    child.once('exit', done);
    child.once('error', (err) => resolve({ code: null, signal: null, describe: `spawn error: ${err.message}` }));
  });
}

async function terminate(child: ChildProcess, exited: Promise<ExitInfo>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
  const first = await Promise.race([exited, graceOver]);
  clearTimeout(timer);
  if (first === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

/** The last few KB of a child's output, for error messages. */
export class OutputTail {
  private chunks: string[] = [];
  private size = 0;
  constructor(private readonly max = 16 * 1024) {}
  push(chunk: Buffer | string): void {
    const s = chunk.toString();
    this.chunks.push(s);
    this.size += s.length;
    while (this.size > this.max && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = this.chunks.join('');
    return (all.length > this.max ? all.slice(-this.max) : all).trimEnd() || '(no output)';
  }
}

/** A TCP port that was free a moment ago on `host`. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
