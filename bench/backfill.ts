import os from 'node:os';
import { parseArgs } from 'node:util';
import type { FakeIntercom } from '../src/fake-intercom';
import { barePager, sequentialPager, type PagerResult } from './pagers';
import { runSingerTap, TAP_VERSION, type SingerResult } from './singer';
import {
  RssSampler,
  cpuSnapshot,
  topStatements,
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
 * `npm run bench -- backfill [--companies N] [--contacts N] [--latency-ms L] [--seed S] [--partitions P]`
 *
 * Imports a seeded fake Intercom workspace through our API on the real stack (PostgreSQL, Temporal, the worker in
 * a child process) and compares the throughput with two pagers that fetch the same data and throw it away: the
 * bare pager (our exact requests and concurrency, no database: the ceiling) and one sequential cursor (how Airbyte
 * and tap-intercom page). Appends the results to BENCHMARKS.md; the last line of output is a JSON summary.
 */

const USAGE = `Usage: npm run bench -- backfill [options]
  --companies N    companies in the fake workspace (default 20000)
  --contacts N     visible contacts (default 100000)
  --mostly-one-company  seed a contacts-heavy workspace: 80% of contacts with one company (default: mixed, 50%)
  --latency-ms L   latency the fake adds to every response (default 150)
  --seed S         workspace seed (default 1)
  --partitions P   parallel created_at partitions of contacts (default 8, as in production)
  --skip-sequential  leave out the sequential cursor (it takes ~4× ours; for large workspaces)
  --singer         also run Singer's tap-intercom (PyPI, in a virtualenv created once) against the same fake
  --statements     load pg_stat_statements and report what PostgreSQL spent its time on during our import
  --worker-env NAME=VALUE  environment of the worker process (repeatable), e.g. WORKER_MAX_CONCURRENT_ACTIVITIES=16
  --verbose        echo the worker's output
Small smoke run: npm run bench -- backfill --companies 500 --contacts 2000 --latency-ms 20`;

const TARGETS = { toPager: 0.6, toSequential: 4 };

interface Options {
  companies: number;
  contacts: number;
  companyLinks: 'mixed' | 'mostly-one';
  latencyMs: number;
  seed: number;
  partitions: number;
  skipSequential: boolean;
  singer: boolean;
  workerEnv: Record<string, string>;
  statements: boolean;
  verbose: boolean;
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      companies: { type: 'string', default: '20000' },
      contacts: { type: 'string', default: '100000' },
      'mostly-one-company': { type: 'boolean', default: false },
      'latency-ms': { type: 'string', default: '150' },
      seed: { type: 'string', default: '1' },
      partitions: { type: 'string', default: '8' },
      'skip-sequential': { type: 'boolean', default: false },
      singer: { type: 'boolean', default: false },
      'worker-env': { type: 'string', multiple: true, default: [] },
      statements: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  return {
    companies: numberOption('companies', values.companies, 0),
    contacts: numberOption('contacts', values.contacts, 0),
    companyLinks: values['mostly-one-company'] ? 'mostly-one' : 'mixed',
    latencyMs: numberOption('latency-ms', values['latency-ms'], 0),
    seed: numberOption('seed', values.seed, 0),
    partitions: numberOption('partitions', values.partitions, 1),
    skipSequential: values['skip-sequential'] ?? false,
    singer: values.singer ?? false,
    statements: values.statements ?? false,
    workerEnv: Object.fromEntries(
      (values['worker-env'] ?? []).map((kv) => {
        const at = kv.indexOf('=');
        if (at < 1) throw new Error(`--worker-env takes NAME=VALUE, not ${kv}`);
        return [kv.slice(0, at), kv.slice(at + 1)];
      }),
    ),
    verbose: values.verbose,
  };
}

/** Requests the fake served, per endpoint family. */
interface RequestCounts {
  scroll: number;
  search: number;
  contactCompanies: number;
  other: number;
  total: number;
}

function requestCounts(fake: FakeIntercom): RequestCounts {
  const total = fake.requestCount();
  const scroll = fake.requestCount('/companies/scroll');
  const search = fake.requestCount('/contacts/search');
  // GET /contacts/{id}/companies: every /contacts/… path but the search (the backfill reads no other contact path).
  const contactCompanies = fake.requestCount('/contacts/') - search;
  return { scroll, search, contactCompanies, other: total - scroll - search - contactCompanies, total };
}

function diffCounts(after: RequestCounts, before: RequestCounts): RequestCounts {
  return {
    scroll: after.scroll - before.scroll,
    search: after.search - before.search,
    contactCompanies: after.contactCompanies - before.contactCompanies,
    other: after.other - before.other,
    total: after.total - before.total,
  };
}

const countsText = (c: RequestCounts) =>
  `${fmt(c.total)} requests: ${fmt(c.scroll)} companies/scroll, ${fmt(c.search)} contacts/search, ` +
  `${fmt(c.contactCompanies)} contacts/{id}/companies, ${fmt(c.other)} other`;

/** What the workspace should produce: every company, and one contact row per (contact, company) link. */
function expectedRecords(fake: FakeIntercom) {
  const companies = fake.store.companies().length;
  let contactRows = 0;
  for (const contact of fake.store.contacts() as Array<{ id: string }>)
    contactRows += fake.store.companyIdsOf(contact.id).length;
  return { companies, contactRows };
}

// ---------------------------------------------------------------- Temporal history

const tsMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  t ? Number(String(t.seconds ?? 0)) * 1000 + (t.nanos ?? 0) / 1e6 : NaN;

interface ActivityRun {
  name: string;
  scheduledMs: number;
  completedMs?: number;
  attempts: number;
}

/** Activities of a workflow run, from its history: when each was scheduled and completed, and its attempts. */
function activityRuns(history: { events?: any[] | null }): ActivityRun[] {
  const byScheduledId = new Map<string, ActivityRun>();
  for (const e of history.events ?? []) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) {
      byScheduledId.set(id, {
        name: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?',
        scheduledMs: tsMs(e.eventTime),
        attempts: 0,
      });
    } else if (e.activityTaskStartedEventAttributes) {
      const run = byScheduledId.get(String(e.activityTaskStartedEventAttributes.scheduledEventId));
      if (run) run.attempts = e.activityTaskStartedEventAttributes.attempt ?? 1;
    } else if (e.activityTaskCompletedEventAttributes) {
      const run = byScheduledId.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId));
      if (run) run.completedMs = tsMs(e.eventTime);
    }
  }
  return [...byScheduledId.values()];
}

interface Breakdown {
  companiesSeconds?: number;
  contactsSeconds?: number;
  partitionSeconds: number[];
  retries: number;
}

function breakdown(runs: ActivityRun[], importAtMs: number): Breakdown {
  const s = (ms: number | undefined) => (ms === undefined ? undefined : (ms - importAtMs) / 1000);
  const companies = runs.find((r) => r.name === 'importCompanies');
  const partitions = runs.filter((r) => r.name === 'importContactPartition');
  const lastContact = Math.max(...partitions.map((r) => r.completedMs ?? NaN));
  return {
    companiesSeconds: s(companies?.completedMs),
    contactsSeconds: partitions.length ? s(lastContact) : undefined,
    partitionSeconds: partitions.map((r) => ((r.completedMs ?? NaN) - r.scheduledMs) / 1000),
    retries: runs.reduce((n, r) => n + Math.max(0, r.attempts - 1), 0),
  };
}

// ---------------------------------------------------------------- our backfill

interface BackfillRun {
  sourceId: string;
  seconds: number;
  companies: number;
  contactRows: number;
  records: number;
  rssBeforeMb: number;
  rssSecondHalf?: { min: number; max: number; n: number };
  rssMaxSampledMb: number;
  peakRssMb: number;
  historyEvents: Record<string, number>;
  breakdown: Breakdown;
  requests: RequestCounts;
  /** CPU used during our import, per process. */
  cpuMs: Record<string, number>;
  machineBusyPct: number;
  statements: Awaited<ReturnType<typeof topStatements>>;
}

async function runBackfill(stack: BenchStack, statements: boolean): Promise<BackfillRun> {
  const { call, fake, worker } = stack;
  const created = await call('POST', '/v1/data_sources', { name: 'Benchmark workspace', system: 'Intercom' });
  if (created.status !== 201) throw new Error(`create source: HTTP ${created.status} ${JSON.stringify(created.body)}`);
  const sourceId: string = created.body.uuid;
  const token = await call('POST', `/v1/data_sources/${sourceId}/intercom/token`, { access_token: fake.accessToken });
  if (token.status !== 202) throw new Error(`token: HTTP ${token.status} ${JSON.stringify(token.body)}`);
  // The first workflow task waits for the worker to bundle the workflows: allow for a slow start.
  await waitFor(
    async () => {
      if (worker.exited()) throw new Error(`the worker process exited:\n${worker.output()}`);
      const s = await call('GET', `/v1/data_sources/${sourceId}`);
      return s.body?.lifecycle_status === 'connected' ? true : undefined;
    },
    'the source to be connected',
    { timeoutMs: 180_000, everyMs: 250 },
  );
  const fields = await call('GET', `/v1/data_sources/${sourceId}/intercom/fields`);
  if (fields.status !== 200) throw new Error(`fields: HTTP ${fields.status}`);
  const selection = {
    company: fields.body.company.map((f: { name: string }) => f.name),
    contact: fields.body.contact.map((f: { name: string }) => f.name),
  };
  console.log(
    `  source ${sourceId} connected; selecting all ${selection.company.length} company and ` +
      `${selection.contact.length} contact custom attributes`,
  );

  const rssBefore = (await worker.memory())?.rssMb ?? NaN;
  const sampler = new RssSampler(worker.nodePid);
  const countsBefore = requestCounts(fake);
  sampler.start();
  if (statements) await stack.db.query('SELECT pg_stat_statements_reset()');
  const cpuBefore = await cpuSnapshot(worker.nodePid);
  const importAt = Date.now();
  const started = await call('POST', `/v1/data_sources/${sourceId}/intercom/import`, {
    companies: true,
    contacts: true,
    custom_attributes: selection,
  });
  if (started.status !== 202) throw new Error(`import: HTTP ${started.status} ${JSON.stringify(started.body)}`);

  // The status is polled from the sources table (what the API reports, without the API's per-request counts over
  // the whole import, which would load the database the import is writing to); the API is asked every 5 s.
  let lastPrint = Date.now();
  const liveAt = await waitFor(
    async () => {
      if (worker.exited()) throw new Error(`the worker process exited:\n${worker.output()}`);
      const [row] = await stack.db.query(`SELECT status, last_error FROM sources WHERE id = $1`, [sourceId]);
      const now = Date.now();
      if (row?.status === 'live') return now;
      if (row?.status === 'needs_reconnect') throw new Error(`the source needs a reconnect: ${row.last_error}`);
      if (now - lastPrint >= 5000) {
        lastPrint = now;
        const s = await call('GET', `/v1/data_sources/${sourceId}`);
        const p = s.body?.progress ?? {};
        const elapsed = (now - importAt) / 1000;
        const rss = sampler.samples.at(-1)?.rssMb;
        console.log(
          `  ${elapsed.toFixed(0).padStart(5)} s  ${s.body?.lifecycle_status}: ${fmt(Number(p.companies_imported ?? 0))} companies, ` +
            `${fmt(Number(p.contacts_imported ?? 0))} contacts, ${fmt(Number(p.pages_fetched ?? 0))} pages; ` +
            `worker RSS ${rss === undefined ? '?' : fmt(rss)} MB`,
        );
      }
      return undefined;
    },
    'the backfill to finish (status live)',
    { timeoutMs: 60 * 60_000, everyMs: 200 },
  );
  sampler.stop();
  const cpuAfter = await cpuSnapshot(worker.nodePid);
  const seconds = (liveAt - importAt) / 1000;
  const requests = diffCounts(requestCounts(fake), countsBefore);
  const memory = await worker.memory();

  const [{ companies }] = await stack.db.query(
    `SELECT count(*)::int AS companies FROM customer_records WHERE source_id = $1`,
    [sourceId],
  );
  const [{ contacts }] = await stack.db.query(`SELECT count(*)::int AS contacts FROM contacts WHERE source_id = $1`, [
    sourceId,
  ]);

  const historyEvents: Record<string, number> = {};
  let runs: ActivityRun[] = [];
  for (const id of [`source:${sourceId}`, `source:${sourceId}:backfill:1`]) {
    const history = await stack.client.workflow.getHandle(id).fetchHistory();
    historyEvents[id] = history.events?.length ?? 0;
    if (id.endsWith(':backfill:1')) runs = activityRuns(history);
  }

  return {
    sourceId,
    seconds,
    companies,
    contactRows: contacts,
    records: companies + contacts,
    rssBeforeMb: rssBefore,
    rssSecondHalf: sampler.secondHalf(),
    rssMaxSampledMb: sampler.max(),
    peakRssMb: memory?.hwmMb ?? NaN,
    historyEvents,
    breakdown: breakdown(runs, importAt),
    requests,
    cpuMs: {
      'the benchmark process (fake Intercom, API)': cpuAfter.selfMs - cpuBefore.selfMs,
      worker: cpuAfter.workerMs - cpuBefore.workerMs,
      PostgreSQL: cpuAfter.postgresMs - cpuBefore.postgresMs,
      'Temporal server': cpuAfter.temporalMs - cpuBefore.temporalMs,
    },
    machineBusyPct:
      (100 * (cpuAfter.machineBusyMs - cpuBefore.machineBusyMs)) / (cpuAfter.machineTotalMs - cpuBefore.machineTotalMs),
    statements: statements ? await topStatements(stack.db, 8) : [],
  };
}

async function timedPager(
  fake: FakeIntercom,
  run: () => Promise<PagerResult>,
): Promise<PagerResult & { requests: RequestCounts }> {
  const before = requestCounts(fake);
  const result = await run();
  return { ...result, requests: diffCounts(requestCounts(fake), before) };
}

// ---------------------------------------------------------------- report

const INTRO = `# Benchmarks

Results of \`npm run bench\`, newest last. Each run starts its own stack from scratch and appends a section here.

## backfill

\`npm run bench -- backfill --companies 20000 --contacts 100000 --latency-ms 150\` seeds the built-in fake Intercom
(in the benchmark process, every response delayed by \`--latency-ms\` to stand in for the network and Intercom's own
time; its rate limit raised so it never throttles, so the numbers measure paging and writing, not Intercom's budget).
It then imports the workspace **through our API** exactly as a user would (create the source, connect it with the
private-app token, select every company and contact custom attribute, start the import) on the real stack: embedded
PostgreSQL (stock durability settings) or \`DATABASE_URL\`, a Temporal dev server (in memory), the API in the benchmark
process and the worker in a child process (\`tsx src/worker.ts\`) so its memory can be read from \`/proc\`.

What the numbers mean:

- **records**: rows our backfill wrote, counted in PostgreSQL: customer records (one per Intercom company) plus contact
  rows (one per contact and company it belongs to; contacts without a company are skipped). The run fails loudly unless
  they equal exactly what the fake workspace holds.
- **seconds / records/s**: from the import request until the source is \`live\` (its status row polled every 200 ms).
- **bare pager**: the ceiling. Our own Intercom code (\`src/intercom\`, the partition planning of
  \`src/domain/contact-partitions\`) sends the very requests of the backfill with its concurrency (one companies scroll
  alongside the same number of parallel \`created_at\` partitions of \`POST /contacts/search\`, per_page 150, plus
  \`GET /contacts/{id}/companies\` for contacts with more than 10 companies) and throws the data away: no database, no
  Temporal. **ratio to pager** = our records/s ÷ the pager's; the target is ≥ ${TARGETS.toPager}.
- **sequential**: one cursor at a time, as Airbyte's source-intercom and Singer's tap-intercom page: the companies
  scroll, then a single \`POST /contacts/search\` sorted by \`updated_at\` (per_page 150, following \`starting_after\`),
  fetching capped company lists inline. **ratio to sequential** = our records/s ÷ its records/s; the target is
  ≥ ${TARGETS.toSequential}.
- **worker peak RSS**: \`VmHWM\` of the worker's node process at the end of the import (its lifetime peak, including
  start-up and bundling the workflows); the RSS sampled every second during the import shows whether memory grows with
  the data (min/max over the second half of the import).
- **history events**: events in the workflow histories \`source:<id>\` and \`source:<id>:backfill:1\` (the larger).
- **request counts** come from the fake's own counters, per endpoint, for each of the three runs.

The reference machine has 2 cores, shared by PostgreSQL, Temporal, the worker, the API and the fake; other work on
the machine at the same time shows up as noise.
`;

export async function run(argv: string[]): Promise<number> {
  const o = optionsOrExitCode(argv, parseOptions, USAGE);
  if (typeof o === 'number') return o;

  return withCleanup(async (cleanup) => {
    const date = new Date();
    console.log(
      `backfill benchmark: ${fmt(o.companies)} companies, ${fmt(o.contacts)} contacts, ${o.latencyMs} ms latency, ` +
        `seed ${o.seed}, ${o.partitions} contact partitions, company links ${o.companyLinks}`,
    );
    console.log(`  machine        ${describeMachine()}`);
    console.log(`  fake Intercom rate limit: ${fmt(UNTHROTTLED_PER_MINUTE)}/min, high enough never to throttle`);
    const stack = await startBenchStack(
      {
        fake: {
          companies: o.companies,
          contacts: o.contacts,
          companyLinks: o.companyLinks,
          seed: o.seed,
          latencyMs: o.latencyMs,
          rateLimitPerMinute: UNTHROTTLED_PER_MINUTE,
        },
        partitions: o.partitions,
        verbose: o.verbose,
        workerEnv: o.workerEnv,
        statementStats: o.statements,
      },
      cleanup,
    );
    const expected = expectedRecords(stack.fake);
    console.log(
      `  expected       ${fmt(expected.companies)} companies + ${fmt(expected.contactRows)} contact rows = ` +
        `${fmt(expected.companies + expected.contactRows)} records`,
    );

    console.log('\n[1/3] our backfill, through the API');
    const ours = await runBackfill(stack, o.statements);
    const oursRate = ours.records / ours.seconds;
    console.log(
      `  live after ${ours.seconds.toFixed(1)} s: ${fmt(ours.companies)} companies + ${fmt(ours.contactRows)} contact rows` +
        ` = ${fmt(ours.records)} records, ${fmt(oursRate)} records/s`,
    );
    console.log(`  ${countsText(ours.requests)}`);
    if (ours.companies !== expected.companies || ours.contactRows !== expected.contactRows) {
      const line = '!'.repeat(100);
      console.error(
        `\n${line}\nWRONG RESULT: the database holds ${fmt(ours.companies)} companies and ${fmt(ours.contactRows)} ` +
          `contact rows, the workspace has ${fmt(expected.companies)} and ${fmt(expected.contactRows)}.\n` +
          `The timing is meaningless; nothing was written to BENCHMARKS.md.\n${line}\n`,
      );
      return { exitCode: 1 };
    }
    const [{ bytes: dbBytes }] = await stack.db.query(`SELECT pg_database_size(current_database())::bigint AS bytes`);
    // The worker is idle from here on: stop it so the pagers have the CPU to themselves.
    await stack.worker.stop();

    console.log('\n[2/3] bare pager (our requests and concurrency, no database): the ceiling');
    const pager = await timedPager(stack.fake, () =>
      barePager({ baseUrl: stack.fake.url, token: stack.fake.accessToken, partitions: o.partitions }),
    );
    const pagerRate = pager.records / pager.seconds;
    console.log(`  ${pager.seconds.toFixed(1)} s, ${fmt(pager.records)} records, ${fmt(pagerRate)} records/s`);
    console.log(`  ${countsText(pager.requests)}`);

    console.log(`\n[3/3] one sequential cursor (Airbyte / tap-intercom style)${o.skipSequential ? ': skipped' : ''}`);
    const seq: PagerResult & { requests: RequestCounts } = o.skipSequential
      ? { ...pager, seconds: NaN, companiesSeconds: NaN, contactsSeconds: NaN }
      : await timedPager(stack.fake, () => sequentialPager({ baseUrl: stack.fake.url, token: stack.fake.accessToken }));
    const seqRate = seq.records / seq.seconds;
    console.log(`  ${seq.seconds.toFixed(1)} s, ${fmt(seq.records)} records, ${fmt(seqRate)} records/s`);
    console.log(`  ${countsText(seq.requests)}`);

    let singer: SingerResult | undefined;
    if (o.singer) {
      console.log(`\n[4/4] Singer tap-intercom ${TAP_VERSION} (companies and contacts streams)`);
      singer = await runSingerTap(stack.fake.url, stack.fake.accessToken);
      console.log(
        `  ${singer.seconds.toFixed(1)} s: ${fmt(singer.companies)} companies, ${fmt(singer.contacts)} contact records ` +
          `with ${fmt(singer.contactCompanyLinks)} company links`,
      );
    }

    const warnings: string[] = [];
    for (const [name, r] of [
      ['bare pager', pager],
      ...(o.skipSequential ? [] : ([['sequential pager', seq]] as const)),
    ] as const) {
      if (r.companies !== expected.companies || r.contactRows !== expected.contactRows)
        warnings.push(
          `WARNING: the ${name} saw ${fmt(r.companies)} companies and ${fmt(r.contactRows)} contact rows, ` +
            `expected ${fmt(expected.companies)} and ${fmt(expected.contactRows)}`,
        );
    }

    const maxHistory = Math.max(...Object.values(ours.historyEvents));
    const result = {
      records: ours.records,
      seconds: round(ours.seconds, 1),
      records_per_s: round(oursRate, 0),
      pager_records_per_s: round(pagerRate, 0),
      sequential_records_per_s: round(seqRate, 0),
      ratio_to_pager: round(oursRate / pagerRate, 2),
      ratio_to_sequential: round(oursRate / seqRate, 2),
      worker_peak_rss_mb: round(ours.peakRssMb, 0),
      max_history_events: maxHistory,
    };

    const b = ours.breakdown;
    const secs = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '?' : `${n.toFixed(1)} s`);
    const half = ours.rssSecondHalf;
    const verdict = (ok: boolean) => (ok ? 'meets the target' : 'MISSES the target');
    const summaryLines = [
      `| | seconds | records | records/s | ratio |`,
      `| --- | ---: | ---: | ---: | ---: |`,
      `| our backfill (API → Temporal → PostgreSQL) | ${ours.seconds.toFixed(1)} | ${fmt(ours.records)} | ${fmt(oursRate)} | |`,
      `| bare pager (ceiling) | ${pager.seconds.toFixed(1)} | ${fmt(pager.records)} | ${fmt(pagerRate)} | ours ÷ pager = **${result.ratio_to_pager}** (target ≥ ${TARGETS.toPager}: ${verdict(result.ratio_to_pager >= TARGETS.toPager)}) |`,
      o.skipSequential
        ? `| sequential cursor | not run (--skip-sequential) | | | |`
        : `| sequential cursor | ${seq.seconds.toFixed(1)} | ${fmt(seq.records)} | ${fmt(seqRate)} | ours ÷ sequential = **${result.ratio_to_sequential}** (target ≥ ${TARGETS.toSequential}: ${verdict(result.ratio_to_sequential >= TARGETS.toSequential)}) |`,
      ...(singer
        ? [
            `| Singer tap-intercom ${TAP_VERSION} (companies, contacts) | ${singer.seconds.toFixed(1)} | ${fmt(singer.companies + singer.contactCompanyLinks)} | ${fmt((singer.companies + singer.contactCompanyLinks) / singer.seconds)} | our time ÷ its time = **${(ours.seconds / singer.seconds).toFixed(2)}** (${(singer.seconds / ours.seconds).toFixed(2)}× faster) |`,
          ]
        : []),
    ];
    const details = [
      `- Where the time goes (from the start of each run): companies stream done after ${secs(b.companiesSeconds)} ` +
        `ours vs ${secs(pager.companiesSeconds)} bare pager; contacts done after ${secs(b.contactsSeconds)} ours vs ` +
        `${secs(pager.contactsSeconds)} bare pager (sequential: companies ${secs(seq.companiesSeconds)}, then contacts ` +
        `until ${secs(seq.contactsSeconds)}). Our ${b.partitionSeconds.length} partition activities took ` +
        `${b.partitionSeconds.length ? `${Math.min(...b.partitionSeconds).toFixed(1)}–${Math.max(...b.partitionSeconds).toFixed(1)} s` : '?'}` +
        `; activity retries: ${b.retries}.`,
      `- Requests, ours: ${countsText(ours.requests)}; ${(ours.requests.total / ours.records).toFixed(4)} requests per record.`,
      `- PostgreSQL database size after the import: ${fmt(Number(dbBytes) / 1e6)} MB; time to live ${ours.seconds.toFixed(1)} s.`,
      `- Requests, bare pager: ${countsText(pager.requests)}.`,
      ...(o.skipSequential ? [] : [`- Requests, sequential: ${countsText(seq.requests)}.`]),
      `- Worker memory: peak RSS (VmHWM) ${fmt(ours.peakRssMb)} MB; ${fmt(ours.rssBeforeMb)} MB before the import; ` +
        `sampled max ${fmt(ours.rssMaxSampledMb)} MB` +
        (half
          ? `; second half of the import min ${fmt(half.min)} / max ${fmt(half.max)} MB (${half.n} samples).`
          : '.'),
      `- CPU during our import, per 1,000 records: ${Object.entries(ours.cpuMs)
        .map(([name, ms]) => `${name} ${fmt((1000 * ms) / ours.records)} ms`)
        .join(', ')}; the machine's 2 cores were ${ours.machineBusyPct.toFixed(0)}% busy.`,
      ...ours.statements.map(
        (st, i) =>
          `${i === 0 ? '- PostgreSQL statements by execution time during our import (pg_stat_statements):\n' : ''}` +
          `  - ${fmt((1000 * st.totalMs) / ours.records, 1)} ms per 1,000 records, ${fmt(st.calls)} calls, ${fmt(st.rows)} rows: ` +
          `\`${st.query.length > 160 ? `${st.query.slice(0, 157)}…` : st.query}\``,
      ),
      `- History events: ${Object.entries(ours.historyEvents)
        .map(([id, n]) => `${id.replace(ours.sourceId, '<id>')} ${n}`)
        .join(', ')}.`,
      ...(singer
        ? [
            `- Singer tap-intercom ${TAP_VERSION}: ${fmt(singer.companies)} company records and ${fmt(singer.contacts)} ` +
              `contact records (every contact, with or without a company) carrying ${fmt(singer.contactCompanyLinks)} ` +
              `company links, against the workspace's ${fmt(expected.companies)} companies and ` +
              `${fmt(expected.contactRows)} contact–company links: ` +
              (singer.contactCompanyLinks < expected.contactRows
                ? `**incomplete**, ${fmt(expected.contactRows - singer.contactCompanyLinks)} links missing ` +
                  `(${fmt(singer.contactsCapped)} contacts carry exactly 10: Intercom caps the embedded list at 10 ` +
                  `and the tap does not complete it from \`GET /contacts/{id}/companies\`, whose list key differs).`
                : 'complete.') +
              ` Its records/s counts companies plus links, as ours does.`,
          ]
        : []),
      ...warnings.map((w) => `- ${w}`),
    ];

    console.log(`\nSummary\n${summaryLines.join('\n')}\n${details.join('\n')}`);

    const section = [
      `### backfill, ${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      '',
      `\`npm run bench -- backfill --companies ${o.companies} --contacts ${o.contacts} --latency-ms ${o.latencyMs} ` +
        `--seed ${o.seed} --partitions ${o.partitions}${o.skipSequential ? ' --skip-sequential' : ''}${o.singer ? ' --singer' : ''}` +
        `${o.companyLinks === 'mostly-one' ? ' --mostly-one-company' : ''}${o.statements ? ' --statements' : ''}` +
        `${Object.entries(o.workerEnv)
          .map(([k, v]) => ` --worker-env ${k}=${v}`)
          .join('')}\`; ` +
        `load average ${os
          .loadavg()
          .map((x) => x.toFixed(1))
          .join(' / ')} (1/5/15 min) at the end; ${describeMachine()}; ${stack.temporalVersion}; ` +
        `${stack.postgres.replace(/ in \/.*$/, '')}; fake Intercom rate limit ${fmt(UNTHROTTLED_PER_MINUTE)}/min (never throttles).`,
      '',
      ...summaryLines,
      '',
      ...details,
      '',
      '```json',
      JSON.stringify(result),
      '```',
    ].join('\n');
    const file = await appendBenchmarks(INTRO, section);
    console.log(`\nAppended to ${file}`);
    return { exitCode: 0, lastLine: JSON.stringify(result) };
  });
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
