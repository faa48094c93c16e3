import { randomBytes } from 'node:crypto';
import { IntercomClient } from 'intercom-client';
import { TokenCipher } from '../../src/crypto';
import { CredentialStore } from '../../src/db/repositories/credentials';
import { countRows } from '../helpers/exact-state';
import { eventually, importSource, startSystem, waitForStatus, waitForWorkflow, type System } from '../helpers/system';

/**
 * Operator mistakes and bad state, on the real stack: a source workflow cancelled or terminated in the Temporal UI
 * comes back from PostgreSQL, two Start Imports at once get one 202 and one 409, and a deterministic failure (a
 * token no key decrypts) is bounded, shown, and resolved by itself once the old key is configured again.
 */
describe('recovery', () => {
  let sys: System;
  beforeAll(async () => {
    sys = await startSystem({
      fake: { companies: 12, contacts: 40, seed: 71 },
      tuning: { stalledRetryInterval: '3 seconds', continueAsNewAfterEvents: 150 },
    });
    await sys.startWorker();
  }, 120_000);
  afterAll(async () => {
    await sys?.stop();
  });

  const handle = (id: string) => sys.client.workflow.getHandle(`source:${id}`);
  const runStatus = async (id: string) => (await handle(id).describe()).status.name;
  const source = async (id: string) => (await sys.api('GET', `/v1/data_sources/${id}`)).body;
  const record = async (id: string, companyId: string) =>
    (
      (await sys.db.query(`SELECT name FROM customer_records WHERE source_id = $1 AND external_id = $2`, [
        id,
        companyId,
      ])) as Array<{ name: string }>
    )[0];

  it('a terminated live source is started again from PostgreSQL by the next command, and syncs', async () => {
    const id = await importSource(sys, 'Terminated');
    const before = await countRows(sys, 'customer_records', id);
    await handle(id).terminate('operator mistake');
    expect(await runStatus(id)).toBe('TERMINATED');

    expect((await sys.api('POST', `/v1/data_sources/${id}/intercom/reconcile`)).status).toBe(202);
    expect(await runStatus(id)).toBe('RUNNING');
    await waitForStatus(sys, id, 'live');
    const intercom = new IntercomClient({ token: sys.fake.accessToken, baseUrl: sys.fake.url });
    const company = await intercom.companies.createOrUpdate({ company_id: 'after-terminate', name: 'Back Again' });
    await eventually(async () => ((await record(id, company.id))?.name === 'Back Again' ? true : undefined), 'synced');
    expect(await countRows(sys, 'customer_records', id)).toBe(before + 1);
    const view = await handle(id).query('status');
    expect(view).toMatchObject({ status: 'live', generation: 1 }); // continued, not a new import
  }, 240_000);

  it('a cancelled live source stops cleanly, says so, and POST /recover starts it again', async () => {
    const id = await importSource(sys, 'Cancelled');
    await handle(id).cancel();
    await waitForWorkflow(sys, `source:${id}`, 'CANCELLED');
    const stopped = await source(id);
    expect(stopped.lifecycle_status).toBe('live');
    expect(stopped.last_error).toMatch(/cancelled in Temporal.*recover/);

    const res = await sys.api('POST', `/v1/data_sources/${id}/recover`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ uuid: id, workflow: 'restarted' });
    expect((await sys.api('POST', `/v1/data_sources/${id}/recover`)).body.workflow).toBe('running');
    await eventually(async () => ((await source(id)).last_error === null ? true : undefined), 'the stop forgotten');
    expect((await source(id)).lifecycle_status).toBe('live');
  }, 240_000);

  it('a completed delete is final: no command and no recover brings the source back', async () => {
    const id = await importSource(sys, 'Deleted for good');
    expect((await sys.api('DELETE', `/v1/data_sources/${id}`)).status).toBe(204);
    await waitForWorkflow(sys, `source:${id}`, 'COMPLETED');
    expect((await sys.api('POST', `/v1/data_sources/${id}/recover`)).status).toBe(409);
    expect((await sys.api('POST', `/v1/data_sources/${id}/intercom/reconcile`)).status).toBe(409);
    expect(await runStatus(id)).toBe('COMPLETED');
  }, 240_000);

  it('a source waiting for its connection continues as new before its history grows large', async () => {
    const created = await sys.api('POST', '/v1/data_sources', { name: 'Waiting long', system: 'Intercom' });
    const id: string = created.body.uuid;
    const firstRun = (await handle(id).describe()).runId;
    // Nudges pile up while nobody connects the source (each one is a history event).
    for (let i = 0; i < 200; i++) await sys.workflows.inboxHasWork(id);
    await eventually(
      async () => ((await handle(id).describe()).runId !== firstRun ? true : undefined),
      'a new run of the waiting source',
    );
    const events = (await sys.client.workflow.getHandle(`source:${id}`, firstRun).fetchHistory()).events ?? [];
    expect(events.some((e) => e.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
    // The new run is the same source: connecting it still works.
    await sys.api('POST', `/v1/data_sources/${id}/intercom/token`, { access_token: sys.fake.accessToken });
    await waitForStatus(sys, id, 'connected');
  }, 240_000);

  it('two Start Import calls at once: exactly one is accepted, the other gets 409', async () => {
    const created = await sys.api('POST', '/v1/data_sources', { name: 'Double start', system: 'Intercom' });
    const id: string = created.body.uuid;
    await sys.api('POST', `/v1/data_sources/${id}/intercom/token`, { access_token: sys.fake.accessToken });
    await waitForStatus(sys, id, 'connected');
    const selection = { companies: true, contacts: true };
    const answers = await Promise.all([
      sys.api('POST', `/v1/data_sources/${id}/intercom/import`, selection),
      sys.api('POST', `/v1/data_sources/${id}/intercom/import`, selection),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    await waitForStatus(sys, id, 'live');
    expect((await handle(id).query('status')) as { generation: number }).toMatchObject({ generation: 1 });

    const resyncs = await Promise.all([
      sys.api('POST', `/v1/data_sources/${id}/intercom/resync`),
      sys.api('POST', `/v1/data_sources/${id}/intercom/resync`),
    ]);
    expect(resyncs.map((a) => a.status).sort()).toEqual([202, 409]);
    await waitForWorkflow(sys, `source:${id}:backfill:2`);
    await waitForStatus(sys, id, 'live');
    expect((await handle(id).query('status')) as { generation: number }).toMatchObject({ generation: 2 });
  }, 240_000);

  it('a token no key decrypts stalls the source visibly and boundedly; with the old key back it resumes itself', async () => {
    const id = await importSource(sys, 'Key changed');
    const token = sys.fake.accessToken;
    // The token was sealed with a key the worker no longer has (ENCRYPTION_KEY changed, the old one not kept).
    const oldKey = randomBytes(32);
    await new CredentialStore(sys.db, new TokenCipher(oldKey)).save(id, token);
    expect((await sys.api('POST', `/v1/data_sources/${id}/intercom/reconcile`)).status).toBe(202);
    const stalled = await eventually(
      async () => {
        const s = await source(id);
        return s.last_error ? s : undefined;
      },
      'the error shown',
      120_000,
    );
    expect(stalled.lifecycle_status).toBe('live');
    expect(stalled.last_error).toMatch(/Failed 5 times.*cannot be decrypted.*ENCRYPTION_KEY_PREVIOUS/);

    // Everything else keeps working: reads, and webhooks are stored for later.
    expect((await sys.api('GET', `/v1/customers?data_source_uuid=${id}`)).status).toBe(200);
    const intercom = new IntercomClient({ token, baseUrl: sys.fake.url });
    const company = await intercom.companies.createOrUpdate({ company_id: 'while-stalled', name: 'Stored Meanwhile' });
    await eventually(async () => {
      const [{ n }] = await sys.db.query(
        `SELECT count(*)::int AS n FROM webhook_inbox WHERE source_id = $1 AND processed_at IS NULL`,
        [id],
      );
      return n > 0 ? true : undefined;
    }, 'the webhook stored');
    expect(await record(id, company.id)).toBeUndefined();

    // The operator puts the old key into ENCRYPTION_KEY_PREVIOUS and restarts the worker: nothing else is done.
    sys.config.previousEncryptionKeys = [oldKey];
    await sys.stopWorker();
    await sys.startWorker();
    await eventually(
      async () => ((await record(id, company.id))?.name === 'Stored Meanwhile' ? true : undefined),
      'the stored webhook applied',
      120_000,
    );
    await eventually(async () => ((await source(id)).last_error === null ? true : undefined), 'the error cleared');
    // The token was sealed again with the current key: it now opens without the old one.
    expect(await new CredentialStore(sys.db, new TokenCipher(sys.config.encryptionKey!)).load(id)).toBe(token);
    sys.config.previousEncryptionKeys = [];
  }, 300_000);

  it('a backfill whose streams stall shows why while importing, and finishes exactly once the cause is gone', async () => {
    const created = await sys.api('POST', '/v1/data_sources', { name: 'Stalled backfill', system: 'Intercom' });
    const id: string = created.body.uuid;
    await sys.api('POST', `/v1/data_sources/${id}/intercom/token`, { access_token: sys.fake.accessToken });
    await waitForStatus(sys, id, 'connected');
    const oldKey = randomBytes(32);
    await new CredentialStore(sys.db, new TokenCipher(oldKey)).save(id, sys.fake.accessToken);
    expect(
      (await sys.api('POST', `/v1/data_sources/${id}/intercom/import`, { companies: true, contacts: true })).status,
    ).toBe(202);
    const stalled = await eventually(
      async () => {
        const s = await source(id);
        return s.last_error ? s : undefined;
      },
      'the stall shown',
      120_000,
    );
    expect(stalled.lifecycle_status).toBe('importing');
    expect(stalled.last_error).toMatch(/cannot be decrypted/);

    sys.config.previousEncryptionKeys = [oldKey];
    await sys.stopWorker();
    await sys.startWorker();
    await waitForStatus(sys, id, 'live');
    expect((await source(id)).last_error).toBeNull();
    const companies = (sys.fake.store.companies() as Array<{ id: string }>).map((c) => c.id).sort();
    const stored: Array<{ external_id: string }> = await sys.db.query(
      `SELECT external_id FROM customer_records WHERE source_id = $1`,
      [id],
    );
    expect(stored.map((r) => r.external_id).sort()).toEqual(companies);
    sys.config.previousEncryptionKeys = [];
  }, 300_000);
});
