import { execSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { LockWaitSampler, type LockWaitSummary } from './lock-waits';
import {
  appendBenchmarks,
  describeMachine,
  fmt,
  numberOption,
  UNTHROTTLED_PER_MINUTE,
  startBenchStack,
  waitFor,
  withCleanup,
  type BenchStack,
  optionsOrExitCode,
} from './stack';

/**
 * `npm run bench -- sources [--sources N] [--workers W] [--companies N] [--contacts N] [--latency-ms L]`
 *
 * Many Intercom sources (one fake workspace each, seeds 1..N, behind one base URL) import at once, run by W worker
 * processes on one task queue. Measures the total records per second, each source's import time (start → live,
 * p50/p95) and how long writers waited for PostgreSQL locks (sampled from pg_locks, so it measures any version of
 * the code alike). Checks every source ends with exactly its workspace's companies and contact links. Appends the
 * results to BENCHMARKS.md; the last line of output is a JSON summary.
 */

const USAGE = `Usage: npm run bench -- sources [options]
  --sources N      sources importing at once, one fake workspace each (default 20)
  --workers W      worker processes on the task queue (default 1)
  --companies N    companies per workspace (default 150)
  --contacts N     visible contacts per workspace (default 600)
  --latency-ms L   latency the fake adds to every response (default 20)
  --partitions P   parallel created_at partitions of contacts per source (default 8, as in production)
  --distinct-domains  give each workspace its own website domains (the fake's seeds share company-<n>.example.com,
                   so by default company n of every workspace merges with company n of all the others: the worst case)
  --label TEXT     names the run in BENCHMARKS.md (e.g. the code version measured)
  --verbose        echo the workers' output`;

interface Options {
  sources: number;
  workers: number;
  companies: number;
  contacts: number;
  latencyMs: number;
  partitions: number;
  label: string;
  distinctDomains: boolean;
  verbose: boolean;
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      sources: { type: 'string', default: '20' },
      workers: { type: 'string', default: '1' },
      companies: { type: 'string', default: '150' },
      contacts: { type: 'string', default: '600' },
      'latency-ms': { type: 'string', default: '20' },
      partitions: { type: 'string', default: '8' },
      label: { type: 'string', default: '' },
      'distinct-domains': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  return {
    sources: numberOption('sources', values.sources, 1),
    workers: numberOption('workers', values.workers, 1),
    companies: numberOption('companies', values.companies, 1),
    contacts: numberOption('contacts', values.contacts, 0),
    latencyMs: numberOption('latency-ms', values['latency-ms'], 0),
    partitions: numberOption('partitions', values.partitions, 1),
    label: values.label,
    distinctDomains: values['distinct-domains'],
    verbose: values.verbose,
  };
}

const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN;

interface SourceRun {
  id: string;
  seconds: number;
  companies: number;
  contactRows: number;
}

async function connectAll(stack: BenchStack, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const created = await stack.call('POST', '/v1/data_sources', { name: `Workspace ${i + 1}`, system: 'Intercom' });
    if (created.status !== 201) throw new Error(`create source: HTTP ${created.status} ${created.text}`);
    const id: string = created.body.uuid;
    const token = await stack.call('POST', `/v1/data_sources/${id}/intercom/token`, {
      access_token: stack.fakes[i].accessToken,
    });
    if (token.status !== 202) throw new Error(`token: HTTP ${token.status} ${token.text}`);
    ids.push(id);
  }
  // The first workflow tasks wait for the workers to bundle the workflows: allow for a slow start.
  await waitFor(
    async () => {
      const dead = stack.workers.find((w) => w.exited());
      if (dead) throw new Error(`a worker process exited:\n${dead.output()}`);
      const rows: Array<{ n: number }> = await stack.db.query(
        `SELECT count(*)::int AS n FROM sources WHERE id = ANY($1) AND status = 'connected'`,
        [ids],
      );
      return rows[0].n === ids.length ? true : undefined;
    },
    'every source to be connected',
    { timeoutMs: 300_000, everyMs: 250 },
  );
  return ids;
}

/** Starts every import at once and waits until each source is live; returns each one's time. */
async function importAll(stack: BenchStack, ids: string[]): Promise<{ runs: SourceRun[]; seconds: number }> {
  const startedAt = Date.now();
  const answers = await Promise.all(
    ids.map((id) => stack.call('POST', `/v1/data_sources/${id}/intercom/import`, { companies: true, contacts: true })),
  );
  const refused = answers.find((a) => a.status !== 202);
  if (refused) throw new Error(`import: HTTP ${refused.status} ${refused.text}`);
  const liveAt = new Map<string, number>();
  let lastReport = Date.now();
  await waitFor(
    async () => {
      const dead = stack.workers.find((w) => w.exited());
      if (dead) throw new Error(`a worker process exited:\n${dead.output()}`);
      const rows: Array<{ id: string; status: string }> = await stack.db.query(
        `SELECT id, status FROM sources WHERE id = ANY($1)`,
        [ids],
      );
      for (const r of rows) if (r.status === 'live' && !liveAt.has(r.id)) liveAt.set(r.id, Date.now());
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        const [{ n }] = await stack.db.query(`SELECT count(*)::int AS n FROM customer_records`);
        console.log(`  … ${liveAt.size}/${ids.length} sources live, ${fmt(n)} companies written`);
      }
      return liveAt.size === ids.length ? true : undefined;
    },
    'every source to be live',
    { timeoutMs: 1_800_000, everyMs: 100 },
  );
  const runs: SourceRun[] = [];
  for (const [i, id] of ids.entries()) {
    const [{ companies }] = await stack.db.query(
      `SELECT count(*)::int AS companies FROM customer_records WHERE source_id = $1`,
      [id],
    );
    const [{ contacts }] = await stack.db.query(`SELECT count(*)::int AS contacts FROM contacts WHERE source_id = $1`, [
      id,
    ]);
    const fake = stack.fakes[i];
    let expectedContacts = 0;
    for (const c of fake.store.contacts() as Array<{ id: string }>)
      expectedContacts += fake.store.companyIdsOf(c.id).length;
    const expectedCompanies = fake.store.companies().length;
    if (companies !== expectedCompanies || contacts !== expectedContacts) {
      throw new Error(
        `source ${i + 1} is not exact: ${companies}/${expectedCompanies} companies, ${contacts}/${expectedContacts} contact rows`,
      );
    }
    runs.push({ id, seconds: (liveAt.get(id)! - startedAt) / 1000, companies, contactRows: contacts });
  }
  return { runs, seconds: (Math.max(...liveAt.values()) - startedAt) / 1000 };
}

function gitVersion(): string {
  try {
    return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

export async function run(argv: string[]): Promise<number> {
  const o = optionsOrExitCode(argv, parseOptions, USAGE);
  if (typeof o === 'number') return o;
  return withCleanup(async (cleanup) => {
    console.log(
      `sources benchmark: ${o.sources} sources × (${o.companies} companies, ${o.contacts} contacts), ${o.workers} worker process(es)`,
    );
    const stack = await startBenchStack(
      {
        fake: {
          companies: o.companies,
          contacts: o.contacts,
          latencyMs: o.latencyMs,
          rateLimitPerMinute: UNTHROTTLED_PER_MINUTE,
        },
        partitions: o.partitions,
        verbose: o.verbose,
        workers: o.workers,
        workspaces: o.sources,
      },
      cleanup,
    );
    if (o.distinctDomains) {
      for (const [k, fake] of stack.fakes.entries()) {
        for (const c of fake.store.companies() as Array<{ id: string; website?: string }>) {
          if (c.website)
            fake.store.updateCompany(c.id, { website: c.website.replace(/\.example\.com/, `.ws${k + 1}.example.com`) });
        }
      }
    }
    const ids = await connectAll(stack, o.sources);
    const loadBefore = os.loadavg()[0];
    const sampler = LockWaitSampler.start((sql) => stack.db.query(sql));
    let locks: LockWaitSummary;
    let result: Awaited<ReturnType<typeof importAll>>;
    try {
      result = await importAll(stack, ids);
    } finally {
      locks = await sampler.stop();
    }
    const loadAfter = os.loadavg()[0];
    const times = result.runs.map((r) => r.seconds).sort((a, b) => a - b);
    const records = result.runs.reduce((n, r) => n + r.companies + r.contactRows, 0);
    const [{ merged }] = await stack.db.query(
      `SELECT count(*)::int AS merged FROM (SELECT customer_id FROM customer_records GROUP BY customer_id HAVING count(*) > 1) m`,
    );
    const summary = {
      label: o.label || gitVersion(),
      sources: o.sources,
      workers: o.workers,
      records,
      seconds: result.seconds,
      recordsPerSecond: records / result.seconds,
      sourceSecondsP50: quantile(times, 0.5),
      sourceSecondsP95: quantile(times, 0.95),
      sourceSecondsMax: times.at(-1),
      mergedCustomers: merged,
      lockWaits: locks,
      loadavg1m: { before: loadBefore, after: loadAfter },
    };
    const byType = Object.entries(locks.byType)
      .sort((a, b) => b[1] - a[1])
      .map(([t, s]) => `${t} ${fmt(s, 1)} s`)
      .join(', ');
    const section = `### sources: ${o.sources} sources, ${o.workers} worker process${o.workers > 1 ? 'es' : ''} — ${summary.label} (${new Date().toISOString().slice(0, 16)}Z)

\`npm run bench -- sources --sources ${o.sources} --workers ${o.workers} --companies ${o.companies} --contacts ${o.contacts} --latency-ms ${o.latencyMs} --partitions ${o.partitions}${o.distinctDomains ? ' --distinct-domains' : ''}\`
on ${describeMachine()}; load average (1 min) ${fmt(loadBefore, 1)} before the imports, ${fmt(loadAfter, 1)} after.

| measure | value |
| --- | --- |
| records written (companies + contact rows, all sources) | ${fmt(records)} |
| all sources live after | ${fmt(result.seconds, 1)} s |
| total throughput | **${fmt(summary.recordsPerSecond)} records/s** |
| import time per source (start → live), p50 / p95 / max | ${fmt(summary.sourceSecondsP50, 1)} s / ${fmt(summary.sourceSecondsP95, 1)} s / ${fmt(summary.sourceSecondsMax ?? NaN, 1)} s |
| lock waits seen (pg_locks every 20 ms) | ${fmt(locks.waits)} waits, **${fmt(locks.totalSeconds, 1)} s in total**; p50 ${fmt(locks.p50Ms)} ms, p95 ${fmt(locks.p95Ms)} ms, max ${fmt(locks.maxMs)} ms |
| lock wait by lock type | ${byType || 'none'} |
| customers merged across workspaces (${o.distinctDomains ? 'distinct domains' : 'shared domains: the worst case'}) | ${fmt(merged)} |
`;
    console.log('\n' + section);
    const file = await appendBenchmarks('# Benchmarks\n', section);
    console.log(`appended to ${file}`);
    return { exitCode: 0, lastLine: JSON.stringify(summary) };
  });
}
