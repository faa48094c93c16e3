import { promises as fs, readFileSync } from 'node:fs';
import { withPgClient } from '../../src/dev/postgres';
import { leftoverProcesses } from './processes';
import './global-setup'; // the type of globalThis.__intercomTestStack
import { dropDatabase, stackFile } from './stack';

/**
 * Jest globalTeardown: stops what global-setup.ts started, removes this run's files and databases, and fails the run
 * if any process the tests started (test/helpers/processes.ts) or the stack started is still alive.
 */
export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__intercomTestStack;
  if (!stack) return;
  globalThis.__intercomTestStack = undefined;
  const { info, postgres, temporal, tlsProxy } = stack;

  const errors: unknown[] = [];
  const attempt = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      errors.push(err);
    }
  };

  // On a shared PostgreSQL (DATABASE_URL), drop the databases test files of this run did not drop themselves.
  if (!postgres.embedded) {
    await attempt(async () => {
      const left = await withPgClient(info.pgAdminUrl, (c) =>
        c.query<{ datname: string }>('select datname from pg_database where datname like $1', [
          `t\\_${info.runId}\\_%`,
        ]),
      );
      for (const { datname } of left.rows) await dropDatabase(info.pgAdminUrl, datname);
    });
  }
  // Checked before anything is stopped: a test's process must not rely on teardown to end it.
  const outlived = leftoverProcesses(info.workDir, { kill: true });
  if (outlived.length) {
    errors.push(new Error(`processes started by tests outlived them (now killed):\n  ${outlived.join('\n  ')}`));
  }
  await attempt(() => tlsProxy.close());
  await Promise.all([attempt(() => temporal.stop()), attempt(() => postgres.stop())]);
  for (const [what, pid] of [
    ['Temporal dev server', info.temporalPid],
    ['PostgreSQL', info.pgPid],
  ] as const) {
    if (pid && isRunning(pid)) {
      errors.push(new Error(`the ${what} (pid ${pid}) is still running after it was stopped`));
    }
  }
  await attempt(() => fs.rm(info.workDir, { recursive: true, force: true }));
  await attempt(() => fs.rm(stackFile(info.jestPid), { force: true }));
  if (errors.length) {
    const reasons = errors.map((e) => (e instanceof Error ? e.message : String(e))).join('\n');
    throw new AggregateError(errors, `test stack teardown failed:\n${reasons}`);
  }
}

function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
  } catch {
    return false;
  }
}
