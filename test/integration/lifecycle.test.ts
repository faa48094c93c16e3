import { IntercomClient } from 'intercom-client';
import { eventually, importSource, startSystem, waitForStatus, type System, waitForWorkflow } from '../helpers/system';

/** Update Fields, Re-sync Data and Fields, and Delete This Source, on the real stack. */
describe('re-sync and permanent delete', () => {
  let sys: System;

  beforeAll(async () => {
    sys = await startSystem({ fake: { companies: 60, contacts: 300, seed: 31, latencyMs: 5 } });
    await sys.startWorker();
  }, 120_000);

  afterAll(async () => {
    await sys?.stop();
  });

  const customKeys = async (sourceId: string) => {
    const rows: Array<{ k: string }> = await sys.db.query(
      `SELECT DISTINCT jsonb_object_keys(custom) AS k FROM customer_records WHERE source_id = $1 ORDER BY 1`,
      [sourceId],
    );
    return rows.map((r) => r.k);
  };

  it('Update Fields shows a newly created Intercom attribute; nothing else changes', async () => {
    const id = await importSource(sys, 'Fields source');
    const before = (await sys.api('GET', `/v1/data_sources/${id}/intercom/fields`)).body;
    const intercom = new IntercomClient({ token: sys.fake.accessToken, baseUrl: sys.fake.url });
    await intercom.dataAttributes.create({ name: 'churn_risk', model: 'company', data_type: 'integer' } as any);
    const [{ n: recordsBefore }] = await sys.db.query(
      `SELECT count(*)::int AS n FROM customer_records WHERE source_id = $1`,
      [id],
    );

    expect((await sys.api('POST', `/v1/data_sources/${id}/intercom/update-fields`)).status).toBe(202);
    const after = await eventually(async () => {
      const fields = (await sys.api('GET', `/v1/data_sources/${id}/intercom/fields`)).body;
      return fields.company.some((f: any) => f.name === 'churn_risk') ? fields : undefined;
    }, 'the new attribute');
    expect(after.company.find((f: any) => f.name === 'churn_risk')).toMatchObject({
      data_type: 'integer',
      selected: false,
    });
    expect(after.company).toHaveLength(before.company.length + 1);
    const [{ n: recordsAfter }] = await sys.db.query(
      `SELECT count(*)::int AS n FROM customer_records WHERE source_id = $1`,
      [id],
    );
    expect(recordsAfter).toBe(recordsBefore);
    expect((await sys.api('GET', `/v1/data_sources/${id}`)).body.lifecycle_status).toBe('live');
  });

  it('Re-sync with another selection changes the stored attributes and keeps customers', async () => {
    const fields = (
      await sys.api('POST', '/v1/data_sources', { name: 'probe', system: 'Intercom' }).then(async (r) => {
        await sys.api('POST', `/v1/data_sources/${r.body.uuid}/intercom/token`, { access_token: sys.fake.accessToken });
        await waitForStatus(sys, r.body.uuid, 'connected');
        return sys.api('GET', `/v1/data_sources/${r.body.uuid}/intercom/fields`);
      })
    ).body;
    // Two attributes that companies of the seeded workspace have values for.
    const valued = new Set(
      (sys.fake.store.companies() as any[]).flatMap((c) => Object.keys(c.custom_attributes ?? {})),
    );
    const [first, second] = fields.company.map((f: any) => f.name).filter((n: string) => valued.has(n));
    const id = await importSource(sys, 'Resync source', { custom_attributes: { company: [first], contact: [] } });
    expect(await customKeys(id)).toEqual([first]);
    const customersBefore = await sys.db.query(
      `SELECT external_id, customer_id FROM customer_records WHERE source_id = $1 ORDER BY 1`,
      [id],
    );

    const unknown = await sys.api('POST', `/v1/data_sources/${id}/intercom/resync`, {
      custom_attributes: { company: ['nope'], contact: [] },
    });
    expect(unknown.status).toBe(422);

    const resync = await sys.api('POST', `/v1/data_sources/${id}/intercom/resync`, {
      custom_attributes: { company: [second], contact: [] },
    });
    expect(resync.status).toBe(202);
    await waitForWorkflow(sys, `source:${id}:backfill:2`);
    await waitForStatus(sys, id, 'live');
    expect(await customKeys(id)).toEqual([second]);
    const customersAfter = await sys.db.query(
      `SELECT external_id, customer_id FROM customer_records WHERE source_id = $1 ORDER BY 1`,
      [id],
    );
    expect(customersAfter).toEqual(customersBefore);
  });

  it('deletes a source during its backfill: nothing left behind, the workflow ended, a late webhook is ignored', async () => {
    const slow = await startSystem({
      fake: { companies: 400, contacts: 3000, seed: 41, latencyMs: 30, scrollPageSize: 10 },
    });
    try {
      await slow.startWorker();
      const id = await importSource(slow, 'Doomed', undefined, { waitLive: false });
      await eventually(async () => {
        const [{ n }] = await slow.db.query(`SELECT count(*)::int AS n FROM customer_records WHERE source_id = $1`, [
          id,
        ]);
        return n > 0 ? n : undefined;
      }, 'the backfill to write');
      const deleted = await slow.api('DELETE', `/v1/data_sources/${id}`);
      expect(deleted.status).toBe(204);
      expect((await slow.api('DELETE', `/v1/data_sources/${id}`)).status).toBeLessThan(500); // repeating is harmless

      const handle = slow.client.workflow.getHandle(`source:${id}`);
      await handle.result();
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      expect((await slow.client.workflow.getHandle(`source:${id}:backfill:1`).describe()).status.name).toBe(
        'CANCELLED',
      );
      for (const table of ['customer_records', 'contacts', 'attribute_definitions', 'webhook_inbox', 'credentials']) {
        const [{ n }] = await slow.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE source_id = $1`, [id]);
        expect({ table, n }).toEqual({ table, n: 0 });
      }
      const [{ n: customers }] = await slow.db.query(`SELECT count(*)::int AS n FROM customers`);
      expect(customers).toBe(0);
      expect((await slow.api('GET', `/v1/data_sources/${id}`)).status).toBe(404);

      // A webhook for that workspace after the delete: recorded as ignored, no new run, nothing written.
      const intercom = new IntercomClient({ token: slow.fake.accessToken, baseUrl: slow.fake.url });
      await intercom.companies.createOrUpdate({ company_id: 'after-delete', name: 'Too late' });
      await slow.fake.webhooks.drained();
      const [{ n: ignored }] = await slow.db.query(`SELECT count(*)::int AS n FROM webhook_ignored`);
      expect(ignored).toBeGreaterThan(0);
      const runs: string[] = [];
      for await (const wf of slow.client.workflow.list({ query: `WorkflowId = "source:${id}"` })) runs.push(wf.runId);
      expect(runs).toHaveLength(1);
      await expect(slow.workflows.start(id)).rejects.toThrow();
      const [{ n: records }] = await slow.db.query(`SELECT count(*)::int AS n FROM customer_records`);
      expect(records).toBe(0);
    } finally {
      await slow.stop();
    }
  }, 300_000);
});
