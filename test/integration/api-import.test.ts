import { eventually, startSystem, type System } from '../helpers/system';

/**
 * The Intercom lifecycle endpoints against the real workflow and worker: the API turns the workflow's
 * rejections into 409/422 and shows what the activities write.
 */
let sys: System;

beforeAll(async () => {
  sys = await startSystem({ fake: { companies: 4, contacts: 8 } });
  await sys.startWorker();
});

afterAll(async () => {
  await sys?.stop();
});

const sourceOf = async (id: string) => (await sys.api('GET', `/v1/data_sources/${id}`)).body;

it('rejects an import before the connection (409), then connects, lists fields, imports and shows progress', async () => {
  const created = await sys.api('POST', '/v1/data_sources', { name: 'Workspace', system: 'Intercom' });
  expect(created.status).toBe(201);
  const id: string = created.body.uuid;
  await eventually(
    async () => ((await sourceOf(id)).lifecycle_status === 'awaiting_connection' ? true : undefined),
    'awaiting',
  );

  const early = await sys.api('POST', `/v1/data_sources/${id}/intercom/import`, {});
  expect(early.status).toBe(409);
  expect(early.body.errors).toHaveProperty('NotConnected');
  expect((await sys.api('GET', `/v1/data_sources/${id}/intercom/fields`)).status).toBe(409);

  const token = await sys.api('POST', `/v1/data_sources/${id}/intercom/token`, { access_token: sys.fake.accessToken });
  expect(token.status).toBe(202);
  const connected = await eventually(async () => {
    const s = await sourceOf(id);
    return s.lifecycle_status === 'connected' ? s : undefined;
  }, 'the source to be connected');
  expect(connected.workspace_id).toBe(sys.fake.appId);

  const fields = await sys.api('GET', `/v1/data_sources/${id}/intercom/fields`);
  expect(fields.status).toBe(200);
  const expected = (model: 'company' | 'contact') =>
    sys.fake.store
      .dataAttributes(model)
      .filter((a: any) => a.custom && !a.archived)
      .map((a: any) => a.name)
      .sort();
  expect(fields.body.company.map((f: any) => f.name).sort()).toEqual(expected('company'));
  expect(fields.body.contact.map((f: any) => f.name).sort()).toEqual(expected('contact'));
  expect(fields.body.company.length).toBeGreaterThan(0);
  for (const f of [...fields.body.company, ...fields.body.contact]) {
    expect(f).toEqual({
      name: expect.any(String),
      label: expect.any(String),
      data_type: expect.any(String),
      selected: false,
    });
  }

  const unknown = await sys.api('POST', `/v1/data_sources/${id}/intercom/import`, {
    custom_attributes: { company: ['no_such_attribute'] },
  });
  expect(unknown.status).toBe(422);
  expect(unknown.body.message).toContain('company.no_such_attribute');

  const chosen = fields.body.company[0].name as string;
  const started = await sys.api('POST', `/v1/data_sources/${id}/intercom/import`, {
    custom_attributes: { company: [chosen] },
  });
  expect(started.status).toBe(202);
  expect(started.body).toMatchObject({ uuid: id, generation: expect.any(Number) });
  // The workflow answers with its status view as of accepting the selection.
  expect(['connected', 'importing', 'live']).toContain(started.body.status);
  const selected = await sys.api('GET', `/v1/data_sources/${id}/intercom/fields`);
  expect(selected.body.company.filter((f: any) => f.selected).map((f: any) => f.name)).toEqual([chosen]);

  const again = await sys.api('POST', `/v1/data_sources/${id}/intercom/import`, {});
  expect(again.status).toBe(409);

  const done = await eventually(async () => {
    const s = await sourceOf(id);
    return s.progress.finished_at ? s : undefined;
  }, 'the backfill to finish');
  expect(done.progress.companies_imported).toBe(sys.fake.store.companies().length);
  expect(done.progress.pages_fetched).toBeGreaterThan(0);
  expect(done.progress.started_at).toEqual(expect.any(String));

  const customers = await sys.api('GET', `/v1/customers?data_source_uuid=${id}&per_page=200`);
  expect(customers.body.entries).toHaveLength(sys.fake.store.companies().length);
  expect(sys.logs.text.includes(sys.fake.accessToken)).toBe(false);
});
