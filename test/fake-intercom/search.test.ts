import { startFakeIntercom, type FakeIntercom } from '../../src/fake-intercom';
import { api, ManualClock, type Json } from './helpers';

type ContactList = { type: string; data: Json[]; total_count: number; pages: Json & { next?: Json } };

describe('POST /contacts/search', () => {
  let fake: FakeIntercom;
  let contacts: Json[];

  beforeAll(async () => {
    fake = await startFakeIntercom({ companies: 30, contacts: 300, seed: 9, quiet: true });
    contacts = fake.store.contacts();
  });
  afterAll(() => fake.close());

  /** Runs a query through every page (cursor in the body) and returns the matching ids. */
  const searchAll = async (query: unknown, perPage = 37, sort?: Json): Promise<string[]> => {
    const ids: string[] = [];
    let startingAfter: string | undefined;
    for (;;) {
      const res = await api<ContactList>(fake, 'POST', '/contacts/search', {
        query,
        sort,
        pagination: { per_page: perPage, ...(startingAfter ? { starting_after: startingAfter } : {}) },
      });
      expect(res.status).toBe(200);
      ids.push(...res.body.data.map((c) => c.id as string));
      const next = res.body.pages.next as Json | undefined;
      if (!next) return ids;
      startingAfter = next.starting_after as string;
    }
  };
  const ids = (pred: (c: Json) => boolean): string[] => contacts.filter(pred).map((c) => c.id as string);
  const sorted = (a: string[]): string[] => [...a].sort();
  const search400 = async (query: unknown, extra: Json = {}): Promise<string> => {
    const res = await api<Json>(fake, 'POST', '/contacts/search', { query, ...extra });
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('error.list');
    return ((res.body.errors as Json[])[0].message as string) ?? '';
  };

  it('string operators = != IN NIN ~ !~ ^ $', async () => {
    const email = contacts[3].email as string;
    expect(await searchAll({ field: 'email', operator: '=', value: email })).toEqual([contacts[3].id]);
    expect(sorted(await searchAll({ field: 'role', operator: '!=', value: 'user' }))).toEqual(
      sorted(ids((c) => c.role !== 'user')),
    );
    const two = [contacts[1].external_id, contacts[2].external_id].filter((x): x is string => typeof x === 'string');
    expect(sorted(await searchAll({ field: 'external_id', operator: 'IN', value: two }))).toEqual(
      sorted(ids((c) => two.includes(c.external_id as string))),
    );
    expect(
      sorted(await searchAll({ field: 'email_domain', operator: 'NIN', value: ['acme.test', 'globex.io'] })),
    ).toEqual(sorted(ids((c) => !['acme.test', 'globex.io'].includes(c.email_domain as string))));
    // Only email compares case-insensitively; names are matched as written.
    expect(sorted(await searchAll({ field: 'name', operator: '~', value: 'Łukasz' }))).toEqual(
      sorted(ids((c) => typeof c.name === 'string' && c.name.includes('Łukasz'))),
    );
    expect(ids((c) => typeof c.name === 'string' && c.name.includes('Łukasz')).length).toBeGreaterThan(0);
    expect(await searchAll({ field: 'name', operator: '~', value: 'łUKASZ' })).toEqual([]);
    expect(sorted(await searchAll({ field: 'email', operator: '!~', value: 'joe' }))).toEqual(
      sorted(ids((c) => !(c.email as string).includes('joe'))),
    );
    expect(sorted(await searchAll({ field: 'email', operator: '^', value: 'ana.' }))).toEqual(
      sorted(ids((c) => (c.email as string).startsWith('ana.'))),
    );
    expect(sorted(await searchAll({ field: 'email', operator: '$', value: '.io' }))).toEqual(
      sorted(ids((c) => (c.email as string).endsWith('.io'))),
    );
  });

  it('integer, float and boolean custom attributes with their operators', async () => {
    const logins = (c: Json): number | undefined => (c.custom_attributes as Json).logins as number | undefined;
    expect(sorted(await searchAll({ field: 'custom_attributes.logins', operator: '>=', value: 500 }))).toEqual(
      sorted(ids((c) => (logins(c) ?? -1) >= 500)),
    );
    expect(sorted(await searchAll({ field: 'custom_attributes.logins', operator: '<=', value: '100' }))).toEqual(
      sorted(ids((c) => logins(c) !== undefined && logins(c)! <= 100)),
    );
    const nps = (c: Json): number | undefined => (c.custom_attributes as Json).nps as number | undefined;
    expect(sorted(await searchAll({ field: 'custom_attributes.nps', operator: '>', value: 5.5 }))).toEqual(
      sorted(ids((c) => (nps(c) ?? -1) > 5.5)),
    );
    expect(sorted(await searchAll({ field: 'custom_attributes.beta_tester', operator: '=', value: true }))).toEqual(
      sorted(ids((c) => (c.custom_attributes as Json).beta_tester === true)),
    );
    expect(sorted(await searchAll({ field: 'owner_id', operator: '=', value: null }))).toEqual(
      sorted(ids((c) => c.owner_id === null)),
    );
  });

  it('rejects operators that do not fit the type, and values of the wrong type', async () => {
    expect(await search400({ field: 'custom_attributes.nps', operator: '>=', value: 1 })).toMatch(/>=/);
    expect(await search400({ field: 'email', operator: '>', value: 'a' })).toMatch(/not supported/);
    expect(await search400({ field: 'custom_attributes.logins', operator: '=', value: 'many' })).toMatch(/integer/);
    expect(await search400({ field: 'tag_id', operator: 'IN', value: ['1'] })).toMatch(/tag_id/);
    expect(await search400({ field: 'no_such_field', operator: '=', value: 'x' })).toMatch(/not a searchable field/);
    expect(await search400({ field: 'role', operator: 'LIKE', value: 'x' })).toMatch(/not supported/);
  });

  it('date fields match by UTC calendar day: = whole day, > from next midnight, < before the day', async () => {
    const pivot = contacts[40].created_at as number;
    const start = Math.floor(pivot / 86400) * 86400;
    const end = start + 86400;
    const created = (c: Json): number => c.created_at as number;
    const eq = await searchAll({ field: 'created_at', operator: '=', value: pivot });
    expect(sorted(eq)).toEqual(sorted(ids((c) => created(c) >= start && created(c) < end)));
    expect(eq.length).toBeGreaterThanOrEqual(1);
    // A value late in the day still means the whole day.
    expect(sorted(await searchAll({ field: 'created_at', operator: '=', value: end - 1 }))).toEqual(sorted(eq));
    expect(sorted(await searchAll({ field: 'created_at', operator: '>', value: pivot }))).toEqual(
      sorted(ids((c) => created(c) >= end)),
    );
    expect(sorted(await searchAll({ field: 'created_at', operator: '<', value: String(pivot) }))).toEqual(
      sorted(ids((c) => created(c) < start)),
    );
    // Contacts created earlier on the same day are not "> pivot": day granularity, not seconds.
    const sameDayAfter = ids((c) => created(c) > pivot && created(c) < end);
    const gt = new Set(await searchAll({ field: 'created_at', operator: '>', value: pivot }));
    sameDayAfter.forEach((id) => expect(gt.has(id)).toBe(false));
    for (const op of ['!=', '>=', '<=']) {
      expect(await search400({ field: 'updated_at', operator: op, value: pivot })).toMatch(/not supported for date/);
    }
    for (const op of ['IN', 'NIN']) {
      expect(await search400({ field: 'last_seen_at', operator: op, value: [pivot] })).toMatch(/not supported/);
    }
  });

  it('the common incremental query (updated_at > t OR updated_at = t) AND updated_at < e works', async () => {
    const t = contacts[10].updated_at as number;
    const e = t + 90 * 86400;
    const dayStart = Math.floor(t / 86400) * 86400;
    const dayEnd = Math.floor(e / 86400) * 86400;
    const result = await searchAll(
      {
        operator: 'AND',
        value: [
          {
            operator: 'OR',
            value: [
              { field: 'updated_at', operator: '>', value: t },
              { field: 'updated_at', operator: '=', value: t },
            ],
          },
          { field: 'updated_at', operator: '<', value: e },
        ],
      },
      150,
      { field: 'updated_at', order: 'ascending' },
    );
    const expected = contacts
      .filter((c) => (c.updated_at as number) >= dayStart && (c.updated_at as number) < dayEnd)
      .sort((a, b) => (a.updated_at as number) - (b.updated_at as number));
    expect(sorted(result)).toEqual(sorted(expected.map((c) => c.id as string)));
    const byId = new Map(contacts.map((c) => [c.id, c.updated_at as number]));
    const times = result.map((id) => byId.get(id)!);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('sort descending is honoured across pages', async () => {
    const result = await searchAll({ field: 'role', operator: '=', value: 'user' }, 20, {
      field: 'created_at',
      order: 'descending',
    });
    const byId = new Map(contacts.map((c) => [c.id, c.created_at as number]));
    const times = result.map((id) => byId.get(id)!);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(result).size).toBe(result.length);
  });

  it('enforces at most 2 levels of nesting and 15 filters per group', async () => {
    const f = { field: 'role', operator: '=', value: 'user' };
    const deep = { operator: 'AND', value: [{ operator: 'OR', value: [{ operator: 'AND', value: [f] }] }] };
    expect(await search400(deep)).toMatch(/nesting/i);
    const twoLevels = { operator: 'AND', value: [{ operator: 'OR', value: [f, f] }, f] };
    expect((await searchAll(twoLevels)).length).toBeGreaterThan(0);
    expect(await search400({ operator: 'OR', value: Array(16).fill(f) })).toMatch(/at most 15/);
    expect((await searchAll({ operator: 'OR', value: Array(15).fill(f) })).length).toBeGreaterThan(0);
  });

  it('pagination: default 50, max 150, cursor only in the body, no next on the last page', async () => {
    const q = { field: 'role', operator: 'IN', value: ['user', 'lead'] };
    const first = await api<ContactList>(fake, 'POST', '/contacts/search', { query: q });
    expect(first.body.data).toHaveLength(50);
    expect(first.body.total_count).toBe(300);
    expect(first.body.pages).toMatchObject({ type: 'pages', page: 1, per_page: 50, total_pages: 6 });
    const cursor = (first.body.pages.next as Json).starting_after as string;
    const ignored = await api<ContactList>(fake, 'POST', `/contacts/search?starting_after=${cursor}`, { query: q });
    expect(ignored.body.data.map((c) => c.id)).toEqual(first.body.data.map((c) => c.id));
    const second = await api<ContactList>(fake, 'POST', '/contacts/search', {
      query: q,
      pagination: { per_page: 50, starting_after: cursor },
    });
    expect(second.body.pages.page).toBe(2);
    expect(second.body.data[0].id).not.toBe(first.body.data[0].id);
    expect(await search400(q, { pagination: { per_page: 151 } })).toMatch(/per_page/);
    const last = await api<ContactList>(fake, 'POST', '/contacts/search', { query: q, pagination: { per_page: 150 } });
    const lastPage = await api<ContactList>(fake, 'POST', '/contacts/search', {
      query: q,
      pagination: { per_page: 150, starting_after: (last.body.pages.next as Json).starting_after },
    });
    expect(lastPage.body.data).toHaveLength(150);
    expect(lastPage.body.pages.next).toBeUndefined();
  });

  it('search hits omit subscription, utm and referrer fields that GET /contacts/{id} has', async () => {
    const hit = (
      await api<ContactList>(fake, 'POST', '/contacts/search', {
        query: { field: 'id', operator: '=', value: contacts[0].id },
      })
    ).body.data[0];
    const full = (await api<Json>(fake, 'GET', `/contacts/${contacts[0].id as string}`)).body;
    for (const key of [
      'opted_in_subscription_types',
      'opted_out_subscription_types',
      'utm_source',
      'referrer',
      'enabled_push_messaging',
    ]) {
      expect(hit).not.toHaveProperty(key);
      expect(full).toHaveProperty(key);
    }
    expect(hit.updated_at).toBe(full.updated_at);
  });

  it('searches tag_id and custom date attributes', async () => {
    const tagged = contacts.find((c) => (c.tags as Json).total_count === 11)!;
    const tagId = ((tagged.tags as Json).data as Json[])[0].id as string;
    const withTag = await searchAll({ field: 'tag_id', operator: '=', value: tagId });
    expect(withTag).toContain(tagged.id);
    const trial = contacts.find((c) => typeof (c.custom_attributes as Json).trial_ends_at === 'number')!;
    const day = Math.floor(((trial.custom_attributes as Json).trial_ends_at as number) / 86400) * 86400;
    expect(sorted(await searchAll({ field: 'custom_attributes.trial_ends_at', operator: '=', value: day }))).toEqual(
      sorted(
        ids((c) => {
          const v = (c.custom_attributes as Json).trial_ends_at as number | undefined;
          return v !== undefined && v >= day && v < day + 86400;
        }),
      ),
    );
  });
});

describe('search: workspace timezone and index lag', () => {
  it('date days follow the workspace timezone', async () => {
    const fake = await startFakeIntercom({
      companies: 5,
      contacts: 200,
      seed: 2,
      timezone: 'America/New_York',
      quiet: true,
    });
    try {
      const me = await api<Json>(fake, 'GET', '/me');
      expect((me.body.app as Json).timezone).toBe('America/New_York');
      const contacts = fake.store.contacts();
      const pivot = contacts[50].created_at as number;
      const localDay = (sec: number): string =>
        new Date(sec * 1000).toLocaleDateString('en-CA', { timeZone: 'America/New_York' });
      const res = await api<ContactList>(fake, 'POST', '/contacts/search', {
        query: { field: 'created_at', operator: '=', value: pivot },
        pagination: { per_page: 150 },
      });
      const expected = contacts.filter((c) => localDay(c.created_at as number) === localDay(pivot)).map((c) => c.id);
      expect(res.body.data.map((c) => c.id).sort()).toEqual(expected.sort());
    } finally {
      await fake.close();
    }
  });

  it('recently created contacts are invisible to search until the lag has passed', async () => {
    const clock = new ManualClock(Date.UTC(2030, 5, 1, 12));
    const fake = await startFakeIntercom({
      companies: 2,
      contacts: 5,
      searchIndexLagMs: 120_000,
      now: clock.now,
      quiet: true,
    });
    try {
      const created = await api<Json>(fake, 'POST', '/contacts', { email: 'lagging@example.com' });
      const find = (): Promise<{ body: ContactList }> =>
        api<ContactList>(fake, 'POST', '/contacts/search', {
          query: { field: 'email', operator: '=', value: 'lagging@example.com' },
        });
      expect((await find()).body.total_count).toBe(0);
      expect((await api(fake, 'GET', `/contacts/${created.body.id as string}`)).status).toBe(200);
      clock.advance(120_001);
      expect((await find()).body.data.map((c) => c.id)).toEqual([created.body.id]);
    } finally {
      await fake.close();
    }
  });
});
