import os from 'node:os';
import { parseArgs } from 'node:util';
import { createActivities } from '../src/activities';
import { ImportWrites } from '../src/db/repositories/import-writes';
import { createMetrics } from '../src/metrics';
import { createActivityDeps } from '../src/worker';
import { freePort } from '../src/dev/temporal-server';
import { companyToRecord, contactToFields, embeddedCompanyIds } from '../src/domain/intercom-mapping';
import type { IntercomCompany, IntercomContact } from '../src/domain/intercom-types';
import {
  appendBenchmarks,
  describeMachine,
  fmt,
  numberOption,
  startBenchStack,
  UNTHROTTLED_PER_MINUTE,
  withCleanup,
} from './stack';

/**
 * `npm run bench -- reads [--companies N] [--contacts M]`
 *
 * Read latency of what users open on a large source: the fake workspace (seeded like the backfill benchmark's) is
 * written into PostgreSQL through the import's own write path (ImportWrites, the merge engine included; no Intercom
 * paging and no Temporal, so a 100k/500k dataset takes minutes, not the import's time), then each endpoint is
 * called `--samples` times one after another with varying arguments (pages followed by cursor, random emails,
 * random customers, search terms that match many and none) and timed from the request to the last byte.
 */

const USAGE = `Usage: npm run bench -- reads [options]
  --companies N   companies in the workspace (default 100000)
  --contacts M    contacts (default 500000)
  --samples K     requests per endpoint (default 100)
  --seed S        workspace seed (default 1)`;

const TARGET_P95_MS = 100;
const WRITE_BATCH = 1000;

interface Stats {
  p50: number;
  p95: number;
  max: number;
}
function stats(v: number[]): Stats {
  const s = [...v].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
  return { p50: at(50), p95: at(95), max: s[s.length - 1] };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      companies: { type: 'string', default: '100000' },
      contacts: { type: 'string', default: '500000' },
      samples: { type: 'string', default: '100' },
      seed: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const companies = numberOption('companies', values.companies, 1);
  const contacts = numberOption('contacts', values.contacts, 0);
  const samples = numberOption('samples', values.samples, 1);
  const seed = numberOption('seed', values.seed, 0);

  return withCleanup(async (cleanup) => {
    const date = new Date();
    const stack = await startBenchStack(
      {
        fake: { companies, contacts, seed, rateLimitPerMinute: UNTHROTTLED_PER_MINUTE },
        partitions: 1,
        apiPort: await freePort(),
      },
      cleanup,
    );
    const created = await stack.call('POST', '/v1/data_sources', { name: 'Reads benchmark', system: 'Intercom' });
    if (created.status !== 201) throw new Error(`create source: HTTP ${created.status}`);
    const sourceId: string = created.body.uuid;
    // Connected (token stored and verified by the worker) so the reconciliation activities can call the fake.
    const token = await stack.call('POST', `/v1/data_sources/${sourceId}/intercom/token`, {
      access_token: stack.fake.accessToken,
    });
    if (token.status !== 202) throw new Error(`token: HTTP ${token.status}`);
    for (let i = 0; ; i++) {
      const s = await stack.call('GET', `/v1/data_sources/${sourceId}`);
      if (s.body?.status === 'connected') break;
      if (i > 600) throw new Error(`the source did not connect (${s.body?.status})`);
      await new Promise((r) => setTimeout(r, 200));
    }

    console.log(`\n[1/2] writing ${fmt(companies)} companies and ${fmt(contacts)} contacts through ImportWrites`);
    const writes = new ImportWrites(stack.db);
    const none = { names: [], dataTypes: new Map() };
    const t0 = Date.now();
    const allCompanies = stack.fake.store.companies() as unknown as IntercomCompany[];
    for (let i = 0; i < allCompanies.length; i += WRITE_BATCH) {
      const batch = allCompanies.slice(i, i + WRITE_BATCH).map((c) => companyToRecord(c, none));
      await writes.upsertCustomerRecords(sourceId, batch, 1);
    }
    const allContacts = stack.fake.store.contacts() as unknown as IntercomContact[];
    const emails: string[] = [];
    for (let i = 0; i < allContacts.length; i += WRITE_BATCH) {
      const batch = allContacts.slice(i, i + WRITE_BATCH).map((c) => {
        if (c.email && emails.length < 10_000) emails.push(c.email);
        return { contact: contactToFields(c, none), companyIds: embeddedCompanyIds(c).ids };
      });
      await writes.upsertContacts(sourceId, batch);
      if ((i / WRITE_BATCH) % 50 === 0)
        console.log(`  contacts ${fmt(i)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    }
    await stack.db.query(`ANALYZE`);
    const [sizes] = await stack.db.query(
      `SELECT pg_database_size(current_database()) AS db,
              (SELECT count(*) FROM customer_records WHERE source_id = $1)::int AS records,
              (SELECT count(*) FROM contacts WHERE source_id = $1)::int AS contact_rows,
              (SELECT count(*) FROM customers)::int AS customers`,
      [sourceId],
    );
    const writeS = (Date.now() - t0) / 1000;
    console.log(
      `  written in ${writeS.toFixed(0)} s: ${fmt(sizes.records)} records, ${fmt(sizes.contact_rows)} contact rows, ` +
        `${fmt(sizes.customers)} customers; database ${fmt(Number(sizes.db) / 1e6)} MB`,
    );

    console.log(`\n[2/2] ${samples} requests per endpoint`);
    const basic = `Basic ${Buffer.from(`${stack.config.apiKeys[0]}:`).toString('base64')}`;
    const timed = async (path: string, auth: 'bearer' | 'basic'): Promise<{ ms: number; body: any }> => {
      const started = performance.now();
      const res = await fetch(stack.api.url + path, {
        headers: { Authorization: auth === 'basic' ? basic : `Bearer ${stack.config.apiKeys[0]}` },
      });
      const text = await res.text();
      const ms = performance.now() - started;
      if (res.status >= 400) throw new Error(`${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
      return { ms, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
    };
    const customerIds: string[] = (
      await stack.db.query(
        `SELECT DISTINCT customer_id FROM customer_records WHERE source_id = $1 AND customer_id IS NOT NULL
          ORDER BY customer_id LIMIT 5000`,
        [sourceId],
      )
    ).map((r: { customer_id: string }) => r.customer_id);
    const pick = <T>(xs: T[], i: number) => xs[(i * 7919) % xs.length];
    const words = ['a', 'e', 'co', 'inc', 'zzqx-none', 'company-1', '@example', 'smith'];
    type Probe = { name: string; path: (i: number, prev: any) => string; auth?: 'basic' };
    const probes: Probe[] = [
      {
        name: 'GET /v1/customers (pages of 200, following the cursor)',
        path: (_i, prev) =>
          `/v1/customers?data_source_uuid=${sourceId}&per_page=200${prev?.cursor ? `&cursor=${encodeURIComponent(prev.cursor)}` : ''}`,
      },
      {
        name: 'GET /v1/contacts (pages of 200, following the cursor)',
        path: (_i, prev) =>
          `/v1/contacts?data_source_uuid=${sourceId}&per_page=200${prev?.cursor ? `&cursor=${encodeURIComponent(prev.cursor)}` : ''}`,
      },
      {
        name: 'GET /v1/customers/search?email= (a contact email)',
        path: (i) => `/v1/customers/search?email=${encodeURIComponent(pick(emails, i))}`,
      },
      {
        name: 'GET /v1/contacts?email= (a contact email)',
        path: (i) => `/v1/contacts?email=${encodeURIComponent(pick(emails, i))}`,
      },
      {
        name: 'GET /v1/customers/{uuid} (with its contacts inline)',
        path: (i) => `/v1/customers/${pick(customerIds, i)}`,
      },
      { name: 'GET /v1/customers/{uuid}/contacts', path: (i) => `/v1/customers/${pick(customerIds, i)}/contacts` },
      { name: 'GET /v1/data_sources/{id} (with its progress counts)', path: () => `/v1/data_sources/${sourceId}` },
      { name: '/app customers table, first page', path: () => `/app/sources/${sourceId}/customers`, auth: 'basic' },
      { name: '/app contacts table, first page', path: () => `/app/sources/${sourceId}/contacts`, auth: 'basic' },
      {
        name: '/app customers table, search (terms matching many and none)',
        path: (i) => `/app/sources/${sourceId}/customers?q=${encodeURIComponent(pick(words, i))}`,
        auth: 'basic',
      },
      {
        name: '/app contacts table, search (terms matching many and none)',
        path: (i) => `/app/sources/${sourceId}/contacts?q=${encodeURIComponent(pick(words, i))}`,
        auth: 'basic',
      },
    ];
    const rows: string[] = [];
    const results: Record<string, Stats> = {};
    let missed = 0;
    for (const probe of probes) {
      const times: number[] = [];
      let prev: any;
      await timed(probe.path(0, undefined), probe.auth ?? 'bearer'); // warm-up, not counted
      for (let i = 0; i < samples; i++) {
        const r = await timed(probe.path(i, prev), probe.auth ?? 'bearer');
        times.push(r.ms);
        prev = r.body;
      }
      const s = stats(times);
      results[probe.name] = s;
      const ok = s.p95 < TARGET_P95_MS;
      if (!ok) missed++;
      rows.push(
        `| ${probe.name} | ${s.p50.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.max.toFixed(1)} | ${ok ? 'yes' : '**no**'} |`,
      );
      console.log(
        `  ${probe.name}: p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`,
      );
    }
    // Requests per reconciliation, full (what every hourly one did before) and incremental (the hourly one now),
    // the activities called in this process against the same fake and data, with changes of the last hour.
    console.log('\nreconciliation requests (activities in this process)');
    const deps = await createActivityDeps(stack.config, stack.dbUrl, stack.log, createMetrics());
    cleanup.add('activity deps', () => deps.close());
    const acts = createActivities(deps);
    const since = Math.floor(Date.now() / 1000) - 3600;
    // What changed in the last hour: 1% of the companies edited with their users active now, 1% of the contacts
    // edited (the fake sends no webhooks here: no endpoint is configured).
    const nowS = Math.floor(Date.now() / 1000);
    const live = stack.fake.store.liveCompanies();
    for (let i = 0; i < live.length; i += 100) {
      stack.fake.store.updateCompany(live[i].id, { name: `${live[i].name} (edited)` });
      live[i].last_request_at = nowS;
    }
    const visible = stack.fake.store.visibleContacts();
    for (let i = 0; i < visible.length; i += 100)
      stack.fake.store.updateContact(visible[i].id, { name: 'Edited Lately' });
    const changed = { companies: Math.ceil(live.length / 100), contacts: Math.ceil(visible.length / 100) };
    const counted = async (label: string, work: () => Promise<unknown>) => {
      const before = {
        all: stack.fake.requestCount(),
        scroll: stack.fake.requestCount('/companies/scroll'),
        list: stack.fake.requestCount('/companies/list'),
        search: stack.fake.requestCount('/contacts/search'),
      };
      const started = Date.now();
      await work();
      const r = {
        label,
        seconds: (Date.now() - started) / 1000,
        all: stack.fake.requestCount() - before.all,
        scroll: stack.fake.requestCount('/companies/scroll') - before.scroll,
        list: stack.fake.requestCount('/companies/list') - before.list,
        search: stack.fake.requestCount('/contacts/search') - before.search,
      };
      console.log(`  ${label}: ${fmt(r.all)} requests in ${r.seconds.toFixed(1)} s`);
      return r;
    };
    const full = await counted('full (before: every hour; now daily and on demand)', async () => {
      await acts.importCompanies(sourceId, 1);
      await acts.reconcileContacts(sourceId, since);
    });
    const incremental = await counted('incremental (the hourly one now)', async () => {
      await acts.reconcileActiveCompanies(sourceId, 1, since);
      await acts.reconcileRecentContacts(sourceId, since);
    });
    const reconcileRows = [full, incremental].map(
      (r) =>
        `| ${r.label} | ${fmt(r.all)} | ${fmt(r.scroll)} | ${fmt(r.list)} | ${fmt(r.search)} | ${fmt(r.all - r.scroll - r.list - r.search)} | ${r.seconds.toFixed(1)} |`,
    );

    const section = [
      `### reads, ${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      '',
      `\`npm run bench -- reads --companies ${companies} --contacts ${contacts} --samples ${samples} --seed ${seed}\`; ` +
        `${describeMachine()}; ${stack.postgres.replace(/ in \/.*$/, '')}; load average ` +
        `${os
          .loadavg()
          .map((x) => x.toFixed(1))
          .join(' / ')} (1/5/15 min) at the end.`,
      '',
      `Dataset written through ImportWrites in ${writeS.toFixed(0)} s: ${fmt(sizes.records)} customer records, ` +
        `${fmt(sizes.contact_rows)} contact rows, ${fmt(sizes.customers)} customers; PostgreSQL database ` +
        `${fmt(Number(sizes.db) / 1e6)} MB. ${samples} requests per endpoint, one at a time, after one warm-up.`,
      '',
      `| endpoint | p50 ms | p95 ms | max ms | p95 < ${TARGET_P95_MS} ms |`,
      `| --- | ---: | ---: | ---: | :-: |`,
      ...rows,
      '',
      `Requests per reconciliation on this dataset after ${fmt(changed.companies)} companies (with active users) and ` +
        `${fmt(changed.contacts)} contacts changed in the last hour (the activities run in the benchmark process ` +
        `against the fake, no latency; contacts searched from noon of the day before "since", as the code does):`,
      '',
      `| reconciliation | requests | companies/scroll | companies/list | contacts/search | other | seconds |`,
      `| --- | ---: | ---: | ---: | ---: | ---: | ---: |`,
      ...reconcileRows,
    ].join('\n');
    await appendBenchmarks('# Benchmarks\n', section);
    return { exitCode: missed === 0 ? 0 : 1, lastLine: JSON.stringify({ companies, contacts, missed, results }) };
  });
}
