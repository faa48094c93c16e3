import { startFakeIntercom, type FakeIntercom } from '../../src/fake-intercom';
import { api, loadSpec, startReceiver, waitFor, type Json, type Receiver, type SpecValidator } from './helpers';

/** Company tags: GET /tags, POST /tags tagging and untagging companies, the REST company's `tags` list. */
describe('company tags', () => {
  let fake: FakeIntercom;
  let receiver: Receiver;
  let spec: SpecValidator;

  beforeAll(async () => {
    spec = loadSpec();
    receiver = await startReceiver();
    fake = await startFakeIntercom({ companies: 5, contacts: 10, seed: 9, quiet: true, webhookUrl: receiver.url });
  });
  afterAll(async () => {
    await fake.close();
    await receiver.close();
  });

  it('tags and untags a company, shows the tag by name and notifies company.updated', async () => {
    const company = fake.store.companies()[0];
    const tagged = await api<Json>(fake, 'POST', '/tags', { name: 'vip', companies: [{ id: company.id }] });
    expect(tagged.status).toBe(200);
    expect(spec.validate('tag', tagged.body)).toEqual([]);
    const listed = await api<Json>(fake, 'GET', '/tags');
    expect(spec.validate('tag_list', listed.body)).toEqual([]);
    expect((listed.body.data as Json[]).find((t) => t.id === tagged.body.id)).toMatchObject({ name: 'vip' });

    const shown = await api<Json>(fake, 'GET', `/companies/${company.id as string}`);
    expect(spec.validate('company', shown.body)).toEqual([]);
    expect(shown.body.tags).toEqual({ type: 'tag.list', tags: [{ type: 'tag', id: tagged.body.id, name: 'vip' }] });
    await waitFor(() => receiver.received.some((w) => w.json.topic === 'company.updated'));

    await api<Json>(fake, 'POST', '/tags', { name: 'vip', companies: [{ id: company.id, untag: true }] });
    const untagged = await api<Json>(fake, 'GET', `/companies/${company.id as string}`);
    expect(untagged.body.tags).toEqual({ type: 'tag.list', tags: [] });

    const bad = await api<Json>(fake, 'POST', '/tags', { name: 'vip', companies: [{ id: 'nope' }] });
    expect(bad.status).toBe(404);
  });
});
