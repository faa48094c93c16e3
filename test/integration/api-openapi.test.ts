import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ApiAnswer } from '../../src/dev/fake-stack-config';
import { importSource, startSystem, type System } from '../helpers/system';

type Json = Record<string, any>;

/**
 * The OpenAPI document (`GET /openapi.json`) matches what the code answers: real answers of every `/v1` route, on a
 * small imported workspace, each validated against the schema the document gives for its path, method and status
 * (an undocumented status fails too). The schemas are strict (every key required, no others), so a field added,
 * renamed or typed differently in a view fails here until the document says so.
 */
describe('the OpenAPI document against real answers', () => {
  let sys: System;
  let doc: Json;
  let ajv: Ajv2020;
  const checked = new Set<string>();

  beforeAll(async () => {
    sys = await startSystem({ fake: { companies: 12, contacts: 40, seed: 5 } });
    await sys.startWorker();
    doc = (await (await fetch(`${sys.apiUrl}/openapi.json`)).json()) as Json;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
  }, 300_000);

  afterAll(async () => {
    await sys?.stop();
  });

  /** The documented path template for a concrete path: literal segments win over parameters. */
  function template(path: string): string {
    const bare = path.split('?')[0];
    const candidates = Object.keys(doc.paths)
      .filter((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(bare))
      .sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
    if (!candidates.length) throw new Error(`${path} is not in the OpenAPI document`);
    return candidates[0];
  }

  /** Calls the API and validates the answer against the document; returns it. */
  async function call(method: string, path: string, body?: unknown, auth = true): Promise<ApiAnswer> {
    const res = auth
      ? await sys.api(method, path, body)
      : await fetch(`${sys.apiUrl}${path}`).then(async (r) => ({ status: r.status, body: await r.json(), text: '' }));
    const t = template(path);
    const operation = doc.paths[t][method.toLowerCase()];
    expect({ route: `${method} ${t}`, documented: Boolean(operation) }).toEqual({
      route: `${method} ${t}`,
      documented: true,
    });
    const response = operation.responses[String(res.status)];
    expect({ route: `${method} ${path}`, status: res.status, documented: Boolean(response) }).toEqual({
      route: `${method} ${path}`,
      status: res.status,
      documented: true,
    });
    const schema = response.content?.['application/json']?.schema;
    if (schema) {
      const validate = ajv.compile({ ...schema, components: doc.components });
      const valid = validate(res.body);
      expect({ route: `${method} ${path} ${res.status}`, errors: valid ? null : validate.errors }).toEqual({
        route: `${method} ${path} ${res.status}`,
        errors: null,
      });
    } else {
      expect(res.text).toBe('');
    }
    checked.add(`${method} ${t} ${res.status}`);
    return res;
  }

  it('describes the answers of every /v1 route', async () => {
    await call('GET', '/v1/ping');
    await call('GET', '/v1/ping', undefined, false);
    const intercom = await importSource(sys, 'Intercom', 'all');
    const [first] = sys.fake.store.companies() as any[];
    await call('GET', '/v1/data_sources');
    await call('GET', '/v1/data_sources?system=Intercom');
    await call('GET', '/v1/data_sources?with_processing_status=true');
    await call('GET', `/v1/data_sources/${intercom}`);
    await call('GET', `/v1/data_sources/${intercom}/status`);
    await call('GET', `/v1/data_sources/${intercom}/intercom/fields`);
    await call('GET', `/v1/data_sources/${intercom}/quarantine?per_page=5`);
    await call('POST', `/v1/data_sources/${intercom}/recover`);
    await call('GET', '/v1/data_sources/ds_nobody');
    const billing = (await call('POST', '/v1/data_sources', { name: 'Billing' })).body.uuid;
    await call('POST', '/v1/data_sources', { name: 'Billing' });
    await call('POST', '/v1/data_sources', {});

    const page = await call('GET', '/v1/customers?per_page=5');
    await call('GET', `/v1/customers?per_page=5&cursor=${page.body.cursor}`);
    await call('GET', '/v1/customers?page=2&per_page=5');
    await call('GET', `/v1/customers?system=Intercom&data_source_uuid=${intercom}&external_id=${first.id}`);
    await call('GET', '/v1/customers?colour=blue');
    const uuid = (await call('GET', `/v1/customers?external_id=${first.id}`)).body.entries[0].uuid;
    const detail = await call('GET', `/v1/customers/${uuid}`);
    await call('GET', '/v1/customers/cus_nobody');
    await call('GET', `/v1/customers/${uuid}/contacts?per_page=2`);
    await call('GET', `/v1/customers/${uuid}/contacts?page=1&per_page=2`);
    await call('GET', '/v1/customers/cus_nobody/contacts');
    await call('GET', `/v1/customers/${uuid}/attributes`);
    await call('POST', `/v1/customers/${uuid}/attributes/custom`, {
      custom: [{ type: 'String', key: 'k', value: 'v' }],
    });
    await call('PUT', `/v1/customers/${uuid}/attributes/custom`, { custom: { k: 'w' } });
    await call('DELETE', `/v1/customers/${uuid}/attributes/custom`, { custom: ['k'] });
    await call('POST', `/v1/customers/${uuid}/attributes/custom`, { custom: 'nope' });
    await call('POST', `/v1/customers/${uuid}/attributes/tags`, { tags: ['a', 'b'] });
    await call('DELETE', `/v1/customers/${uuid}/attributes/tags`, { tags: ['a'] });
    await call('POST', '/v1/customers/cus_nobody/attributes/tags', { tags: ['a'] });

    const created = await call('POST', '/v1/customers', {
      data_source_uuid: billing,
      external_id: 'b-1',
      name: 'Billing One',
      email: 'one@billing.example',
      country: 'US',
      state: 'NY',
      zip: '10001',
      attributes: { tags: ['paying'], custom: [{ type: 'Integer', key: 'seats', value: 3 }] },
    });
    await call('POST', '/v1/customers', { data_source_uuid: billing, external_id: 'b-1' });
    await call('POST', '/v1/customers', { data_source_uuid: billing, external_id: '', email: 'x' });
    await call('POST', '/v1/customers', { data_source_uuid: 'ds_nobody', external_id: 'x' });
    await call('PATCH', `/v1/customers/${created.body.uuid}`, { city: 'New York' });
    await call('PATCH', `/v1/customers/${created.body.uuid}`, { email: 'not an email' });
    await call('POST', '/v1/customers/attributes/tags', { email: 'one@billing.example', tags: ['x'] });
    await call('POST', '/v1/customers/attributes/custom', {
      email: 'one@billing.example',
      custom: [{ type: 'String', key: 'plan', value: 'pro' }],
    });
    await call('POST', '/v1/customers/attributes/tags', { email: 'nobody@example.com', tags: ['x'] });
    await call('GET', '/v1/customers/search?email=ONE@billing.example');
    await call('GET', '/v1/customers/search?email=nobody@example.com');
    await call('GET', '/v1/customers/search');

    const other = (await call('GET', `/v1/customers?external_id=${(sys.fake.store.companies() as any[])[1].id}`)).body
      .entries[0];
    await call('POST', '/v1/customers/merges', { from: { customer_uuid: other.uuid }, into: { customer_uuid: uuid } });
    await call('POST', '/v1/customers/merges', { from: { customer_uuid: 'cus_a' }, into: { customer_uuid: 'cus_b' } });
    await call('POST', '/v1/customers/unmerges', {
      customer_uuid: uuid,
      data_source_uuid: intercom,
      external_id: other.external_id,
    });
    await call('POST', '/v1/customers/unmerges', {});
    await call('DELETE', `/v1/customers/${created.body.uuid}`);
    await call('DELETE', `/v1/customers/${uuid}`);

    await call('GET', `/v1/contacts?data_source_uuid=${intercom}&per_page=3`);
    await call('GET', `/v1/contacts/${detail.body.contacts[0].uuid}`);
    await call('GET', '/v1/contacts/con_nobody');
    await call('GET', '/v1/contacts?cursor=bogus');

    const rules = await call('GET', '/v1/automations/merge');
    await call('PUT', '/v1/automations/merge', rules.body);
    await call('PUT', '/v1/automations/merge', { enabled: 'yes' });

    await call('DELETE', `/v1/data_sources/${billing}`);
    await call('GET', `/v1/data_sources/${billing}`);
    await call('DELETE', `/v1/data_sources/${intercom}`);
    await call('DELETE', `/v1/data_sources/${intercom}`);
    await sys.client.workflow.getHandle(`source:${intercom}`).result();

    // Every ChartMogul route of the document was answered at least once with a success.
    const chartmogulRoutes = Object.entries(doc.paths as Json)
      .filter(([t]) => t.startsWith('/v1/') && !t.includes('/intercom/'))
      .flatMap(([t, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${t}`));
    const succeeded = new Set([...checked].filter((c) => /\s2\d\d$/.test(c)).map((c) => c.replace(/\s\d+$/, '')));
    expect(chartmogulRoutes.filter((r) => !succeeded.has(r))).toEqual([]);
  });
});
