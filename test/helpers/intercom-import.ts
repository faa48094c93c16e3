import { eventually, type System } from './system';

/**
 * Creates an Intercom source through the API, connects it with the fake's private-app token, selects every
 * company attribute (and every contact attribute) and waits for the backfill to finish. Returns the source id.
 */
export async function importIntercomSource(sys: System, name: string): Promise<string> {
  const created = await sys.api('POST', '/v1/data_sources', { name, system: 'Intercom' });
  if (created.status !== 201) throw new Error(`create source: ${created.status} ${created.text}`);
  const sourceId: string = created.body.uuid;
  const connected = await sys.api('POST', `/v1/data_sources/${sourceId}/intercom/token`, {
    access_token: sys.fake.accessToken,
  });
  if (connected.status !== 202) throw new Error(`token: ${connected.status} ${connected.text}`);
  await eventually(
    async () => ((await sys.api('GET', `/v1/data_sources/${sourceId}`)).body.status === 'connected' ? true : undefined),
    'connected',
  );
  const fields = await sys.api('GET', `/v1/data_sources/${sourceId}/intercom/fields`);
  const started = await sys.api('POST', `/v1/data_sources/${sourceId}/intercom/import`, {
    companies: true,
    contacts: true,
    custom_attributes: {
      company: fields.body.company.map((f: { name: string }) => f.name),
      contact: fields.body.contact.map((f: { name: string }) => f.name),
    },
  });
  if (started.status !== 202) throw new Error(`import: ${started.status} ${started.text}`);
  await waitLive(sys, sourceId);
  return sourceId;
}

export async function waitLive(sys: System, sourceId: string): Promise<void> {
  await eventually(
    async () => ((await sys.api('GET', `/v1/data_sources/${sourceId}`)).body.status === 'live' ? true : undefined),
    'the import to finish',
    180_000,
  );
}
