import { startFakeIntercom, type FakeIntercom } from '../../src/fake-intercom';
import { api, ManualClock, type Json } from './helpers';

type Scroll = { type: string; data: Json[]; pages: null; total_count: null; scroll_param: string };

describe('companies scroll', () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  let fake: FakeIntercom;

  beforeEach(async () => {
    fake = await startFakeIntercom({
      companies: 120,
      contacts: 50,
      scrollPageSize: 50,
      scrollIdleMs: 60_000,
      now: clock.now,
      quiet: true,
    });
  });
  afterEach(() => fake.close());

  const scroll = (param?: string): Promise<{ status: number; body: Scroll }> =>
    api<Scroll>(fake, 'GET', `/companies/scroll${param ? `?scroll_param=${param}` : ''}`);

  it('pages 50/50/20, ends with an empty page carrying the param, then the param is gone', async () => {
    const first = await scroll();
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(50);
    const param = first.body.scroll_param;
    expect(param).toMatch(/^[0-9a-f-]{36}$/);
    const sizes = [first.body.data.length];
    const ids = first.body.data.map((c) => c.id);
    for (;;) {
      const next = await scroll(param);
      expect(next.status).toBe(200);
      expect(next.body.scroll_param).toBe(param);
      sizes.push(next.body.data.length);
      ids.push(...next.body.data.map((c) => c.id));
      if (next.body.data.length === 0) break;
    }
    expect(sizes).toEqual([50, 50, 20, 0]);
    expect(ids).toEqual(fake.store.companies().map((c) => c.id));
    const after = await scroll(param);
    expect(after.status).toBe(404);
    expect(after.body).toMatchObject({ errors: [{ code: 'not_found', message: 'scroll parameter not found' }] });
    // The lock is released: a new scroll may start.
    expect((await scroll()).status).toBe(200);
  });

  it('a second scroll while one is open is refused with scroll_exists', async () => {
    const first = await scroll();
    const second = await scroll();
    expect(second.status).toBe(400);
    expect(second.body).toMatchObject({
      type: 'error.list',
      errors: [{ code: 'scroll_exists', message: 'scroll already exists for this workspace' }],
    });
    // The open scroll is unaffected.
    expect((await scroll(first.body.scroll_param)).status).toBe(200);
  });

  it('expires after scrollIdleMs without use: 404 and the lock is released', async () => {
    const first = await scroll();
    clock.advance(59_000);
    expect((await scroll(first.body.scroll_param)).status).toBe(200); // use resets the idle timer
    clock.advance(59_999);
    expect((await scroll()).status).toBe(400); // still locked
    clock.advance(1);
    const expired = await scroll(first.body.scroll_param);
    expect(expired.status).toBe(404);
    expect(expired.body).toMatchObject({ errors: [{ message: 'scroll parameter not found' }] });
    expect((await scroll()).status).toBe(200);
  });

  it('loseScroll: the next call answers 500 and the scroll cannot be resumed, but can be restarted', async () => {
    const first = await scroll();
    fake.faults.loseScroll();
    const lost = await scroll(first.body.scroll_param);
    expect(lost.status).toBe(500);
    expect(lost.body).toMatchObject({
      errors: [{ message: 'Request failed due to an internal network error. Please restart the scroll operation.' }],
    });
    expect((await scroll(first.body.scroll_param)).status).toBe(404);
    const restarted = await scroll();
    expect(restarted.status).toBe(200);
    expect(restarted.body.data[0].id).toBe(first.body.data[0].id);
  });

  it('companies created or deleted during a scroll are seen (appended) or skipped', async () => {
    const first = await scroll();
    const doomed = fake.store.companies()[100];
    await api(fake, 'DELETE', `/companies/${doomed.id as string}`);
    await api(fake, 'POST', '/companies', { company_id: 'late', name: 'Late' });
    const ids: unknown[] = [];
    for (;;) {
      const next = await scroll(first.body.scroll_param);
      if (next.body.data.length === 0) break;
      ids.push(...next.body.data.map((c) => c.company_id));
    }
    expect(ids).not.toContain(doomed.company_id);
    expect(ids[ids.length - 1]).toBe('late');
  });
});

describe('companies scroll on an empty workspace', () => {
  it('still returns a scroll_param, and the next call 404s', async () => {
    const fake = await startFakeIntercom({ companies: 0, contacts: 0, quiet: true });
    try {
      const first = await api<Scroll>(fake, 'GET', '/companies/scroll');
      expect(first.status).toBe(200);
      expect(first.body.data).toEqual([]);
      expect(first.body.scroll_param).toBeTruthy();
      const next = await api(fake, 'GET', `/companies/scroll?scroll_param=${first.body.scroll_param}`);
      expect(next.status).toBe(404);
    } finally {
      await fake.close();
    }
  });
});
