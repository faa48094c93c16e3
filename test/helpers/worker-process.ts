import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { spawnTracked } from './processes';
import { runWorkDir } from './stack';
import type { System } from './system';

/**
 * The worker as a separate OS process (`node --import tsx src/worker.ts`, one process, no launcher in between, so
 * a signal reaches the worker itself), as `npm run worker` runs it: a test can SIGKILL it mid-backfill, as a crash
 * or an OOM would, or SIGTERM it to drain. Every process started here is killed when the test file's process
 * exits, and `stopAllWorkerProcesses()` (call it in afterAll/afterEach) kills and waits for those still running.
 */

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** The identity the Temporal worker reports (`<pid>@<host>`, the SDK's default), e.g. in pending activities. */
  identityPrefix: string;
  /** Resolves with how the process ended. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Its last output (stderr and stdout, 16 KB), for failure messages. */
  output(): string;
  /** Everything it wrote to stdout and stderr, e.g. to search for secrets. */
  fullOutput(): string;
}

const running = new Set<WorkerProcess>();
process.on('exit', () => {
  for (const w of running) w.child.kill('SIGKILL');
});

export function spawnWorkerProcess(sys: System, env: Record<string, string> = {}): WorkerProcess {
  const root = path.resolve(__dirname, '../..');
  // Recorded, so the suite's teardown can check that no worker process outlived its test.
  const child = spawnTracked(runWorkDir(), process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: sys.dbUrl,
      TEMPORAL_ADDRESS: sys.config.temporal.address,
      TEMPORAL_NAMESPACE: sys.config.temporal.namespace,
      TEMPORAL_TASK_QUEUE: sys.taskQueue,
      ENCRYPTION_KEY: sys.config.encryptionKey!.toString('base64'),
      INTERCOM_API_BASE: sys.config.intercom.apiBase,
      METRICS_PORT: '0',
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const all: string[] = [];
  const onOutput = (d: Buffer) => {
    all.push(d.toString());
    tail = (tail + d.toString()).slice(-16_384);
    if (process.env.TEST_VERBOSE) process.stderr.write(d);
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  const worker: WorkerProcess = {
    child,
    pid: child.pid!,
    identityPrefix: `${child.pid}@`,
    exit: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(worker);
        resolve({ code, signal });
      });
    }),
    output: () => tail,
    fullOutput: () => all.join(''),
  };
  running.add(worker);
  return worker;
}

/** SIGKILL, as a crash would; resolves once the process is gone. */
export async function killed(worker: WorkerProcess): Promise<void> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  await worker.exit;
}

/** SIGTERM: the worker stops polling, lets what is in flight finish (or cancels it after its grace time), exits. */
export async function terminated(
  worker: WorkerProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  worker.child.kill('SIGTERM');
  return worker.exit;
}

/** Kills every worker process still running and waits until each is gone. */
export async function stopAllWorkerProcesses(): Promise<void> {
  await Promise.all([...running].map((w) => killed(w)));
}

/** Whether a process with this pid still exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
