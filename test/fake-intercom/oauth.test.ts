import { startFakeIntercom, type FakeIntercom } from '../../src/fake-intercom';
import { ManualClock, type Json } from './helpers';

describe('OAuth', () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  let fake: FakeIntercom;
  const redirect = 'https://crm.example.com/intercom/callback';

  beforeAll(async () => {
    fake = await startFakeIntercom({
      companies: 2,
      contacts: 2,
      clientId: 'cid',
      clientSecret: 'csecret',
      redirectUris: [redirect],
      now: clock.now,
      quiet: true,
    });
  });
  afterAll(() => fake.close());

  /** Opens the consent page, submits its form, and returns the code from the redirect. */
  const authorize = async (state: string): Promise<string> => {
    const page = await fetch(
      `${fake.url}/oauth?client_id=cid&state=${state}&redirect_uri=${encodeURIComponent(redirect)}`,
    );
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Authorize access');
    const action = /<form method="post" action="([^"]+)">/.exec(html)![1];
    const fields = new URLSearchParams();
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields.set(m[1], m[2]);
    const submit = await fetch(`${fake.url}${action}`, { method: 'POST', body: fields, redirect: 'manual' });
    expect(submit.status).toBe(302);
    const location = new URL(submit.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirect);
    expect(location.searchParams.get('state')).toBe(state);
    return location.searchParams.get('code')!;
  };

  const exchange = (body: Record<string, string>, form = false): Promise<Response> =>
    fetch(`${fake.url}/auth/eagle/token`, {
      method: 'POST',
      headers: { 'Content-Type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
      body: form ? new URLSearchParams(body) : JSON.stringify(body),
    });

  it('code flow issues a working Bearer token; codes are single-use', async () => {
    const code = await authorize('xyz');
    const res = await exchange({ code, client_id: 'cid', client_secret: 'csecret' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.token_type).toBe('Bearer');
    expect(body.access_token).toBe(body.token);
    const me = await fetch(`${fake.url}/me`, { headers: { Authorization: `Bearer ${body.token as string}` } });
    expect(me.status).toBe(200);
    const reused = await exchange({ code, client_id: 'cid', client_secret: 'csecret' });
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ type: 'error.list', errors: [{ code: 'parameter_invalid' }] });
    fake.revokeToken(body.token as string);
    expect(
      (await fetch(`${fake.url}/me`, { headers: { Authorization: `Bearer ${body.token as string}` } })).status,
    ).toBe(401);
  });

  it('accepts a form body; rejects a wrong secret (401) and an expired code (400)', async () => {
    const code = await authorize('s1');
    const wrong = await exchange({ code, client_id: 'cid', client_secret: 'nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ type: 'error.list', errors: [{ code: 'unauthorized' }] });
    // The failed attempt with bad credentials did not consume the code.
    expect((await exchange({ code, client_id: 'cid', client_secret: 'csecret' }, true)).status).toBe(200);

    const late = await authorize('s2');
    clock.advance(5 * 60_000 + 1);
    expect((await exchange({ code: late, client_id: 'cid', client_secret: 'csecret' })).status).toBe(400);
    const fresh = await authorize('s3');
    clock.advance(5 * 60_000 - 1);
    expect((await exchange({ code: fresh, client_id: 'cid', client_secret: 'csecret' })).status).toBe(200);
    expect((await exchange({ code: 'made-up', client_id: 'cid', client_secret: 'csecret' })).status).toBe(400);
  });

  it('refuses a redirect_uri the app did not register', async () => {
    const other = 'https://attacker.example/steal';
    const page = await fetch(`${fake.url}/oauth?client_id=cid&state=x&redirect_uri=${encodeURIComponent(other)}`);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('not one of the redirect URLs registered');
    const fields = new URLSearchParams({ client_id: 'cid', state: 'x', redirect_uri: other });
    const submit = await fetch(`${fake.url}/oauth/authorize`, { method: 'POST', body: fields, redirect: 'manual' });
    expect(submit.status).toBe(400);
    expect(submit.headers.get('location')).toBeNull();
  });

  it('unknown client_id shows a 400 page', async () => {
    const res = await fetch(`${fake.url}/oauth?client_id=other&state=x&redirect_uri=${encodeURIComponent(redirect)}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Unknown client_id');
  });
});
