import { signWebhook } from '../../src/intercom/webhook-signature';
import { api, type Json } from '../fake-intercom/helpers';
import { eventually, importSource, startSystem, type System } from '../helpers/system';

/**
 * Every company and contact topic Intercom sends, in the shapes it sends them (ISO-ms timestamps, minimal
 * deletions, contact.merged with merged_from, contact.lead.signed_up, contact.unarchive), driven through the fake's
 * write API on the real stack; the final state in PostgreSQL is compared with the fake workspace, exactly.
 */
describe('live sync of every Intercom topic, in real shapes', () => {
  let sys: System;
  let sourceId: string;

  beforeAll(async () => {
    sys = await startSystem({ fake: { companies: 8, contacts: 30, seed: 33 } });
    await sys.startWorker();
    sourceId = await importSource(sys, 'Topics workspace');
  }, 240_000);

  afterAll(async () => {
    await sys?.stop();
  });

  const fake = () => sys.fake;
  const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await api<Json>(fake(), method, path, body);
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.body;
  };

  /** Live contacts (id → sorted company ids) and live companies (id → name) as stored for the source. */
  async function stored() {
    const contacts: Array<{ external_id: string; company_external_id: string; role: string }> = await sys.db.query(
      `SELECT external_id, company_external_id, role FROM contacts WHERE source_id = $1 AND deleted_in_source_at IS NULL`,
      [sourceId],
    );
    const records: Array<{ external_id: string; name: string }> = await sys.db.query(
      `SELECT external_id, name FROM customer_records WHERE source_id = $1 AND deleted_in_source_at IS NULL`,
      [sourceId],
    );
    const links = new Map<string, string[]>();
    for (const c of contacts) links.set(c.external_id, [...(links.get(c.external_id) ?? []), c.company_external_id]);
    for (const v of links.values()) v.sort();
    return {
      links: Object.fromEntries([...links].sort()),
      roles: Object.fromEntries(contacts.map((c) => [c.external_id, c.role]).sort()),
      companies: Object.fromEntries(records.map((r) => [r.external_id, r.name]).sort()),
    };
  }

  /** The same, computed from the fake workspace: contacts without companies are not imported. */
  function expected() {
    const links = new Map<string, string[]>();
    const roles: Record<string, string> = {};
    for (const c of fake().store.contacts()) {
      const ids = fake().store.companyIdsOf(c.id as string);
      if (ids.length === 0) continue;
      links.set(c.id as string, [...ids].sort());
      roles[c.id as string] = c.role as string;
    }
    return {
      links: Object.fromEntries([...links].sort()),
      roles: Object.fromEntries(Object.entries(roles).sort()),
      companies: Object.fromEntries(
        fake()
          .store.companies()
          .map((c) => [c.id as string, c.name as string])
          .sort(),
      ),
    };
  }

  const converged = async (what: string) => {
    await fake().webhooks.drained();
    const want = expected();
    let last: unknown;
    await eventually(
      async () => {
        // Every delivered notification applied (a pending one could hide a difference), and the same state.
        const [{ n }] = await sys.db.query(
          `SELECT count(*)::int AS n FROM webhook_inbox WHERE source_id = $1 AND processed_at IS NULL`,
          [sourceId],
        );
        last = await stored();
        return n === 0 && JSON.stringify(last) === JSON.stringify(want) ? true : undefined;
      },
      what,
      90_000,
    ).catch((err: unknown) => {
      expect(last).toEqual(want); // shows the difference
      throw err;
    });
    expect(fake().webhooks.dropped()).toBe(0);
  };

  it('company and contact topics, merge, signed-up, archive/unarchive and minimal deletions: exact state', async () => {
    const seeded = fake().store.companies();
    const company = await call('POST', '/companies', { company_id: 'topic-1', name: 'Topic One', plan: 'Pro' });
    await call('PUT', `/companies/${company.id as string}`, { name: 'Topic One B', website: 'https://one.example' });

    const user = await call('POST', '/contacts', { email: 'user@topics.example', name: 'Una User' });
    await call('POST', `/contacts/${user.id as string}/companies`, { id: company.id });
    const lead = await call('POST', '/contacts', { role: 'lead', name: 'Lee Lead' });
    await call('POST', `/contacts/${lead.id as string}/companies`, { id: company.id });
    await call('POST', `/contacts/${lead.id as string}/companies`, { id: seeded[1].id });
    const signing = await call('POST', '/contacts', { role: 'lead', email: 'soon@topics.example' });
    await call('POST', `/contacts/${signing.id as string}/companies`, { id: seeded[2].id });
    await converged('created, updated, attached');
    const before = await stored();
    expect(before.links[lead.id as string]).toEqual([company.id, seeded[1].id].sort());
    expect(before.roles[signing.id as string]).toBe('lead');

    // contact.lead.signed_up: the lead becomes a user.
    await call('PUT', `/contacts/${signing.id as string}`, { role: 'user' });
    // contact.merged: the lead is merged into the user, who keeps its company and gains the lead's.
    await call('POST', '/contacts/merge', { from: lead.id, into: user.id });
    // contact.archived, then contact.unarchive: the contact comes back.
    const comeback = fake()
      .store.contacts()
      .find((c) => fake().store.companyIdsOf(c.id as string).length > 0)!;
    await call('POST', `/contacts/${comeback.id as string}/archive`);
    const archivedOnly = fake()
      .store.contacts()
      .find((c) => c.id !== comeback.id && fake().store.companyIdsOf(c.id as string).length > 0)!;
    await call('POST', `/contacts/${archivedOnly.id as string}/archive`);
    await call('POST', `/contacts/${comeback.id as string}/unarchive`);
    // contact.deleted (minimal item) and company.contact.detached.
    const doomed = await call('POST', '/contacts', { email: 'doomed@topics.example' });
    await call('POST', `/contacts/${doomed.id as string}/companies`, { id: seeded[3].id });
    await call('DELETE', `/contacts/${doomed.id as string}`);
    await call('DELETE', `/contacts/${user.id as string}/companies/${company.id as string}`);
    // company.deleted with only its id.
    const gone = await call('POST', '/companies', { company_id: 'topic-gone', name: 'Gone Co' });
    await call('DELETE', `/companies/${gone.id as string}`);

    await converged('every topic applied');
    const after = await stored();
    expect(after.roles[signing.id as string]).toBe('user');
    expect(after.links[user.id as string]).toEqual([seeded[1].id]);
    expect(after.links).not.toHaveProperty(lead.id as string);
    expect(after.links).toHaveProperty(comeback.id as string);
    const leadRows = await sys.db.query(`SELECT 1 FROM contacts WHERE source_id = $1 AND external_id = $2`, [
      sourceId,
      lead.id,
    ]);
    expect(leadRows).toHaveLength(0); // merged away: not a separate contact, not even marked
    const marks = async (table: string, id: unknown) =>
      (await sys.db.query(`SELECT deleted_in_source_at FROM ${table} WHERE source_id = $1 AND external_id = $2`, [
        sourceId,
        id,
      ])) as Array<{ deleted_in_source_at: Date | null }>;
    expect((await marks('contacts', doomed.id)).every((r) => r.deleted_in_source_at !== null)).toBe(true);
    expect((await marks('contacts', archivedOnly.id)).every((r) => r.deleted_in_source_at !== null)).toBe(true);
    const goneRecord = await sys.db.query(
      `SELECT name, customer_id, deleted_in_source_at FROM customer_records WHERE source_id = $1 AND external_id = $2`,
      [sourceId, gone.id],
    );
    expect(goneRecord).toEqual([expect.objectContaining({ name: 'Gone Co', deleted_in_source_at: expect.any(Date) })]);
    expect(goneRecord[0].customer_id).toBeTruthy(); // retained and marked, with its customer
  });

  it('out-of-order and same-second ISO-ms deliveries end in the newest version', async () => {
    const [c1, c2] = fake().store.companies();
    const person = fake()
      .store.contacts()
      .find((c) => fake().store.companyIdsOf(c.id as string).length > 0)!;
    fake().webhooks.pause();
    fake().webhooks.outOfOrder = true;
    // Several versions within a few milliseconds: the same second over REST, distinct in the notifications.
    for (let i = 1; i <= 6; i++) {
      await call('PUT', `/companies/${c1.id as string}`, { name: `Rapid ${i}` });
      await call('PUT', `/companies/${c2.id as string}`, { name: `Quick ${i}` });
      await call('PUT', `/contacts/${person.id as string}`, { name: `Person Version${i}` });
    }
    fake().webhooks.resume();
    await converged('the newest versions');
    fake().webhooks.outOfOrder = false;
    const rows = await sys.db.query(`SELECT last_name FROM contacts WHERE source_id = $1 AND external_id = $2`, [
      sourceId,
      person.id,
    ]);
    expect(rows.every((r: { last_name: string }) => r.last_name === 'Version6')).toBe(true);
  });

  it('a stale version in the same second as the stored one is settled by fetching the object', async () => {
    const target = fake().store.companies()[4];
    await call('PUT', `/companies/${target.id as string}`, { name: 'Current Name' });
    await converged('current name stored');
    const current = fake().store.companies()[4];
    // A notification claiming a later millisecond of the same second, with a name Intercom no longer has.
    const body = JSON.stringify({
      type: 'notification_event',
      id: 'notif_stale_same_second',
      topic: 'company.updated',
      app_id: fake().appId,
      created_at: current.updated_at,
      data: {
        type: 'notification_event_data',
        item: {
          ...current,
          name: 'Stale Name',
          plan: null,
          updated_at: new Date((current.updated_at as number) * 1000 + 999).toISOString().replace('Z', '+00:00'),
        },
      },
    });
    const res = await fetch(`${sys.apiUrl}/webhooks/intercom`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Hub-Signature': signWebhook(body, fake().clientSecret) },
      body,
    });
    expect(res.status).toBe(200);
    await eventually(
      async () =>
        (
          await sys.db.query(
            `SELECT 1 FROM webhook_inbox WHERE source_id = $1 AND notification_id = 'notif_stale_same_second' AND processed_at IS NOT NULL`,
            [sourceId],
          )
        ).length === 1 || undefined,
      'the stale notification applied',
    );
    expect((await stored()).companies[target.id as string]).toBe('Current Name');
  });

  /** Posts a signed notification as Intercom would and waits until live sync has applied it. */
  async function deliver(id: string, topic: string, createdAt: number, item: Json): Promise<void> {
    const body = JSON.stringify({
      type: 'notification_event',
      id,
      topic,
      app_id: fake().appId,
      created_at: createdAt,
      data: { type: 'notification_event_data', item },
    });
    const res = await fetch(`${sys.apiUrl}/webhooks/intercom`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Hub-Signature': signWebhook(body, fake().clientSecret) },
      body,
    });
    expect(res.status).toBe(200);
    await eventually(
      async () =>
        (
          await sys.db.query(
            `SELECT 1 FROM webhook_inbox WHERE source_id = $1 AND notification_id = $2 AND processed_at IS NOT NULL`,
            [sourceId, id],
          )
        ).length === 1 || undefined,
      `${id} applied`,
    );
  }

  it('a deletion takes part in the updated_at order: older versions do not bring it back, a newer one does', async () => {
    const iso = (sec: number, ms = 0) => new Date(sec * 1000 + ms).toISOString().replace('Z', '+00:00');
    const store = fake().store;
    const contact = store.contacts().find((c) => store.companyIdsOf(c.id as string).length > 0)!;
    const older = { ...store.contactWebhookItem(store.getContact(contact.id as string)), name: 'Old Version' };
    const company = store.companies()[5];
    const deletedAt = Math.floor(Date.now() / 1000) + 1;
    await call('DELETE', `/contacts/${contact.id as string}`);
    await converged('contact deleted');
    const rows = () =>
      sys.db.query(`SELECT deleted_in_source_at, first_name FROM contacts WHERE source_id = $1 AND external_id = $2`, [
        sourceId,
        contact.id,
      ]) as Promise<Array<{ deleted_in_source_at: Date | null; first_name: string | null }>>;
    expect((await rows()).every((r) => r.deleted_in_source_at !== null)).toBe(true);

    // An update older than the deletion, delivered late (Intercom's retry a minute later): stays deleted.
    await deliver('notif_late_contact_update', 'contact.user.updated', deletedAt - 30, older);
    expect((await rows()).every((r) => r.deleted_in_source_at !== null && r.first_name !== 'Old')).toBe(true);

    // Companies alike: a deletion announced with only the id, then an older version of the company.
    await deliver('notif_company_deleted', 'company.deleted', deletedAt, {
      id: company.id,
      type: 'company',
      deleted: true,
    });
    await deliver('notif_late_company_update', 'company.updated', deletedAt, {
      ...company,
      name: 'Older Than Its Deletion',
      updated_at: iso(deletedAt - 5, 123),
    });
    const record = async () =>
      (
        await sys.db.query(
          `SELECT name, deleted_in_source_at FROM customer_records WHERE source_id = $1 AND external_id = $2`,
          [sourceId, company.id],
        )
      )[0] as { name: string; deleted_in_source_at: Date | null };
    expect(await record()).toEqual({ name: company.name, deleted_in_source_at: expect.any(Date) });

    // A version newer than the deletion (what an unarchive is) brings the contact back.
    await deliver('notif_newer_contact_update', 'contact.user.updated', deletedAt + 60, {
      ...older,
      name: 'New Version',
      updated_at: iso(deletedAt + 60, 5),
    });
    expect(await rows()).toEqual(
      expect.arrayContaining([expect.objectContaining({ deleted_in_source_at: null, first_name: 'New' })]),
    );
  });

  it('the setup page shows a signed ping and a notification with a wrong signature', async () => {
    fake().webhooks.ping();
    await fake().webhooks.drained();
    const forged = JSON.stringify({ type: 'notification_event', id: 'notif_x', topic: 'ping', app_id: 'wrong-ws' });
    const bad = await fetch(`${sys.apiUrl}/webhooks/intercom`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Hub-Signature': signWebhook(forged, 'not-the-secret') },
      body: forged,
    });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain('INTERCOM_CLIENT_SECRET');
    const page = await fetch(`${sys.apiUrl}/app/setup/intercom`, {
      headers: { Authorization: `Basic ${Buffer.from(`${sys.apiKey}:`).toString('base64')}` },
    });
    expect(page.status).toBe(200);
    const text = await page.text();
    const row = (appId: string) =>
      new RegExp(`<tr data-app-id="${appId}" data-signature="(\\w+)">([\\s\\S]*?)</tr>`).exec(text);
    const good = row(fake().appId);
    expect(good?.[1]).toBe('valid');
    expect(good?.[2]).toContain('<code>ping</code>');
    expect(good?.[2]).toMatch(/<time datetime/);
    const wrong = row('wrong-ws');
    expect(wrong?.[1]).toBe('invalid');
    expect(wrong?.[2]).toContain('Signature invalid');
    expect(text).toContain(`${sys.config.publicUrl}/webhooks/intercom`);
    expect(text).toContain(`${sys.config.publicUrl}/oauth/intercom/callback`);
    expect(text).toContain('<code>contact.merged</code>');
    expect(text).not.toContain(sys.fake.clientSecret);
  });
});
