import { IntercomClient } from 'intercom-client';
import { startFakeIntercom, type FakeIntercom } from '../../src/fake-intercom';
import { api, ManualClock, type Json } from './helpers';

describe('rate limiter (10-second windows, injectable clock)', () => {
  // 60/min -> 10 per 10-second window. The clock starts 3 s into a window.
  const clock = new ManualClock(Date.UTC(2030, 0, 1, 0, 0, 3));
  let fake: FakeIntercom;

  beforeAll(async () => {
    fake = await startFakeIntercom({ companies: 5, contacts: 5, rateLimitPerMinute: 60, now: clock.now, quiet: true });
  });
  afterAll(() => fake.close());
  afterEach(() => fake.faults.reset());

  it('counts down, answers 429 with headers when exhausted, and recovers in the next window', async () => {
    const reset = String(Date.UTC(2030, 0, 1, 0, 0, 10) / 1000);
    for (let i = 1; i <= 10; i++) {
      const res = await api(fake, 'GET', '/me');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('10');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(10 - i));
      expect(res.headers.get('x-ratelimit-reset')).toBe(reset);
    }
    const limited = await api<Json>(fake, 'GET', '/me');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-reset')).toBe(reset);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(limited.body).toMatchObject({
      type: 'error.list',
      errors: [{ code: 'rate_limit_exceeded', message: 'Exceeded rate limit of 10 in 10_seconds' }],
    });
    expect(typeof limited.body.request_id).toBe('string');

    fake.faults.retryAfter = true;
    clock.advance(2000);
    const withRetry = await api(fake, 'GET', '/me');
    expect(withRetry.status).toBe(429);
    expect(withRetry.headers.get('retry-after')).toBe('5');

    clock.advance(5000); // now 00:00:10, a new window
    const ok = await api(fake, 'GET', '/me');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('9');
    expect(ok.headers.get('x-ratelimit-reset')).toBe(String(Date.UTC(2030, 0, 1, 0, 0, 20) / 1000));
  });

  it('404 responses carry the headers too; 401 responses do not (as Intercom)', async () => {
    clock.advance(10_000);
    const unauthorized = await api(fake, 'GET', '/me', undefined, null);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('x-ratelimit-limit')).toBeNull();
    expect(unauthorized.headers.get('x-ratelimit-remaining')).toBeNull();
    const unknown = await api<Json>(fake, 'GET', '/no/such/route');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ type: 'error.list', errors: [{ code: 'not_found' }] });
    expect(unknown.headers.get('x-ratelimit-remaining')).toBe('8');
  });
});

describe('auth and fault switches', () => {
  let fake: FakeIntercom;

  beforeAll(async () => {
    fake = await startFakeIntercom({ companies: 5, contacts: 5, quiet: true });
  });
  afterAll(() => fake.close());
  afterEach(() => fake.faults.reset());

  it('401 Access Token Invalid for missing, invalid and revoked tokens; issued tokens work', async () => {
    for (const token of [null, 'nope']) {
      const res = await api<Json>(fake, 'GET', '/me', undefined, token);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        type: 'error.list',
        request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        errors: [{ code: 'unauthorized', message: 'Access Token Invalid' }],
      });
    }
    const extra = fake.issueToken();
    expect((await api(fake, 'GET', '/me', undefined, extra)).status).toBe(200);
    fake.revokeToken(extra);
    expect((await api(fake, 'GET', '/me', undefined, extra)).status).toBe(401);
    expect((await api(fake, 'GET', '/me')).status).toBe(200);
  });

  it('failNext answers 5xx error lists, then normal service resumes', async () => {
    fake.faults.failNext(2, 503);
    const first = await api<Json>(fake, 'GET', '/me');
    expect(first.status).toBe(503);
    expect(first.body).toMatchObject({ type: 'error.list', errors: [{ code: 'service_unavailable' }] });
    expect((await api(fake, 'GET', '/me')).status).toBe(503);
    expect((await api(fake, 'GET', '/me')).status).toBe(200);
    fake.faults.failNext(1);
    expect((await api(fake, 'GET', '/me')).status).toBe(500);
  });

  it('the SDK retries through an injected 502, and 429 bursts carry Retry-After', async () => {
    // The SDK waits until X-RateLimit-Reset before retrying any 5xx/429. A clock 20 s behind makes that reset lie in
    // the SDK's past, so it falls back to its ~1 s backoff instead of waiting up to 10 s for the window to end.
    const lagging = await startFakeIntercom({ companies: 1, contacts: 1, now: () => Date.now() - 20_000, quiet: true });
    try {
      const client = new IntercomClient({ token: lagging.accessToken, baseUrl: lagging.url, maxRetries: 2 });
      lagging.faults.failNext(1, 502);
      const me = await client.admins.identify();
      expect(me?.app?.id_code).toBe(lagging.appId);
      expect(lagging.requestCount('/me')).toBe(2);
    } finally {
      await lagging.close();
    }
    fake.faults.rateLimitBurst(1);
    fake.faults.retryAfter = true;
    const limited = await api(fake, 'GET', '/me');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect((await api(fake, 'GET', '/me')).status).toBe(200);
  });

  it('nonJsonNext answers 200 with an HTML body', async () => {
    fake.faults.nonJsonNext(1);
    const res = await api(fake, 'GET', '/me');
    expect(res.status).toBe(200);
    expect(res.body).toBeUndefined();
    expect(res.text).toMatch(/<html>/);
    expect((await api(fake, 'GET', '/me')).body).toMatchObject({ type: 'admin' });
  });

  it('slow(ms) delays responses until reset', async () => {
    fake.faults.slow(150);
    const started = Date.now();
    await api(fake, 'GET', '/me');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    // After reset nothing waits: were the ten-minute delay still in force, this request would outlast the test.
    fake.faults.slow(600_000);
    fake.faults.reset();
    expect((await api(fake, 'GET', '/me')).status).toBe(200);
  });

  it('requestCount counts served requests by path prefix; invalid JSON is a 400', async () => {
    const before = fake.requestCount('/contacts');
    await api(fake, 'GET', '/contacts');
    await api(fake, 'GET', '/contacts?per_page=1');
    expect(fake.requestCount('/contacts') - before).toBe(2);
    const res = await fetch(`${fake.url}/contacts/search`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${fake.accessToken}`, 'Content-Type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ code: 'parameter_invalid' }] });
  });
});
