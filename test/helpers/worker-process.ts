import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { killGroup, spawnTracked } from './processes';
import { runWorkDir } from './stack';
import type { System } from './system';

/**
 * The worker as a separate OS process (`tsx src/worker.ts`), so a test can kill it with SIGKILL mid-backfill,
 * as a crash or an OOM would, rather than asking it to shut down politely.
 */
export function spawnWorkerProcess(sys: System): ChildProcess {
  const root = path.resolve(__dirname, '../..');
  // Tracked and in a group of its own: tsx runs the worker in a child node process, which must die with it.
  const child = spawnTracked(runWorkDir(), path.join(root, 'node_modules/.bin/tsx'), ['src/worker.ts'], {
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
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => {
    if (process.env.TEST_VERBOSE) process.stderr.write(d);
  });
  return child;
}

export function killed(child: ChildProcess): Promise<void> {
  return killGroup(child);
}
