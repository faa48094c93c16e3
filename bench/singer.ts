import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

/**
 * The real peer: Singer's `tap-intercom` from PyPI, installed once into a virtualenv under
 * ~/.cache/intercom-crm-sync (as the Temporal CLI is), run against the fake Intercom with its base URL pointed there
 * (the tap hard-codes https://api.intercom.io: a one-line wrapper sets `IntercomClient.base_url`). Discovery, then
 * a sync of the `companies` and `contacts` streams; the Singer RECORD messages on stdout are counted, with the
 * company links each contact record carries (the tap keeps a contact's embedded list, capped at 10 by Intercom).
 */

export const TAP_VERSION = '2.2.5';
const CACHE = path.join(os.homedir(), '.cache', 'intercom-crm-sync', `singer-tap-intercom-${TAP_VERSION}`);

export interface SingerResult {
  seconds: number;
  companies: number;
  contacts: number;
  /** Company links in the contact records (a contact with more than 10 companies carries at most 10). */
  contactCompanyLinks: number;
  /** Contact records with exactly 10 companies: those whose list Intercom capped, if the tap did not complete it. */
  contactsCapped: number;
}

function run(cmd: string, args: string[], opts: { input?: string; cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${err}`))));
    child.stdin.end(opts.input ?? '');
  });
}

/** The virtualenv's python with tap-intercom installed (created on first use, from PyPI). */
export async function singerPython(): Promise<string> {
  const python = path.join(CACHE, 'bin', 'python');
  const ready = path.join(CACHE, '.installed');
  if (await fs.stat(ready).catch(() => null)) return python;
  console.log(`  installing tap-intercom ${TAP_VERSION} from PyPI into ${CACHE}`);
  await fs.mkdir(path.dirname(CACHE), { recursive: true });
  await run('python3', ['-m', 'venv', CACHE]);
  await run(path.join(CACHE, 'bin', 'pip'), ['install', '-q', `tap-intercom==${TAP_VERSION}`]);
  await fs.writeFile(ready, new Date().toISOString());
  return python;
}

const WRAPPER = `
import sys, tap_intercom, tap_intercom.client as c
base = sys.argv.pop(1)
init = c.IntercomClient.__init__
def patched(self, *a, **k):
    init(self, *a, **k)
    self.base_url = base
c.IntercomClient.__init__ = patched
tap_intercom.main()
`;

/** Runs the tap's companies and contacts streams against `baseUrl`; times the sync (not the discovery). */
export async function runSingerTap(baseUrl: string, token: string): Promise<SingerResult> {
  const python = await singerPython();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'singer-'));
  try {
    const config = path.join(dir, 'config.json');
    await fs.writeFile(
      config,
      JSON.stringify({
        access_token: token,
        start_date: '2000-01-01T00:00:00Z',
        user_agent: 'intercom-crm-sync benchmark',
      }),
    );
    const catalog = JSON.parse(await run(python, ['-c', WRAPPER, baseUrl, '--config', config, '--discover']));
    for (const stream of catalog.streams) {
      const wanted = stream.tap_stream_id === 'companies' || stream.tap_stream_id === 'contacts';
      for (const m of stream.metadata) if (m.breadcrumb.length === 0) m.metadata.selected = wanted;
    }
    const catalogPath = path.join(dir, 'catalog.json');
    await fs.writeFile(catalogPath, JSON.stringify(catalog));

    const result: SingerResult = { seconds: 0, companies: 0, contacts: 0, contactCompanyLinks: 0, contactsCapped: 0 };
    const started = Date.now();
    const child = spawn(python, ['-c', WRAPPER, baseUrl, '--config', config, '--catalog', catalogPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (!line.startsWith('{"type": "RECORD"') && !line.startsWith('{"type":"RECORD"')) return;
      const msg = JSON.parse(line);
      if (msg.stream === 'companies') result.companies++;
      else if (msg.stream === 'contacts') {
        result.contacts++;
        const companies = msg.record?.companies;
        // The tap de-nests the addressable list into an array of {id, …}.
        const list: unknown[] = Array.isArray(companies) ? companies : (companies?.data ?? []);
        result.contactCompanyLinks += list.length;
        if (list.length === 10) result.contactsCapped++;
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    result.seconds = (Date.now() - started) / 1000;
    if (code !== 0) throw new Error(`tap-intercom exited ${code}: ${stderr}`);
    return result;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
