import { execFile, type ChildProcess } from 'node:child_process';
import { promises as fs, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { killGroup, signalGroup, spawnTracked } from './processes';

/**
 * What ships, in a folder of its own: `npm run build` into dist/, and the production dependencies alone, laid out as
 * `npm ci --omit=dev` (the Dockerfile's runtime stage) lays them out from the lockfile — copied as hard links from
 * this checkout's node_modules, so no registry is needed. The built entry points run there as separate processes.
 */

const run = promisify(execFile);
export const root = path.resolve(__dirname, '../..');

export type PackageLock = { packages: Record<string, { dev?: boolean; optional?: boolean; link?: boolean }> };

export async function buildCompiledService(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  // The build is two steps (tsc, then the workflow bundle written next to the compiled worker): run it as is, in
  // this checkout's dist/, and take the result.
  await run('npm', ['run', 'build'], { cwd: root });
  await fs.cp(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  for (const file of ['package.json', 'package-lock.json'])
    await fs.copyFile(path.join(root, file), path.join(dir, file));
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as PackageLock;
  for (const [key, entry] of Object.entries(lock.packages)) {
    // Top-level packages only: a package's own node_modules comes along with it.
    if (!/^node_modules\/(@[^/]+\/)?[^/]+$/.test(key) || entry.dev || entry.link) continue;
    const from = path.join(root, key);
    const exists = await fs.stat(from).then(
      () => true,
      () => false,
    );
    if (!exists && entry.optional) continue; // another platform's binary
    await fs.mkdir(path.dirname(path.join(dir, key)), { recursive: true });
    await run('cp', ['-al', from, path.join(dir, key)]).catch(() =>
      fs.cp(from, path.join(dir, key), { recursive: true, verbatimSymlinks: true }),
    );
  }
}

export type ServiceProcess = {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (a graceful stop), then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
};

/** `node <entry>` in `dir` with exactly `env` (plus PATH), recorded for the teardown's check. */
export function startEntryPoint(
  workDir: string,
  dir: string,
  entry: string,
  env: Record<string, string | undefined>,
): ServiceProcess {
  const child = spawnTracked(workDir, process.execPath, [entry], {
    cwd: dir,
    env: { PATH: process.env.PATH, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => text,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(child, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), graceMs)));
      if ((await Promise.race([exited, late])) === 'late') await killGroup(child);
      clearTimeout(timer);
    },
  };
}

/** The bare package names the compiled files reachable from `entries` require, following relative requires. */
export function requiredPackages(distDir: string, entries: string[]): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, spec] of source.matchAll(/\brequire\("([^"]+)"\)/g)) {
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        const candidates = [target, `${target}.js`, path.join(target, 'index.js')];
        const found = candidates.find((c) => c.endsWith('.js') && seen.has(c)) ?? candidates.find(isFile);
        if (!found) throw new Error(`${file} requires ${spec}, which is not in the build`);
        visit(found);
      } else if (!isBuiltin(spec)) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
  };
  for (const entry of entries) visit(path.join(distDir, entry));
  return packages;
}

function isFile(file: string): boolean {
  return file.endsWith('.js') && (statSync(file, { throwIfNoEntry: false })?.isFile() ?? false);
}
