import { promises as fs } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/dev/temporal-server';
import { livingMembers, spawnTracked } from '../helpers/processes';
import { createTestDatabase, runWorkDir, temporalCli } from '../helpers/stack';
import { eventually } from '../helpers/system';

/**
 * `npm start` (the local stack: its own Temporal dev server, the worker and the API) stops everything it started on
 * Ctrl-C: no process of it outlives it. PostgreSQL is the test stack's (DATABASE_URL), so no port is shared with a
 * developer's own `npm start`.
 */
describe('npm start', () => {
  it.each([
    ['Ctrl-C', 'SIGINT', 'group'],
    ['a SIGTERM to npm alone (a supervisor stopping it)', 'SIGTERM', 'npm'],
  ] as const)('serves the API, and leaves no process behind after %s', async (_, signal, target) => {
    const database = await createTestDatabase();
    const dataDir = path.join(runWorkDir(), 'npm-start');
    const port = await freePort();
    const child = spawnTracked(runWorkDir(), 'npm', ['start'], {
      cwd: path.resolve(__dirname, '../..'),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        TEMPORAL_CLI: temporalCli(),
        TEMPORAL_DEV_PORT: String(await freePort()),
        TEMPORAL_UI_PORT: String(await freePort()),
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `${code}`)));
    try {
      const state = await eventually(
        async () => {
          if (child.exitCode !== null) return 'exited';
          return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? 'ready' : undefined;
        },
        'the API of npm start to be ready',
        90_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n--- npm start said ---\n${output}`);
      });
      if (state === 'exited') throw new Error(`npm start exited:\n${output}`);
      expect(output).toContain('intercom-crm-sync is running');
      const running = livingMembers(child.pid!);
      expect(running.join('\n')).toMatch(/temporal server start-dev/);

      // Ctrl-C in a terminal signals the whole foreground group; a supervisor signals the process it started.
      process.kill(target === 'group' ? -child.pid! : child.pid!, signal);
      // npm re-raises the signal its script ended on, as a shell does.
      expect(['0', signal]).toContain(await exited);
      expect(output).not.toMatch(/stop failed|unclean/i);
      await eventually(
        async () => (livingMembers(child.pid!).length === 0 ? true : undefined),
        'every process of npm start to end',
        30_000,
      );
    } finally {
      if (livingMembers(child.pid!).length) process.kill(-child.pid!, 'SIGKILL');
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
