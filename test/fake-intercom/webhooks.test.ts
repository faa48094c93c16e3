import { createHmac } from 'node:crypto';
import { startFakeIntercom, type FakeIntercom } from '../../src/fake-intercom';
import { api, startReceiver, waitFor, type Json, type Receiver } from './helpers';

describe('webhooks', () => {
  let receiver: Receiver;
  let fake: FakeIntercom;

  beforeEach(async () => {
    receiver = await startReceiver();
    fake = await startFakeIntercom({
      companies: 20,
      contacts: 40,
      seed: 5,
      webhookUrl: receiver.url,
      clientSecret: 'shh-secret',
      // Intercom's policy with its minute as 30 ms.
      webhookTimeScale: 0.0005,
      quiet: true,
    });
  });
  afterEach(async () => {
    await fake.close();
    await receiver.close();
  });

  const createCompanies = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const res = await api(fake, 'POST', '/companies', { company_id: `wh-${i}`, name: `Webhook ${i}` });
      expect(res.status).toBe(200);
    }
  };

  it('sends a signed notification_event envelope that verifies with the client secret', async () => {
    await createCompanies(1);
    await fake.webhooks.drained();
    expect(receiver.received).toHaveLength(1);
    const { headers, raw, json } = receiver.received[0];
    const expected = `sha1=${createHmac('sha1', 'shh-secret').update(raw).digest('hex')}`;
    expect(headers['x-hub-signature']).toBe(expected);
    expect(headers['x-hub-signature']).not.toBe(`sha1=${createHmac('sha1', 'other').update(raw).digest('hex')}`);
    expect(headers['content-type']).toMatch(/^application\/json/);
    expect(headers['user-agent']).toBe('intercom-parrot-service-client/1.0');
    expect(json).toMatchObject({
      type: 'notification_event',
      topic: 'company.created',
      app_id: fake.appId,
      data: { type: 'notification_event_data', item: { type: 'company', company_id: 'wh-0', name: 'Webhook 0' } },
      delivery_attempts: 1,
      links: {},
      self: null,
    });
    expect(json.id).toMatch(/^notif_[0-9a-f-]{36}$/);
    expect(typeof json.created_at).toBe('number');
    expect(typeof json.first_sent_at).toBe('number');
  });

  it('emits minimal items for deletions and the contact lifecycle topics', async () => {
    const company = fake.store.companies()[0];
    await api(fake, 'DELETE', `/companies/${company.id as string}`);
    const lead = await api<Json>(fake, 'POST', '/contacts', { role: 'lead', name: 'Lead' });
    await api(fake, 'PUT', `/contacts/${lead.body.id as string}`, { name: 'Lead 2' });
    await api(fake, 'POST', `/contacts/${lead.body.id as string}/archive`);
    const user = await api<Json>(fake, 'POST', '/contacts', { external_id: 'wh-user' });
    await api(fake, 'DELETE', `/contacts/${user.body.id as string}`);
    await fake.webhooks.drained();
    const events = receiver.received.map((r) => [r.json.topic, (r.json.data as Json).item]);
    expect(events.map((e) => e[0])).toEqual([
      'company.deleted',
      'contact.lead.created',
      'contact.lead.updated',
      'contact.archived',
      'contact.user.created',
      'contact.deleted',
    ]);
    // Minimal payloads, as documented: no company_id, no name.
    expect(events[0][1]).toEqual({ id: company.id, type: 'company', deleted: true });
    expect(events[5][1]).toEqual({ id: user.body.id, external_id: 'wh-user', type: 'contact', deleted: true });
  });

  it('duplicate sends each notification twice with the same id', async () => {
    fake.webhooks.duplicate = true;
    await createCompanies(3);
    await fake.webhooks.drained();
    expect(receiver.received).toHaveLength(6);
    const ids = receiver.received.map((r) => r.json.id as string);
    expect(new Set(ids).size).toBe(3);
    expect(fake.webhooks.sent()).toBe(6);
  });

  it('outOfOrder shuffles deliveries within small batches, nothing is lost', async () => {
    fake.webhooks.outOfOrder = true;
    fake.webhooks.pause();
    await createCompanies(20);
    expect(fake.webhooks.pending()).toBe(20);
    fake.webhooks.resume();
    await fake.webhooks.drained();
    const order = receiver.received.map((r) => ((r.json.data as Json).item as Json).company_id as string);
    const expected = Array.from({ length: 20 }, (_, i) => `wh-${i}`);
    expect([...order].sort()).toEqual([...expected].sort());
    expect(order).not.toEqual(expected);
    // Shuffling stays within batches of 5: every delivery is at most 4 places from where it was emitted.
    order.forEach((id, i) => expect(Math.abs(expected.indexOf(id) - i)).toBeLessThanOrEqual(4));
  });

  it('retries a failed delivery once, a (scaled) minute later, with delivery_attempts 2', async () => {
    receiver.status = 500;
    await createCompanies(1);
    await waitFor(() => receiver.hits >= 1);
    receiver.status = 200;
    await fake.webhooks.drained();
    expect(receiver.hits).toBe(2);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].json.delivery_attempts).toBe(2);
    expect(fake.webhooks.sent()).toBe(1);
    expect(fake.webhooks.dropped()).toBe(0);
  });

  it('drops a notification for good after its one retry fails (timeout, error status or receiver down)', async () => {
    receiver.status = 'drop';
    await createCompanies(2);
    await fake.webhooks.drained();
    expect(receiver.hits).toBe(4); // two notifications, one retry each
    expect(fake.webhooks.stats()).toEqual({
      policy: 'intercom',
      sent: 0,
      dropped: 2,
      attempts: 4,
      pending: 0,
      disabled: false,
    });
    expect(fake.webhooks.dropped()).toBe(2);
    expect(fake.webhooks.failed()).toBe(2);
    expect(fake.webhooks.pending()).toBe(0);
    receiver.status = 200;
    await createCompanies(1);
    await fake.webhooks.drained();
    // Only the new one arrives: the dropped ones are never sent again.
    expect(receiver.received.map((r) => ((r.json.data as Json).item as Json).company_id)).toEqual(['wh-0']);
    expect(receiver.received[0].json.topic).toBe('company.updated');
  });

  it('410 disables the subscription: nothing is sent any more until it is enabled again', async () => {
    receiver.status = 410;
    await createCompanies(1);
    await fake.webhooks.drained();
    expect(fake.webhooks.disabled()).toBe(true);
    receiver.status = 200;
    await createCompanies(2);
    await fake.webhooks.drained();
    expect(receiver.hits).toBe(1);
    expect(fake.webhooks.dropped()).toBe(3);
    fake.webhooks.enable();
    fake.webhooks.ping();
    await fake.webhooks.drained();
    expect(receiver.received.map((r) => r.json.topic)).toEqual(['ping']);
  });

  it('429 throttles the whole subscription and does not count as an attempt', async () => {
    receiver.status = 429;
    await createCompanies(2);
    await waitFor(() => receiver.hits >= 1);
    receiver.status = 200;
    await fake.webhooks.drained();
    expect(receiver.received.map((r) => ((r.json.data as Json).item as Json).company_id)).toEqual(['wh-0', 'wh-1']);
    expect(receiver.received[0].json.delivery_attempts).toBe(1);
    expect(fake.webhooks.dropped()).toBe(0);
  });

  it('ping: what Intercom sends when the subscription is saved or tested', async () => {
    fake.webhooks.ping();
    await fake.webhooks.drained();
    expect(receiver.received[0].json).toMatchObject({
      type: 'notification_event',
      topic: 'ping',
      app_id: fake.appId,
      data: { type: 'notification_event_data', item: { type: 'ping' } },
      delivered_at: 0,
    });
  });

  it('send() and emitBurst() emit arbitrary notifications; close() stops pending retries', async () => {
    fake.webhooks.send('custom.topic', { type: 'thing', id: 'x' });
    fake.webhooks.emitBurst(5);
    await fake.webhooks.drained();
    expect(receiver.received.map((r) => r.json.topic)).toEqual([
      'custom.topic',
      ...Array(5).fill('contact.user.updated'),
    ]);
    receiver.status = 503;
    fake.webhooks.send('custom.topic', { type: 'thing', id: 'y' });
    await waitFor(() => receiver.hits >= 7);
    await fake.close();
    expect(fake.webhooks.pending()).toBe(0);
    await fake.webhooks.drained();
  });
});

describe('lenient webhook delivery (benchmarks only)', () => {
  it('retries with growing delivery_attempts while the receiver fails or is down, then delivers', async () => {
    const receiver = await startReceiver();
    const fake = await startFakeIntercom({
      companies: 3,
      contacts: 3,
      webhookUrl: receiver.url,
      webhookDelivery: 'lenient',
      webhookRetryBaseMs: 5,
      quiet: true,
    });
    try {
      receiver.status = 500;
      await api(fake, 'POST', '/companies', { company_id: 'x', name: 'x' });
      await waitFor(() => receiver.hits >= 2);
      receiver.status = 'drop';
      const hitsBeforeDrop = receiver.hits;
      await waitFor(() => receiver.hits >= hitsBeforeDrop + 1);
      expect(fake.webhooks.sent()).toBe(0);
      expect(fake.webhooks.pending()).toBe(1);
      receiver.status = 200;
      await fake.webhooks.drained();
      expect(receiver.received).toHaveLength(1);
      const attempts = receiver.received[0].json.delivery_attempts as number;
      expect(attempts).toBe(fake.webhooks.attempts());
      expect(attempts).toBeGreaterThanOrEqual(4);
    } finally {
      await fake.close();
      await receiver.close();
    }
  });
});

describe('webhooks without a webhookUrl', () => {
  it('sends nothing and never has anything pending', async () => {
    const fake = await startFakeIntercom({ companies: 3, contacts: 3, quiet: true });
    try {
      await api(fake, 'POST', '/companies', { company_id: 'x', name: 'x' });
      expect(fake.webhooks.pending()).toBe(0);
      expect(fake.webhooks.sent()).toBe(0);
    } finally {
      await fake.close();
    }
  });
});
