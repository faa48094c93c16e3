import { promises as fs } from 'node:fs';
import { withPgClient } from '../../src/dev/postgres';
import './global-setup'; // the type of globalThis.__intercomTestStack
import { dropDatabase, stackFile } from './stack';

/** Jest globalTeardown: stops what global-setup.ts started and removes this run's files and databases. */
export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__intercomTestStack;
  if (!stack) return;
  globalThis.__intercomTestStack = undefined;
  const { info, postgres, temporal } = stack;

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
  await Promise.all([attempt(() => temporal.stop()), attempt(() => postgres.stop())]);
  await attempt(() => fs.rm(info.workDir, { recursive: true, force: true }));
  await attempt(() => fs.rm(stackFile(info.jestPid), { force: true }));
  if (errors.length) throw new AggregateError(errors, 'test stack teardown failed');
}
