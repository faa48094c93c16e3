import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { acquireLock, findPython, userCacheDir } from '../../src/dev/temporal-cli';
import { createLogger } from '../../src/logger';

const execFileAsync = promisify(execFile);

/** ChartMogul's official Python client, pinned: the version whose marshmallow schemas the tests hold us to. */
export const CHARTMOGUL_PY_VERSION = '4.11.0';

const DRIVER = path.join(__dirname, '..', 'fixtures', 'chartmogul-python', 'drive.py');

/**
 * The Python of a virtualenv with PyPI `chartmogul` installed, created once in the user cache (as the Temporal CLI
 * is installed), under a cross-process lock so parallel test files share one install.
 */
export async function chartmogulPython(): Promise<string> {
  const venv = path.join(userCacheDir(), `chartmogul-python-${CHARTMOGUL_PY_VERSION}`);
  const python = path.join(venv, 'bin', 'python');
  if (await importable(python)) return python;
  await fs.mkdir(path.dirname(venv), { recursive: true });
  const release = await acquireLock(`${venv}.lock`, createLogger('warn'));
  try {
    if (await importable(python)) return python;
    const system = await findPython();
    if (!system) throw new Error("python3 (with venv) is needed to run ChartMogul's Python client");
    await fs.rm(venv, { recursive: true, force: true });
    await execFileAsync(system, ['-m', 'venv', venv], { timeout: 120_000 });
    await execFileAsync(
      path.join(venv, 'bin', 'pip'),
      ['install', '--disable-pip-version-check', '--no-input', '-q', `chartmogul==${CHARTMOGUL_PY_VERSION}`],
      { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
  } finally {
    await release();
  }
  if (!(await importable(python))) throw new Error(`chartmogul ${CHARTMOGUL_PY_VERSION} did not install into ${venv}`);
  return python;
}

async function importable(python: string): Promise<boolean> {
  try {
    const { stdout } = await execFileAsync(python, ['-c', 'import chartmogul.version as v; print(v.__version__)'], {
      timeout: 30_000,
    });
    return stdout.trim() === CHARTMOGUL_PY_VERSION;
  } catch {
    return false;
  }
}

export type PyAnswer =
  { ok: true; result: any } | { ok: false; status?: number; body?: any; error?: string; message?: string };

/** One call of the Python client against our API: `Customer.all`, `{per_page: 7}` → its parsed result. */
export function pythonClient(python: string, apiUrl: string, apiKey: string) {
  const env = { ...process.env, CM_API_URL: apiUrl, CM_API_KEY: apiKey };
  return {
    async call(op: string, kwargs: Record<string, unknown> = {}): Promise<PyAnswer> {
      const { stdout } = await execFileAsync(python, [DRIVER, op, JSON.stringify(kwargs)], { env, timeout: 60_000 });
      return JSON.parse(stdout) as PyAnswer;
    },
    /** The client's own parsing (`Class._loadJSON`) of an answer it cannot request itself. */
    parse(cls: string, answer: unknown): Promise<PyAnswer> {
      return new Promise((resolve, reject) => {
        const child = execFile(python, [DRIVER, `parse:${cls}`], { env, timeout: 60_000 }, (err, stdout) =>
          err ? reject(err) : resolve(JSON.parse(stdout) as PyAnswer),
        );
        child.stdin?.end(JSON.stringify(answer));
      });
    },
  };
}
