import { webhookSignature } from '../../src/fake-intercom';
import { MAX_SELECTED_ATTRIBUTES } from '../../src/domain/source';
import { startSystem, type System } from '../helpers/system';

/**
 * API inputs are bounded and storable: what would grow a workflow's history without limit or make PostgreSQL
 * fail (NUL, lone surrogates) is a clear 4xx that names the field, and changes nothing.
 */
describe('API input limits', () => {
  let sys: System;
  let sourceId: string;

  beforeAll(async () => {
    sys = await startSystem({ fake: { companies: 1, contacts: 1, seed: 51 } });
    const created = await sys.api('POST', '/v1/data_sources', { name: 'Limits', system: 'Intercom' });
    expect(created.status).toBe(201);
    sourceId = created.body.uuid;
  }, 120_000);

  afterAll(async () => {
    await sys?.stop();
  });

  const settings = async () =>
    (await sys.db.query(`SELECT settings FROM sources WHERE id = $1`, [sourceId]))[0].settings as unknown;

  it.each([
    [
      'too many attributes',
      { company: Array.from({ length: MAX_SELECTED_ATTRIBUTES + 1 }, (_, i) => `a${i}`) },
      'custom_attributes.company',
    ],
    ['a too long attribute name', { contact: ['x'.repeat(256)] }, 'custom_attributes.contact.0'],
    ['a NUL in an attribute name', { contact: ['a\u0000b'] }, 'custom_attributes.contact.0'],
    ['a lone surrogate in an attribute name', { company: ['a\uD800b'] }, 'custom_attributes.company.0'],
  ])('Start Import with %s is a 400 naming the field, and nothing is saved', async (_case, custom, field) => {
    const res = await sys.api('POST', `/v1/data_sources/${sourceId}/intercom/import`, {
      companies: true,
      contacts: true,
      custom_attributes: custom,
    });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors)).toContain(field);
    expect(await settings()).toBeNull();
  });

  it('names and filters refuse what PostgreSQL cannot store with a 400', async () => {
    const nul = await sys.api('POST', '/v1/data_sources', { name: 'Bad\u0000Name', system: 'Intercom' });
    expect(nul.status).toBe(400);
    expect(nul.body.errors.name).toMatch(/NUL/);
    expect((await sys.api('POST', '/v1/data_sources', { name: 'n'.repeat(256) })).status).toBe(400);
    expect((await sys.api('GET', '/v1/customers?email=%00')).status).toBe(400);
    expect((await sys.api('GET', `/v1/contacts?customer_external_id=${'x'.repeat(1025)}`)).status).toBe(400);
    expect((await sys.api('GET', '/v1/data_sources?name=%00')).status).toBe(400);
    const [{ n }] = await sys.db.query(`SELECT count(*)::int AS n FROM sources`);
    expect(n).toBe(1);
  });

  it('request bodies are bounded: 413', async () => {
    const big = await sys.api('POST', '/v1/data_sources', { name: 'Big', padding: 'x'.repeat(2 * 1024 * 1024) });
    expect(big.status).toBe(413);
  });

  it('webhooks: an unstorable or oversized notification is refused before it reaches the inbox', async () => {
    const post = async (body: string) =>
      fetch(`${sys.apiUrl}/webhooks/intercom`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Hub-Signature': webhookSignature(body, sys.fake.clientSecret),
        },
        body,
      });
    const nulId = JSON.stringify({ type: 'notification_event', id: 'n\u00001', topic: 'company.updated', app_id: 'x' });
    const res = await post(nulId);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/NUL/);
    const longTopic = JSON.stringify({ type: 'notification_event', id: 'n2', topic: 't'.repeat(256), app_id: 'x' });
    expect((await post(longTopic)).status).toBe(400);
    const huge = JSON.stringify({
      type: 'notification_event',
      id: 'n3',
      topic: 'company.updated',
      app_id: 'x',
      data: { item: { name: 'x'.repeat(600 * 1024) } },
    });
    expect((await post(huge)).status).toBe(413);
    const [{ n }] = await sys.db.query(
      `SELECT (SELECT count(*) FROM webhook_inbox) + (SELECT count(*) FROM webhook_ignored) AS n`,
    );
    expect(Number(n)).toBe(0);
  });
});
