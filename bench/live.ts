import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import type { Duration } from '@temporalio/common';
import path from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ImportWrites } from '../src/db/repositories/import-writes';
import { freePort } from '../src/dev/temporal-server';
import { companyToRecord } from '../src/domain/intercom-mapping';
import type { IntercomCompany } from '../src/domain/intercom-types';
import {
  ROOT,
  appendBenchmarks,
  describeMachine,
  fmt,
  numberOption,
  UNTHROTTLED_PER_MINUTE,
  sleep,
  startBenchStack,
  waitFor,
  withCleanup,
  topStatements,
  cpuSnapshot,
  type BenchStack,
  optionsOrExitCode,
} from './stack';
import type { GeneratorConfig, GeneratorResults } from './webhook-generator';

/**
 * `npm run bench -- live [--rate R] [--seconds S]`
 *
 * Live-sync latency on the real stack: after importing a seeded fake workspace through our API, updates company i
 * through the fake's write API (POST /companies, name `bench-<i>`) at R per second for S seconds. Each update makes
 * the fake send a signed company.updated webhook to our API (POST /webhooks/intercom → inbox → coalesced signal →
 * source workflow → applyInbox). Latency per event = when the record carries its new name in PostgreSQL
 * (customer_records.updated_at) − when the fake started delivering the webhook. Appends the results to
 * BENCHMARKS.md; the last line of output is a JSON summary.
 */

const USAGE = `Usage: npm run bench -- live [options]
  --rate R          company updates (webhooks) per second (default 200)
  --seconds S       how long the load lasts (default 60)
  --contacts N      visible contacts in the fake workspace (default 200; companies = rate × seconds + 100)
  --seed S          workspace seed (default 1)
  --drain-timeout S how long to wait for the inbox to drain after the load (default 300)
  --generator G     fake: updates through the fake's write API, which delivers the webhooks (default up to 200/s);
                    lean: a separate process posts signed notifications straight to our endpoint (default above)
  --continue-as-new-after N  the source workflow's continue-as-new threshold in history events (default 5000);
                    low values put run boundaries inside the load
  --drain-for D     the longest drainInbox activity, e.g. '10 seconds' (the default)
  --statements      load pg_stat_statements and report the statements PostgreSQL spent its time on
  --companies N     (lean) update N companies in turn, so a long run needs no larger import: only each company's
                    last update is checked against the CRM, the others by their inbox rows (applied, and when)
  --verbose         echo the worker's output
Small smoke run: npm run bench -- live --rate 50 --seconds 5`;

/** Update requests in flight at once; the schedule, not the answers, paces the load. */
const MAX_IN_FLIGHT = 64;
/** Notifications the lean generator has open at once (Intercom, too, delivers in parallel). */
const LEAN_MAX_IN_FLIGHT = 64;
const TARGETS = { p50Ms: 200, p99Ms: 1000 };

interface Options {
  rate: number;
  seconds: number;
  contacts: number;
  seed: number;
  drainTimeoutS: number;
  generator: 'fake' | 'lean';
  continueAsNewAfter?: number;
  drainFor?: string;
  statements: boolean;
  /** Companies updated by the load (lean only): event i updates company i mod this; default one per event. */
  companies?: number;
  verbose: boolean;
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      rate: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '60' },
      contacts: { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
      'drain-timeout': { type: 'string', default: '300' },
      generator: { type: 'string' },
      'continue-as-new-after': { type: 'string' },
      'drain-for': { type: 'string' },
      statements: { type: 'boolean', default: false },
      companies: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const rate = numberOption('rate', values.rate, 0.1, false);
  const generator = values.generator ?? (rate > 200 ? 'lean' : 'fake');
  if (generator !== 'fake' && generator !== 'lean') throw new Error(`--generator must be fake or lean`);
  return {
    generator,
    continueAsNewAfter:
      values['continue-as-new-after'] === undefined
        ? undefined
        : numberOption('continue-as-new-after', values['continue-as-new-after'], 10),
    drainFor: values['drain-for'],
    statements: values.statements,
    companies: values.companies === undefined ? undefined : numberOption('companies', values.companies, 1),
    rate,
    seconds: numberOption('seconds', values.seconds, 1),
    contacts: numberOption('contacts', values.contacts, 0),
    seed: numberOption('seed', values.seed, 0),
    drainTimeoutS: numberOption('drain-timeout', values['drain-timeout'], 1),
    verbose: values.verbose,
  };
}

// ---------------------------------------------------------------- statistics

interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles. */
function stats(values: number[]): Stats {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { n: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const at = (p: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))];
  return {
    n: v.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: v[v.length - 1],
    mean: v.reduce((s, x) => s + x, 0) / v.length,
  };
}

const ms = (n: number) => (Number.isFinite(n) ? `${fmt(n)} ms` : '?');

/** Last minus first of many timestamps (a spread into Math.max overflows the stack on a ten-minute run). */
function spanMs(times: number[]): number {
  let min = Infinity;
  let max = -Infinity;
  for (const t of times) {
    if (t < min) min = t;
    if (t > max) max = t;
  }
  return max - min;
}
const statsText = (s: Stats) =>
  s.n === 0 ? 'none' : `p50 ${ms(s.p50)}, p95 ${ms(s.p95)}, p99 ${ms(s.p99)}, max ${ms(s.max)} (n ${fmt(s.n)})`;
const cell = (n: number) => (Number.isFinite(n) ? fmt(n) : '–');
const statsRow = (label: string, s: Stats) =>
  `| ${label} | ${cell(s.p50)} | ${cell(s.p95)} | ${cell(s.p99)} | ${cell(s.max)} | ${cell(s.mean)} |`;

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

// ---------------------------------------------------------------- webhook delivery tap

interface Delivery {
  /** When the fake started its first POST of this notification to our endpoint (Date.now()). */
  startMs: number;
  /** When our API answered that POST. */
  ackMs?: number;
  status?: number;
  attempts: number;
}

/**
 * The fake runs in this process and delivers webhooks with the global fetch, which the benchmark wraps (the fake
 * itself is not changed): every POST to our webhook URL is timed, keyed by the company name it carries.
 */
function tapWebhookDeliveries(webhookUrl: string): { deliveries: Map<string, Delivery>; restore(): void } {
  const original = globalThis.fetch;
  const deliveries = new Map<string, Delivery>();
  const tapped: typeof fetch = async (input, init) => {
    if (input !== webhookUrl || typeof init?.body !== 'string') return original(input, init);
    const startMs = Date.now();
    let name: string | undefined;
    try {
      name = JSON.parse(init.body)?.data?.item?.name;
    } catch {
      // not ours
    }
    let d = name === undefined ? undefined : deliveries.get(name);
    if (name !== undefined && !d) deliveries.set(name, (d = { startMs, attempts: 0 }));
    if (d) d.attempts++;
    const res = await original(input, init);
    if (d) {
      d.ackMs = Date.now();
      d.status = res.status;
    }
    return res;
  };
  globalThis.fetch = tapped;
  return { deliveries, restore: () => void (globalThis.fetch = original) };
}

// ---------------------------------------------------------------- import

async function importSource(stack: BenchStack): Promise<{ sourceId: string; seconds: number }> {
  const { call, fake, worker } = stack;
  const created = await call('POST', '/v1/data_sources', { name: 'Live benchmark workspace', system: 'Intercom' });
  if (created.status !== 201) throw new Error(`create source: HTTP ${created.status} ${JSON.stringify(created.body)}`);
  const sourceId: string = created.body.uuid;
  const token = await call('POST', `/v1/data_sources/${sourceId}/intercom/token`, { access_token: fake.accessToken });
  if (token.status !== 202) throw new Error(`token: HTTP ${token.status} ${JSON.stringify(token.body)}`);
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
  const importAt = Date.now();
  const started = await call('POST', `/v1/data_sources/${sourceId}/intercom/import`, {
    companies: true,
    contacts: true,
    custom_attributes: {
      company: fields.body.company.map((f: { name: string }) => f.name),
      contact: fields.body.contact.map((f: { name: string }) => f.name),
    },
  });
  if (started.status !== 202) throw new Error(`import: HTTP ${started.status} ${JSON.stringify(started.body)}`);
  const liveAt = await waitFor(
    async () => {
      if (worker.exited()) throw new Error(`the worker process exited:\n${worker.output()}`);
      const [row] = await stack.db.query(`SELECT status, last_error FROM sources WHERE id = $1`, [sourceId]);
      if (row?.status === 'needs_reconnect') throw new Error(`the source needs a reconnect: ${row.last_error}`);
      return row?.status === 'live' ? Date.now() : undefined;
    },
    'the import to finish (status live)',
    { timeoutMs: 30 * 60_000, everyMs: 200 },
  );
  return { sourceId, seconds: (liveAt - importAt) / 1000 };
}

// ---------------------------------------------------------------- load

interface Sent {
  /** Scheduled send time: start + i / rate. */
  dueMs: number;
  sentMs: number;
  /** When the fake answered the update (it has queued the webhook by then). */
  returnedMs?: number;
  status?: number;
}

async function runLoad(
  stack: BenchStack,
  targets: Array<{ company_id: string }>,
  o: Options,
): Promise<{ sent: Sent[]; startMs: number; maxInFlightWaits: number }> {
  const { fake } = stack;
  const n = targets.length;
  const sent: Sent[] = new Array(n);
  const inFlight = new Set<Promise<void>>();
  let maxInFlightWaits = 0;
  let errors = 0;
  const update = async (i: number, s: Sent) => {
    try {
      const res = await fetch(`${fake.url}/companies`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${fake.accessToken}`,
          'Content-Type': 'application/json',
          Accept: 'application/json',
        },
        body: JSON.stringify({ company_id: targets[i].company_id, name: `bench-${i}` }),
      });
      await res.arrayBuffer();
      s.status = res.status;
      if (res.status !== 200) errors++;
    } catch {
      errors++;
    }
    s.returnedMs = Date.now();
  };
  const startMs = Date.now() + 50;
  let lastPrint = startMs;
  for (let i = 0; i < n; i++) {
    const dueMs = startMs + (i * 1000) / o.rate;
    const wait = dueMs - Date.now();
    if (wait > 0) await sleep(wait);
    while (inFlight.size >= MAX_IN_FLIGHT) {
      maxInFlightWaits++;
      await Promise.race(inFlight);
    }
    const s: Sent = { dueMs, sentMs: Date.now() };
    sent[i] = s;
    const p: Promise<void> = update(i, s).finally(() => inFlight.delete(p));
    inFlight.add(p);
    const now = Date.now();
    if (now - lastPrint >= 5000) {
      lastPrint = now;
      console.log(
        `  ${((now - startMs) / 1000).toFixed(0).padStart(4)} s  sent ${fmt(i + 1)}, webhooks acknowledged ` +
          `${fmt(fake.webhooks.sent())}, pending in the fake ${fmt(fake.webhooks.pending())}`,
      );
    }
  }
  await Promise.all(inFlight);
  if (errors > 0) throw new Error(`${errors} of ${n} updates through the fake's write API failed`);
  return { sent, startMs, maxInFlightWaits };
}

// ---------------------------------------------------------------- lean load (a generator process)

/** The REST company (GET /companies/{id}) as a webhook's data.item carries it (the fake's webhookCompany shape). */
function webhookItem(c: any): Record<string, unknown> {
  const iso = (sec: unknown) =>
    typeof sec === 'number' ? new Date(sec * 1000).toISOString().replace('Z', '+00:00') : null;
  return {
    type: 'company',
    id: c.id,
    company_id: c.company_id,
    app_id: c.app_id,
    name: null, // set by the generator: bench-<event>
    remote_created_at: iso(c.remote_created_at),
    created_at: iso(c.created_at),
    updated_at: null, // set by the generator at send time
    last_request_at: iso(c.last_request_at),
    size: c.size ?? null,
    website: c.website ?? null,
    industry: c.industry ?? null,
    monthly_spend: c.monthly_spend,
    session_count: c.session_count,
    user_count: c.user_count,
    plan: c.plan ? { type: 'plan', id: c.plan.id, name: c.plan.name } : null,
    tag_ids: [],
    custom_attributes: { ...c.custom_attributes },
  };
}

/**
 * Runs bench/webhook-generator.ts in its own process: it posts the signed notifications for company i (name
 * `bench-<i>`) straight to our endpoint at the scheduled times and reports when each POST started and was answered.
 * The fake's store is not changed on this path (its REST answers keep the old names, older than the notifications).
 */
async function runLeanLoad(
  stack: BenchStack,
  companies: any[],
  o: Options,
  webhookUrl: string,
  deliveries: Map<string, Delivery>,
): Promise<{
  sent: Sent[];
  startMs: number;
  maxInFlightWaits: number;
  maxLagMs: number;
  acknowledged: number;
  generatorCpuMs: number;
}> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'live-bench-'));
  try {
    const configPath = path.join(dir, 'config.json');
    const resultsPath = path.join(dir, 'results.json');
    const startMs = Date.now() + 3000; // after the generator process has started
    const config: GeneratorConfig = {
      url: webhookUrl,
      secret: stack.fake.clientSecret,
      appId: stack.fake.appId,
      rate: o.rate,
      startAtMs: startMs,
      maxInFlight: LEAN_MAX_IN_FLIGHT,
      events: Math.round(o.rate * o.seconds),
      items: companies.map((c) => webhookItem(c)),
    };
    await fs.writeFile(configPath, JSON.stringify(config));
    const child = spawn(
      path.join(ROOT, 'node_modules/.bin/tsx'),
      ['bench/webhook-generator.ts', configPath, resultsPath],
      {
        cwd: ROOT,
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    if (code !== 0) throw new Error(`the webhook generator exited with code ${code}`);
    const r: GeneratorResults = JSON.parse(await fs.readFile(resultsPath, 'utf8'));
    const sent: Sent[] = r.startMs.map((_, i) => ({
      dueMs: startMs + (i * 1000) / o.rate,
      sentMs: r.startMs[i],
      returnedMs: r.startMs[i], // no queue in between: the generator posts to our endpoint itself
      status: r.status[i],
    }));
    let acknowledged = 0;
    r.startMs.forEach((_, i) => {
      if (r.ackMs[i] > 0) acknowledged++;
      deliveries.set(`bench-${i}`, {
        startMs: r.startMs[i],
        ackMs: r.ackMs[i] > 0 ? r.ackMs[i] : undefined,
        status: r.status[i],
        attempts: r.attempts[i],
      });
    });
    return {
      sent,
      startMs,
      maxInFlightWaits: r.inFlightCapHits,
      maxLagMs: r.maxLagMs,
      acknowledged,
      generatorCpuMs: r.cpuMs,
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- write-path probe

interface WriteProbe {
  synchronousCommit: string;
  /** One-row INSERT in its own transaction (what every commit costs on this disk). */
  commitMs: number;
  /** ImportWrites.upsertCustomerRecords with one record per call, as applyInbox calls it. */
  perRecordCallMs: number;
  /** The same records in one call. */
  batchedPerRecordMs: number;
  records: number;
}

/**
 * After the measurement, with the stack idle: times the write applyInbox makes for each company event, one record
 * per call (as now) and the same records in one call, plus a bare commit. Rewrites companies with their current
 * data (same names; custom attributes left out), after everything the benchmark checks has been read.
 */
async function probeWrites(stack: BenchStack, sourceId: string, ids: string[]): Promise<WriteProbe> {
  const db = stack.db;
  const [{ synchronous_commit: synchronousCommit }] = await db.query(`SHOW synchronous_commit`);
  await db.query(`CREATE TABLE bench_commit_probe (i int)`);
  const commits = 100;
  let t = performance.now();
  for (let i = 0; i < commits; i++) await db.query(`INSERT INTO bench_commit_probe VALUES ($1)`, [i]);
  const commitMs = (performance.now() - t) / commits;
  await db.query(`DROP TABLE bench_commit_probe`);

  const wanted = new Set(ids);
  const companies = (stack.fake.store.companies() as unknown as IntercomCompany[]).filter((c) => wanted.has(c.id));
  const records = companies.map((c) => companyToRecord(c, { names: [], dataTypes: new Map() }));
  const [{ g }] = await db.query(
    `SELECT coalesce(max(generation), 1)::int AS g FROM customer_records WHERE source_id = $1`,
    [sourceId],
  );
  const writes = new ImportWrites(db);
  t = performance.now();
  for (const r of records) await writes.upsertCustomerRecords(sourceId, [r], g);
  const perRecordCallMs = (performance.now() - t) / records.length;
  t = performance.now();
  await writes.upsertCustomerRecords(sourceId, records, g);
  const batchedPerRecordMs = (performance.now() - t) / records.length;
  return { synchronousCommit, commitMs, perRecordCallMs, batchedPerRecordMs, records: records.length };
}

// ---------------------------------------------------------------- Temporal history

const tsMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  t ? Number(String(t.seconds ?? 0)) * 1000 + (t.nanos ?? 0) / 1e6 : NaN;

/** The activities that apply the inbox: drainInbox, or applyInbox before the drain-inbox patch. */
const INBOX_ACTIVITIES = new Set(['applyInbox', 'drainInbox']);

interface RunInfo {
  runId: string;
  /** First and last event of the run (its start, and its continue-as-new or latest event). */
  firstMs: number;
  lastMs: number;
  /** The run's first inbox activity scheduled, and its last inbox activity closed. */
  firstInboxMs?: number;
  lastInboxDoneMs?: number;
  events: number;
  /** inboxHasWork signals the run recorded (all of them, not only the load window's). */
  signals: number;
  status: string;
}

/** Temporal's defaults: history.maximumSignalsPerExecution, and the event count it warns at (and fails at 51,200). */
const SIGNAL_LIMIT = 10_000;
const HISTORY_WARN_EVENTS = 10_240;

interface HistoryAnalysis {
  runs: RunInfo[];
  /** inboxHasWork signals from the load's start on. */
  signals: number;
  applyInboxCalls: number;
  applied: number[];
  applyScheduleToStartMs: number[];
  applyStartToCloseMs: number[];
  /** Per event: an applyInbox call's duration ÷ the rows it applied. */
  perEventMs: number[];
  /** From an applyInbox completing to the next one being scheduled (a workflow task in between). */
  applyGapMs: number[];
  wfTaskScheduleToStartMs: number[];
  wfTaskStartToCloseMs: number[];
  /** From a signal (or, when it came during a call, that call's end) to the next applyInbox scheduled. */
  signalToApplyMs: number[];
}

function decodeResult(e: any): { applied?: number } {
  const data = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
  if (!data) return {};
  try {
    return JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return {};
  }
}

async function analyseHistory(stack: BenchStack, sourceId: string, fromMs: number): Promise<HistoryAnalysis> {
  const workflowId = `source:${sourceId}`;
  const runIds = new Map<string, string>();
  for await (const info of stack.client.workflow.list({ query: `WorkflowId="${workflowId}"` }))
    runIds.set(info.runId, info.status.name);
  // Visibility can lag; the current run is always known to describe().
  const current = await stack.client.workflow.getHandle(workflowId).describe();
  runIds.set(current.runId, current.status.name);

  const a: HistoryAnalysis = {
    runs: [],
    signals: 0,
    applyInboxCalls: 0,
    applied: [],
    applyScheduleToStartMs: [],
    applyStartToCloseMs: [],
    perEventMs: [],
    applyGapMs: [],
    wfTaskScheduleToStartMs: [],
    wfTaskStartToCloseMs: [],
    signalToApplyMs: [],
  };
  for (const [runId, status] of runIds) {
    const history = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events: any[] = history.events ?? [];
    const run: RunInfo = {
      runId,
      events: events.length,
      signals: 0,
      status,
      firstMs: tsMs(events[0]?.eventTime),
      lastMs: tsMs(events[events.length - 1]?.eventTime),
    };
    a.runs.push(run);
    const scheduled = new Map<string, { ms: number; name: string; startedMs?: number }>();
    const wfTasks = new Map<string, { ms: number; startedMs?: number }>();
    let lastApplyDoneMs: number | undefined;
    let pendingSignalMs: number | undefined;
    for (const e of events) {
      const t = tsMs(e.eventTime);
      // Every event builds the maps (so ids resolve); only those of the load window count.
      const inWindow = t >= fromMs;
      if (e.workflowExecutionSignaledEventAttributes?.signalName === 'inboxHasWork') run.signals++;
      if (e.workflowExecutionSignaledEventAttributes?.signalName === 'inboxHasWork' && inWindow) {
        a.signals++;
        pendingSignalMs ??= t;
      } else if (e.workflowTaskScheduledEventAttributes) {
        wfTasks.set(String(e.eventId), { ms: t });
      } else if (e.workflowTaskStartedEventAttributes) {
        const w = wfTasks.get(String(e.workflowTaskStartedEventAttributes.scheduledEventId));
        if (w) {
          w.startedMs = t;
          if (inWindow) a.wfTaskScheduleToStartMs.push(t - w.ms);
        }
      } else if (e.workflowTaskCompletedEventAttributes) {
        const w = wfTasks.get(String(e.workflowTaskCompletedEventAttributes.scheduledEventId));
        if (w?.startedMs !== undefined && inWindow) a.wfTaskStartToCloseMs.push(t - w.startedMs);
      } else if (e.activityTaskScheduledEventAttributes) {
        const name = e.activityTaskScheduledEventAttributes.activityType?.name ?? '?';
        scheduled.set(String(e.eventId), { ms: t, name });
        if (INBOX_ACTIVITIES.has(name)) run.firstInboxMs ??= t;
        if (INBOX_ACTIVITIES.has(name) && inWindow) {
          if (pendingSignalMs !== undefined)
            a.signalToApplyMs.push(t - Math.max(pendingSignalMs, lastApplyDoneMs ?? 0));
          else if (lastApplyDoneMs !== undefined) a.applyGapMs.push(t - lastApplyDoneMs);
          pendingSignalMs = undefined;
        }
      } else if (e.activityTaskStartedEventAttributes) {
        const s = scheduled.get(String(e.activityTaskStartedEventAttributes.scheduledEventId));
        if (s) {
          s.startedMs = t;
          if (INBOX_ACTIVITIES.has(s.name) && inWindow) a.applyScheduleToStartMs.push(t - s.ms);
        }
      } else if (e.activityTaskCompletedEventAttributes) {
        const s = scheduled.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId));
        if (s && INBOX_ACTIVITIES.has(s.name) && inWindow) {
          a.applyInboxCalls++;
          const { applied } = decodeResult(e);
          const took = s.startedMs === undefined ? NaN : t - s.startedMs;
          a.applyStartToCloseMs.push(took);
          if (typeof applied === 'number') {
            a.applied.push(applied);
            if (applied > 0) a.perEventMs.push(took / applied);
          }
          lastApplyDoneMs = t;
          run.lastInboxDoneMs = t;
        }
      }
    }
  }
  return a;
}

// ---------------------------------------------------------------- report

const METHOD = `## live

\`npm run bench -- live --rate 200 --seconds 60\` measures live sync: how long after Intercom delivers a webhook the
change is visible in PostgreSQL. It seeds the fake Intercom with \`rate × seconds + 100\` companies (and a few contacts),
imports the workspace through our API on the same stack as the backfill benchmark (embedded PostgreSQL, a Temporal dev
server in memory, the worker in a child process; the API, the fake and the load generator share the benchmark
process), waits for the source to be \`live\`, then updates company _i_ through the fake's write API
(\`POST /companies\` with its \`company_id\` and the name \`bench-<i>\`) at \`--rate\` per second for \`--seconds\`, each
sent at its scheduled time \`start + i / rate\` (no sleep-after-each drift). Each update makes the fake send one signed
\`company.updated\` webhook to our \`POST /webhooks/intercom\` (signature check, inbox row, coalesced
\`inboxHasWork\` signal → the source workflow → \`applyInbox\` batches of up to 200). Every event updates a different
company exactly once.

- **delivery**: when the fake _starts_ the webhook POST to our endpoint. The fake runs in the benchmark process and
  delivers with the global \`fetch\`, which the benchmark wraps to time each POST (the fake is unchanged). The fake
  delivers one notification at a time, as its queue is written, so when our endpoint answers slower than the send
  interval, webhooks queue in the fake; that queueing is shown separately (from the update returning).
- **visible**: \`customer_records.updated_at\` of the company, set by \`now()\` in the transaction that wrote the new
  name (the transaction's start, a few ms before its commit); \`webhook_inbox.processed_at\` (set after the whole batch)
  is the upper bound. The API, PostgreSQL and the benchmark share one machine clock.
- **latency** = visible − delivery, per event; **lost** = events whose company does not carry its \`bench-<i>\` name once
  the fake has delivered everything and the inbox is drained (must be 0).
- **history events**: every run of \`source:<id>\` (continue-as-new after 5,000 events by default) is listed and its
  history fetched; the largest is reported, with the number of runs and the workflow/activity timings from them.

Targets at 200 events/s: p50 < 200 ms, p99 < 1 s, lost 0. The machine has 2 cores shared by everything (PostgreSQL,
Temporal, the worker, the API, the fake and the load generator).
`;

export async function run(argv: string[]): Promise<number> {
  const o = optionsOrExitCode(argv, parseOptions, USAGE);
  if (typeof o === 'number') return o;
  const events = Math.round(o.rate * o.seconds);
  if (o.companies !== undefined && o.generator !== 'lean') throw new Error('--companies needs --generator lean');
  // Event i updates target i mod `updated`; the last event of each target is the one the CRM must show.
  const updated = Math.min(events, o.companies ?? events);
  const isLastOfTarget = (i: number) => i + updated >= events;
  const companies = updated + 100;

  return withCleanup(async (cleanup) => {
    const date = new Date();
    console.log(
      `live benchmark: ${o.rate} updates/s for ${o.seconds} s = ${fmt(events)} events; ` +
        `${fmt(companies)} companies, ${fmt(o.contacts)} contacts, seed ${o.seed}`,
    );
    console.log(`  machine        ${describeMachine()}`);
    const apiPort = await freePort();
    const webhookUrl = `http://127.0.0.1:${apiPort}/webhooks/intercom`;
    const tap = tapWebhookDeliveries(webhookUrl);
    cleanup.add('webhook tap', () => tap.restore());
    const stack = await startBenchStack(
      {
        fake: {
          companies,
          contacts: o.contacts,
          seed: o.seed,
          rateLimitPerMinute: UNTHROTTLED_PER_MINUTE,
          webhookUrl,
          // Intercom delivers notifications in parallel; one at a time the fake could not reach the rate.
          webhookConcurrency: 16,
          // Lenient retries (benchmarks only): a delivery lost to a momentary overload would otherwise be dropped
          // after one retry a minute later, and the benchmark measures latency, not healing.
          webhookDelivery: 'lenient',
        },
        partitions: 8,
        verbose: o.verbose,
        statementStats: o.statements,
        apiPort,
        tuning: { continueAsNewAfterEvents: o.continueAsNewAfter, drainFor: o.drainFor as Duration | undefined },
      },
      cleanup,
    );
    if (!stack.api.url.endsWith(`:${apiPort}`)) throw new Error(`the API is on ${stack.api.url}, not port ${apiPort}`);

    console.log('\n[1/3] import through the API');
    const imported = await importSource(stack);
    const { sourceId } = imported;
    const [{ n: recordCount }] = await stack.db.query(
      `SELECT count(*)::int AS n FROM customer_records WHERE source_id = $1`,
      [sourceId],
    );
    console.log(
      `  source ${sourceId} live after ${imported.seconds.toFixed(1)} s, ${fmt(recordCount)} company records`,
    );
    if (recordCount !== companies) throw new Error(`expected ${companies} company records, found ${recordCount}`);
    // Let the workflow settle (the first live step drains the empty inbox).
    await sleep(2000);

    // Company i of the load: the seeded companies in order, by their Intercom id (our external_id).
    const targetCompanies = stack.fake.store.companies().slice(0, updated);
    const targets = targetCompanies.map((c: any) => ({ id: String(c.id), company_id: String(c.company_id) }));
    if (targets.length !== updated) throw new Error(`the fake holds only ${targets.length} companies`);

    const commitsNow = async (): Promise<number> =>
      Number(
        (await stack.db.query(`SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`))[0]
          .xact_commit,
      );
    const commitsBefore = await commitsNow();
    if (o.statements) await stack.db.query('SELECT pg_stat_statements_reset()');
    const cpuBefore = await cpuSnapshot(stack.worker.nodePid);
    // Pauses of this process (the API, and the fake's store) while it answers the webhooks: garbage collections
    // and event-loop delay, to tell them from waiting on PostgreSQL in the endpoint's answer time.
    const gcPausesMs: number[] = [];
    const gcObserver = new PerformanceObserver((list) => list.getEntries().forEach((e) => gcPausesMs.push(e.duration)));
    gcObserver.observe({ entryTypes: ['gc'] });
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();

    console.log(`\n[2/3] load: ${fmt(events)} company updates at ${o.rate}/s (${o.generator} generator)`);
    const lean =
      o.generator === 'lean' ? await runLeanLoad(stack, targetCompanies, o, webhookUrl, tap.deliveries) : undefined;
    const load = lean ?? (await runLoad(stack, targets, o));
    const loadEndMs = Date.now();
    const sendTimes = load.sent.map((s) => s.sentMs);
    const sendSpanS = spanMs(sendTimes) / 1000;
    const achievedRate = events / (sendSpanS + 1 / o.rate);
    const sendLag = stats(load.sent.map((s) => s.sentMs - s.dueMs));
    console.log(
      `  sent ${fmt(events)} in ${sendSpanS.toFixed(1)} s: ${fmt(achievedRate, 1)} updates/s achieved; ` +
        `send lag behind schedule ${statsText(sendLag)}`,
    );

    console.log('\n[3/3] waiting for the fake to deliver everything and the inbox to drain');
    const drainDeadline = loadEndMs + o.drainTimeoutS * 1000;
    let drained = await Promise.race([
      stack.fake.webhooks.drained().then(() => true),
      sleep(o.drainTimeoutS * 1000).then(() => false),
    ]);
    const deliveredAtMs = Date.now();
    console.log(
      `  fake ${drained ? 'drained' : 'NOT drained'} ${((deliveredAtMs - loadEndMs) / 1000).toFixed(1)} s after the ` +
        `load: ${fmt(stack.fake.webhooks.sent())} acknowledged, ${fmt(stack.fake.webhooks.failed())} given up, ` +
        `${fmt(stack.fake.webhooks.attempts())} attempts`,
    );
    try {
      await waitFor(
        async () => {
          const [{ n }] = await stack.db.query(
            `SELECT count(*)::int AS n FROM webhook_inbox WHERE source_id = $1 AND processed_at IS NULL`,
            [sourceId],
          );
          return n === 0 ? true : undefined;
        },
        'the inbox to drain',
        { timeoutMs: Math.max(1000, drainDeadline - Date.now()), everyMs: 100 },
      );
    } catch (err) {
      drained = false;
      console.error(`  ${err instanceof Error ? err.message : String(err)}`);
    }
    const inboxDrainedS = (Date.now() - loadEndMs) / 1000;
    const commitsPerEvent = ((await commitsNow()) - commitsBefore) / events;
    const statements = o.statements ? await topStatements(stack.db, 6) : [];
    const cpuAfter = await cpuSnapshot(stack.worker.nodePid);
    gcObserver.disconnect();
    loopDelay.disable();
    const gc = stats(gcPausesMs);
    const pauses =
      `garbage collections ${fmt(gc.n)} (p99 ${ms(gc.p99)}, max ${ms(gc.max)}, ` +
      `${fmt(gcPausesMs.reduce((a, b) => a + b, 0) / 1000, 1)} s in all); event-loop delay p99 ` +
      `${ms(loopDelay.percentile(99) / 1e6)}, max ${ms(loopDelay.max / 1e6)}`;
    const wallS = (cpuAfter.atMs - cpuBefore.atMs) / 1000;
    const cpu = {
      wallS,
      apiMsPerEvent: (cpuAfter.selfMs - cpuBefore.selfMs) / events,
      workerMsPerEvent: (cpuAfter.workerMs - cpuBefore.workerMs) / events,
      postgresMsPerEvent: (cpuAfter.postgresMs - cpuBefore.postgresMs) / events,
      temporalMsPerEvent: (cpuAfter.temporalMs - cpuBefore.temporalMs) / events,
      generatorMsPerEvent: (lean?.generatorCpuMs ?? 0) / events,
      machineBusyPct:
        (100 * (cpuAfter.machineBusyMs - cpuBefore.machineBusyMs)) /
        (cpuAfter.machineTotalMs - cpuBefore.machineTotalMs),
    };
    console.log(`  inbox drained ${inboxDrainedS.toFixed(1)} s after the load`);

    // ---- results from PostgreSQL
    const records: Array<{ external_id: string; name: string; updated_ms: number }> = await stack.db.query(
      `SELECT external_id, name, extract(epoch FROM updated_at) * 1000 AS updated_ms
       FROM customer_records WHERE source_id = $1 AND external_id = ANY($2)`,
      [sourceId, targets.map((t) => t.id)],
    );
    const inboxRows: Array<{ name: string; received_ms: number; processed_ms: number | null }> = await stack.db.query(
      `SELECT (payload::jsonb)->'data'->'item'->>'name' AS name, extract(epoch FROM received_at) * 1000 AS received_ms,
         extract(epoch FROM processed_at) * 1000 AS processed_ms
       FROM webhook_inbox WHERE source_id = $1 AND topic = 'company.updated'`,
      [sourceId],
    );
    const recordById = new Map(records.map((r) => [r.external_id, r]));
    const inboxByName = new Map(inboxRows.map((r) => [r.name, r]));

    const latency: number[] = [];
    const latencyFromUpdate: number[] = [];
    const fakeQueue: number[] = [];
    const apiAck: number[] = [];
    const toInbox: number[] = [];
    const inboxToVisible: number[] = [];
    const visibleToProcessed: number[] = [];
    const toProcessed: number[] = [];
    let lost = 0;
    let undelivered = 0;
    for (let i = 0; i < events; i++) {
      const name = `bench-${i}`;
      const record = recordById.get(targets[i % updated].id);
      const delivery = tap.deliveries.get(name);
      const sent = load.sent[i];
      if (!delivery) undelivered++;
      if (!isLastOfTarget(i)) {
        // Overwritten by a later event of its company: applied is all the CRM can show of it.
        const inbox = inboxByName.get(name);
        if (inbox?.processed_ms == null) lost++;
        else if (delivery) {
          if (delivery.ackMs !== undefined) apiAck.push(delivery.ackMs - delivery.startMs);
          toInbox.push(Number(inbox.received_ms) - delivery.startMs);
          toProcessed.push(Number(inbox.processed_ms) - delivery.startMs);
        }
        continue;
      }
      if (record?.name !== name) {
        lost++;
        continue;
      }
      const visible = Number(record.updated_ms);
      const inbox = inboxByName.get(name);
      if (delivery) {
        latency.push(visible - delivery.startMs);
        if (sent.returnedMs !== undefined) fakeQueue.push(delivery.startMs - sent.returnedMs);
        if (delivery.ackMs !== undefined) apiAck.push(delivery.ackMs - delivery.startMs);
        if (inbox) toInbox.push(Number(inbox.received_ms) - delivery.startMs);
        if (inbox?.processed_ms != null) toProcessed.push(Number(inbox.processed_ms) - delivery.startMs);
      }
      if (sent.returnedMs !== undefined) latencyFromUpdate.push(visible - sent.returnedMs);
      if (inbox) inboxToVisible.push(visible - Number(inbox.received_ms));
      if (inbox?.processed_ms != null) visibleToProcessed.push(Number(inbox.processed_ms) - visible);
    }
    const L = stats(latency);
    const LU = stats(latencyFromUpdate);
    const retried = [...tap.deliveries.values()].filter((d) => d.attempts > 1).length;
    const starts = [...tap.deliveries.values()].map((d) => d.startMs);
    const deliverySpanS = spanMs(starts) / 1000;
    const deliveredRate = starts.length / (deliverySpanS + 1 / o.rate);

    console.log('\nWrite-path probe (stack idle)');
    const probe = await probeWrites(
      stack,
      sourceId,
      targets.slice(0, 200).map((t) => t.id),
    );
    console.log(
      `  synchronous_commit ${probe.synchronousCommit}; bare commit ${probe.commitMs.toFixed(1)} ms; ` +
        `upsertCustomerRecords one record per call ${probe.perRecordCallMs.toFixed(1)} ms/record, ` +
        `${probe.records} in one call ${probe.batchedPerRecordMs.toFixed(2)} ms/record`,
    );

    console.log('\nTemporal histories');
    const h = await analyseHistory(stack, sourceId, load.startMs);
    const maxHistory = Math.max(...h.runs.map((r) => r.events));
    const appliedStats = stats(h.applied);
    const appliedTotal = h.applied.reduce((s, x) => s + x, 0);

    // Run boundaries inside the measurement: how long the inbox went unattended (the last inbox activity of a run
    // closed → the next run's first scheduled), and the latency of the events delivered around each boundary.
    const byStart = [...h.runs].sort((x, y) => x.firstMs - y.firstMs);
    const boundaries = byStart
      .slice(1)
      .map((r, k) => ({ atMs: r.firstMs, gapMs: (r.firstInboxMs ?? NaN) - (byStart[k].lastInboxDoneMs ?? NaN) }))
      .filter((b) => b.atMs >= load.startMs);
    const nearBoundary: number[] = [];
    for (let i = 0; i < events; i++) {
      const d = tap.deliveries.get(`bench-${i}`);
      const rec = recordById.get(targets[i % updated].id);
      if (!d || rec?.name !== `bench-${i}`) continue;
      if (boundaries.some((b) => d.startMs >= b.atMs - 2000 && d.startMs <= b.atMs + 1000))
        nearBoundary.push(Number(rec.updated_ms) - d.startMs);
    }
    const NB = stats(nearBoundary);

    const warnings: string[] = [];
    if (h.runs.some((r) => r.signals >= SIGNAL_LIMIT))
      warnings.push(
        `A run recorded ${fmt(SIGNAL_LIMIT)} signals, Temporal's limit per run (history.maximumSignalsPerExecution): ` +
          `later signals were refused (the API logs "could not signal the source workflow") until continue-as-new.`,
      );
    if (maxHistory > HISTORY_WARN_EVENTS)
      warnings.push(
        `A run's history grew to ${fmt(maxHistory)} events, past Temporal's warning at ${fmt(HISTORY_WARN_EVENTS)} ` +
          `(it fails the run at 51,200): continue-as-new did not happen while the inbox kept receiving.`,
      );
    const verdict = (ok: boolean) => (ok ? 'meets the target' : 'MISSES the target');
    const stageRows = [
      `| stage (ms) | p50 | p95 | p99 | max | mean |`,
      `| --- | ---: | ---: | ---: | ---: | ---: |`,
      statsRow('**delivery → visible (the latency)**', L),
      statsRow('update returned → visible (incl. the fake’s queue)', LU),
      statsRow('update returned → delivery (the fake’s delivery queue, 16 at a time)', stats(fakeQueue)),
      statsRow('delivery → our 200 answer (webhook endpoint)', stats(apiAck)),
      statsRow('delivery → inbox row (received_at)', stats(toInbox)),
      statsRow('inbox row → visible (workflow, drainInbox)', stats(inboxToVisible)),
      statsRow('visible → batch marked processed', stats(visibleToProcessed)),
      statsRow('delivery → processed_at (upper bound of visible)', stats(toProcessed)),
      statsRow('delivery → visible, delivered 2 s before to 1 s after a run boundary', NB),
    ];
    const temporalRows = [
      `| Temporal, from the load's start until drained (ms) | p50 | p95 | p99 | max | mean |`,
      `| --- | ---: | ---: | ---: | ---: | ---: |`,
      statsRow(`inbox activity start → close (${fmt(h.applyInboxCalls)} calls)`, stats(h.applyStartToCloseMs)),
      statsRow('inbox activity schedule → start', stats(h.applyScheduleToStartMs)),
      statsRow('inbox activity duration ÷ rows applied (per event)', stats(h.perEventMs)),
      statsRow('inbox activity done → next scheduled (back-to-back)', stats(h.applyGapMs)),
      statsRow('signal (or the running call’s end) → inbox activity scheduled', stats(h.signalToApplyMs)),
      statsRow(
        `run boundary: last inbox activity closed → next run's first scheduled (${boundaries.length})`,
        stats(boundaries.map((b) => b.gapMs)),
      ),
      statsRow('workflow task schedule → start', stats(h.wfTaskScheduleToStartMs)),
      statsRow('workflow task start → complete', stats(h.wfTaskStartToCloseMs)),
    ];
    const details = [
      `- Events ${fmt(events)}, lost **${lost}**${undelivered ? `, never delivered ${undelivered}` : ''}; ` +
        (lean
          ? `webhooks acknowledged ${fmt(lean.acknowledged)} (lean generator), `
          : `webhooks acknowledged ${fmt(stack.fake.webhooks.sent())}, given up ${stack.fake.webhooks.failed()}, `) +
        `redelivered ${retried}; ${drained ? 'fake and inbox drained' : 'NOT drained before the deadline'}.` +
        (updated < events
          ? ` The load updated ${fmt(updated)} companies in turn (\`--companies\`): an event counts as lost unless the ` +
            `CRM shows it (each company's last, ${fmt(updated)} events, the ones in "delivery → visible") or, for ` +
            `the others, its inbox row was applied ("delivery → processed_at" covers every event).`
          : ''),
      `- Load: ${fmt(achievedRate, 1)} updates/s achieved (target ${o.rate}/s) over ${sendSpanS.toFixed(1)} s; send lag ` +
        `behind schedule p50 ${ms(sendLag.p50)}, max ${ms(sendLag.max)}; the in-flight cap ` +
        `(${lean ? LEAN_MAX_IN_FLIGHT : MAX_IN_FLIGHT}) was hit ${load.maxInFlightWaits} times. ` +
        (lean
          ? `The lean generator (its own process) posted the signed notifications to our endpoint at ${fmt(deliveredRate, 1)}/s `
          : `The fake delivered the webhooks at ${fmt(deliveredRate, 1)}/s `) +
        `(first to last delivery ${deliverySpanS.toFixed(1)} s; ${lean ? LEAN_MAX_IN_FLIGHT : 16} deliveries in flight ` +
        `at most); inbox drained ${inboxDrainedS.toFixed(1)} s after the last update.`,
      `- Run boundaries during the load: ${boundaries.length}; the inbox went unattended for ` +
        `${boundaries.map((b) => ms(b.gapMs)).join(', ') || '–'} at them (last inbox activity of a run closed → the next ` +
        `run's first scheduled); latency of the ${fmt(NB.n)} events delivered from 2 s before to 1 s after a boundary: ` +
        `p50 ${ms(NB.p50)}, p99 ${ms(NB.p99)}, max ${ms(NB.max)}.`,
      `- Latency (delivery → visible): p50 **${ms(L.p50)}** (target < ${TARGETS.p50Ms} ms: ${verdict(L.p50 < TARGETS.p50Ms)}), ` +
        `p95 ${ms(L.p95)}, p99 **${ms(L.p99)}** (target < ${TARGETS.p99Ms} ms: ${verdict(L.p99 < TARGETS.p99Ms)}), ` +
        `max ${ms(L.max)}.`,
      `- Temporal: ${h.runs.length} run(s) of \`source:<id>\` (history events ${h.runs.map((r) => fmt(r.events)).join(', ')}; ` +
        `max ${fmt(maxHistory)}; inboxHasWork signals per run ${h.runs.map((r) => fmt(r.signals)).join(', ')}); ` +
        `from the load's start ${fmt(h.signals)} inboxHasWork signals, ${fmt(h.applyInboxCalls)} ` +
        `inbox activity calls (drainInbox) applying ${fmt(appliedTotal)} rows (per call p50 ${fmt(appliedStats.p50)}, ` +
        `mean ${fmt(appliedStats.mean, 1)}, max ${fmt(appliedStats.max)}).`,
      `- CPU from the load's start until drained (${cpu.wallS.toFixed(1)} s): this process (API and fake${lean ? ', idle on the lean path' : ''}) ` +
        `${cpu.apiMsPerEvent.toFixed(2)} ms per event, the worker ${cpu.workerMsPerEvent.toFixed(2)}, PostgreSQL ` +
        `${cpu.postgresMsPerEvent.toFixed(2)}, the Temporal server ${cpu.temporalMsPerEvent.toFixed(2)}` +
        `${lean ? `, the generator ${cpu.generatorMsPerEvent.toFixed(2)}` : ''}; the ` +
        `machine's 2 cores were ${cpu.machineBusyPct.toFixed(0)}% busy (everything on it, other work included).`,
      `- Pauses of this process (the API${lean ? ', and the idle fake holding its store' : ' and the fake'}) from the ` +
        `load's start until drained: ${pauses}.`,
      ...statements.map(
        (st, i) =>
          `${i === 0 ? '- PostgreSQL statements by execution time during the load (pg_stat_statements):\n' : ''}` +
          `  - ${fmt(st.totalMs / events, 3)} ms per event, ${fmt(st.calls)} calls, ${fmt(st.rows)} rows: ` +
          `\`${st.query.length > 160 ? `${st.query.slice(0, 157)}…` : st.query}\``,
      ),
      `- Write path: ${fmt(commitsPerEvent, 1)} PostgreSQL commits per event during the run (all processes); ` +
        `idle probe after the run (synchronous_commit ${probe.synchronousCommit}): a bare one-row commit ` +
        `${probe.commitMs.toFixed(1)} ms; \`upsertCustomerRecords\` with one record per call (as applyInbox does) ` +
        `${probe.perRecordCallMs.toFixed(1)} ms/record, the same ${probe.records} records in one call ` +
        `${probe.batchedPerRecordMs.toFixed(2)} ms/record.`,
      ...warnings.map((w) => `- WARNING: ${w}`),
      `- Import before the load: ${fmt(companies)} companies, ${fmt(o.contacts)} contacts, live after ` +
        `${imported.seconds.toFixed(1)} s.`,
    ];
    console.log(`\nSummary\n${stageRows.join('\n')}\n\n${temporalRows.join('\n')}\n\n${details.join('\n')}`);

    const result = {
      rate: o.rate,
      seconds: o.seconds,
      events,
      lost,
      p50_ms: round(L.p50, 0),
      p95_ms: round(L.p95, 0),
      p99_ms: round(L.p99, 0),
      max_history_events: maxHistory,
    };
    const file = path.join(ROOT, 'BENCHMARKS.md');
    const existing = await fs.readFile(file, 'utf8').catch(() => '');
    const section = [
      ...(existing.includes('\n## live\n') ? [] : [METHOD, '']),
      `### live, ${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      '',
      `\`npm run bench -- live --rate ${o.rate} --seconds ${o.seconds} --contacts ${o.contacts} --seed ${o.seed} ` +
        `--generator ${o.generator}` +
        (o.continueAsNewAfter ? ` --continue-as-new-after ${o.continueAsNewAfter}` : '') +
        (o.drainFor ? ` --drain-for '${o.drainFor}'` : '') +
        (o.statements ? ' --statements' : '') +
        (o.companies !== undefined ? ` --companies ${o.companies}` : '') +
        `\`; load average ${os
          .loadavg()
          .map((x) => x.toFixed(1))
          .join(' / ')} (1/5/15 min) at the end; ` +
        `${describeMachine()}; ${stack.temporalVersion}; ${stack.postgres.replace(/ in \/.*$/, '')}; ` +
        `delivery timed at the fake's POST to our endpoint, visible = customer_records.updated_at.`,
      '',
      ...stageRows,
      '',
      ...temporalRows,
      '',
      ...details,
      '',
      '```json',
      JSON.stringify(result),
      '```',
    ].join('\n');
    const written = await appendBenchmarks('# Benchmarks\n', section);
    console.log(`\nAppended to ${written}`);
    return { exitCode: lost === 0 && drained ? 0 : 1, lastLine: JSON.stringify(result) };
  });
}
