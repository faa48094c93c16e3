import { decodedHistories, expectNoSecrets } from '../helpers/secrets';
import { eventually, importSource, startSystem, waitForStatus, type System } from '../helpers/system';
import { killed, spawnWorkerProcess, stopAllWorkerProcesses } from '../helpers/worker-process';

/** The exact (contact, company) pairs and company ids the fake holds: what any import must end with. */
function expectedState(sys: System) {
  const companies = (sys.fake.store.companies() as Array<{ id: string }>).map((c) => c.id).sort();
  const pairs: string[] = [];
  for (const contact of sys.fake.store.contacts() as Array<{ id: string }>) {
    for (const companyId of sys.fake.store.companyIdsOf(contact.id)) pairs.push(`${contact.id}/${companyId}`);
  }
  return { companies, pairs: pairs.sort() };
}

async function actualState(sys: System, sourceId: string) {
  const records: Array<{ external_id: string }> = await sys.db.query(
    `SELECT external_id FROM customer_records WHERE source_id = $1 ORDER BY external_id`,
    [sourceId],
  );
  const contacts: Array<{ pair: string }> = await sys.db.query(
    `SELECT external_id || '/' || company_external_id AS pair FROM contacts WHERE source_id = $1`,
    [sourceId],
  );
  const customers: Array<{ n: string }> = await sys.db.query(
    `SELECT count(*) AS n FROM customers c WHERE EXISTS (SELECT 1 FROM customer_records r WHERE r.customer_id = c.id AND r.source_id = $1)`,
    [sourceId],
  );
  return {
    companies: records.map((r) => r.external_id),
    pairs: contacts.map((c) => c.pair).sort(),
    customers: Number(customers[0].n),
  };
}

/**
 * The contact partitions of a backfill as Temporal holds them: how many completed, and the pages each running one
 * has committed by its last recorded heartbeat (where a retry resumes).
 */
async function contactPartitions(sys: System, sourceId: string) {
  const handle = sys.client.workflow.getHandle(`source:${sourceId}:backfill:1`);
  const history = await handle.fetchHistory();
  const scheduled = new Set<string>();
  let completed = 0;
  for (const e of history.events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s?.activityType?.name === 'importContactPartition') scheduled.add(String(e.eventId));
    const c = e.activityTaskCompletedEventAttributes;
    if (c && scheduled.has(String(c.scheduledEventId))) completed++;
  }
  const heartbeatPages: number[] = [];
  for (const a of (await handle.describe()).raw.pendingActivities ?? []) {
    if (a.activityType?.name !== 'importContactPartition') continue;
    const data = a.heartbeatDetails?.payloads?.[0]?.data;
    // A keep-alive before the first page heartbeats no cursor (an empty payload).
    const cursor = data && data.length > 0 ? JSON.parse(Buffer.from(data).toString('utf8')) : null;
    heartbeatPages.push(Number(cursor?.pages ?? 0));
  }
  return { scheduled: scheduled.size, completed, heartbeatPages };
}

const connectAndImport = (sys: System, name: string) => importSource(sys, name, undefined, { waitLive: false });

/** The failure paths log and record the most: no token may be in the histories or the (debug-level) logs. */
async function expectNoTokens(sys: System, sourceId: string, tokens: string[], output: Record<string, string> = {}) {
  expect(sys.logs.text.length).toBeGreaterThan(0);
  expectNoSecrets(tokens, { ...(await decodedHistories(sys, sourceId)), logs: sys.logs.text, ...output });
}

describe('backfill under faults', () => {
  let sys: System;
  afterEach(async () => {
    await stopAllWorkerProcesses();
    await sys?.stop();
  });

  it('resumes after the worker is killed mid-backfill and ends with the exact state', async () => {
    sys = await startSystem({
      fake: { companies: 300, contacts: 2000, seed: 5, latencyMs: 40, scrollPageSize: 10 },
      tuning: { partitions: 4, heartbeatTimeout: '4 seconds' },
      logLevel: 'debug',
    });
    const first = spawnWorkerProcess(sys, { LOG_LEVEL: 'debug' });
    const id = await connectAndImport(sys, 'Killed worker');
    // Kill the worker once it has written some, but not all, of the companies, and once Temporal holds some contact
    // progress: a finished partition, or a page a running one recorded in a heartbeat (heartbeats are throttled).
    const total = sys.fake.store.companies().length;
    await eventually(
      async () => {
        const [{ n }] = await sys.db.query(`SELECT count(*)::int AS n FROM customer_records WHERE source_id = $1`, [
          id,
        ]);
        const p = await contactPartitions(sys, id);
        const resumable = p.completed > 0 || p.heartbeatPages.some((pages) => pages > 0);
        return n > 0 && n < total && resumable ? n : undefined;
      },
      'some companies imported and a contact partition part-way',
      120_000,
    );
    // When each contact row was last written: a resumed backfill does not fetch and write committed pages again.
    const before: Array<{ key: string; at: string }> = await sys.db.query(
      `SELECT external_id || '/' || company_external_id AS key, updated_at::text AS at FROM contacts WHERE source_id = $1`,
      [id],
    );
    await killed(first);

    await sys.startWorker();
    await waitForStatus(sys, id, 'live');
    const actual = await actualState(sys, id);
    const expected = expectedState(sys);
    expect(actual.companies).toEqual(expected.companies);
    expect(actual.pairs).toEqual(expected.pairs);
    expect(actual.customers).toBe(expected.companies.length);

    const after = new Map<string, string>(
      (
        await sys.db.query(
          `SELECT external_id || '/' || company_external_id AS key, updated_at::text AS at FROM contacts WHERE source_id = $1`,
          [id],
        )
      ).map((r: { key: string; at: string }) => [r.key, r.at]),
    );
    // Rows written before the kill and not written again: the backfill went on from the progress Temporal held
    // (finished partitions, heartbeated cursors); a backfill started again from scratch would rewrite them all.
    const untouched = before.filter((r) => after.get(r.key) === r.at);
    expect(untouched.length).toBeGreaterThan(0);
    await expectNoTokens(sys, id, [sys.fake.accessToken], { 'killed worker output': first.fullOutput() });
  }, 300_000);

  it('completes with the exact state through 429 bursts, 5xx errors and a lost scroll', async () => {
    sys = await startSystem({
      fake: { companies: 400, contacts: 1500, seed: 9, latencyMs: 30, scrollPageSize: 10 },
      tuning: { partitions: 4 },
      logLevel: 'debug',
    });
    await sys.startWorker();
    // Each injected 429 costs a wait for the rate-limit window to reset (up to 10 s), as Intercom's would.
    sys.fake.faults.rateLimitBurst(3);
    sys.fake.faults.failNext(6, 503);
    const id = await connectAndImport(sys, 'Faulty Intercom');
    await eventually(async () => {
      const [{ n }] = await sys.db.query(`SELECT count(*)::int AS n FROM customer_records WHERE source_id = $1`, [id]);
      return n > 0 ? n : undefined;
    }, 'first companies imported');
    sys.fake.faults.loseScroll();
    sys.fake.faults.failNext(4, 502);
    sys.fake.faults.rateLimitBurst(3);

    await waitForStatus(sys, id, 'live');
    const result = await sys.client.workflow.getHandle(`source:${id}:backfill:1`).result();
    expect(result.scrollRestarts).toBeGreaterThanOrEqual(1);
    const actual = await actualState(sys, id);
    const expected = expectedState(sys);
    expect(actual.companies).toEqual(expected.companies);
    expect(actual.pairs).toEqual(expected.pairs);
    await expectNoTokens(sys, id, [sys.fake.accessToken]);
  }, 300_000);

  it('moves to needs_reconnect when the token is revoked and resumes with nothing lost after a new one', async () => {
    sys = await startSystem({
      fake: { companies: 200, contacts: 1200, seed: 3, latencyMs: 20, scrollPageSize: 10 },
      logLevel: 'debug',
    });
    const revoked = sys.fake.accessToken;
    await sys.startWorker();
    const id = await connectAndImport(sys, 'Revoked token');
    await eventually(async () => {
      const [{ n }] = await sys.db.query(`SELECT count(*)::int AS n FROM customer_records WHERE source_id = $1`, [id]);
      return n > 0 ? n : undefined;
    }, 'first companies imported');
    sys.fake.revokeToken(sys.fake.accessToken);
    const blocked = await eventually(async () => {
      const s = (await sys.api('GET', `/v1/data_sources/${id}`)).body;
      return s.lifecycle_status === 'needs_reconnect' ? s : undefined;
    }, 'needs_reconnect');
    expect(blocked.last_error).toMatch(/connect the source again/);

    const fresh = sys.fake.issueToken();
    expect((await sys.api('POST', `/v1/data_sources/${id}/intercom/token`, { access_token: fresh })).status).toBe(202);
    await waitForStatus(sys, id, 'live');
    const actual = await actualState(sys, id);
    const expected = expectedState(sys);
    expect(actual.companies).toEqual(expected.companies);
    expect(actual.pairs).toEqual(expected.pairs);
    await expectNoTokens(sys, id, [revoked, fresh]);
  }, 300_000);
});
