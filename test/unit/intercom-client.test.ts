import { startFakeIntercom } from '../../src/fake-intercom';
import { IntercomHttp } from '../../src/intercom/http';
import { WorkspaceRateLimiter } from '../../src/intercom/rate-limiter';
import { signWebhook, verifyWebhookSignature } from '../../src/intercom/webhook-signature';

const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name.toLowerCase()] ?? null });

describe('the workspace rate limiter', () => {
  it('spends the window down to its reserve, then waits for the reset from the headers', async () => {
    let now = 1_000_000;
    const waits: number[] = [];
    const limiter = new WorkspaceRateLimiter({
      reserve: 2,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    await limiter.acquire();
    limiter.release(
      headers({
        'x-ratelimit-limit': '166',
        'x-ratelimit-remaining': '3',
        'x-ratelimit-reset': String(now / 1000 + 4),
      }),
    );
    await limiter.acquire(); // 3 left > reserve 2: goes at once
    expect(waits).toEqual([]);
    limiter.release(
      headers({
        'x-ratelimit-limit': '166',
        'x-ratelimit-remaining': '2',
        'x-ratelimit-reset': String(now / 1000 + 4),
      }),
    );
    await limiter.acquire(); // at the reserve: waits until the window resets
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(4000);
    limiter.release();
  });

  it('after a 429 waits for Retry-After, else the reset', () => {
    const limiter = new WorkspaceRateLimiter({ now: () => 2_000_000 });
    expect(limiter.exhausted(headers({}), 3)).toBeGreaterThanOrEqual(3000);
    expect(limiter.snapshot()?.remaining).toBe(0);
  });
});

describe('webhook signatures', () => {
  const body = Buffer.from('{"type":"notification_event","id":"notif_1"}');
  it('accepts Intercom’s sha1 HMAC of the raw body and rejects anything else', () => {
    const header = signWebhook(body, 'secret');
    expect(header).toMatch(/^sha1=[0-9a-f]{40}$/);
    expect(verifyWebhookSignature(body, header, 'secret')).toBe(true);
    expect(verifyWebhookSignature(body, header, 'other')).toBe(false);
    expect(verifyWebhookSignature(Buffer.from(body.toString() + ' '), header, 'secret')).toBe(false);
    expect(verifyWebhookSignature(body, undefined, 'secret')).toBe(false);
    expect(verifyWebhookSignature(body, 'sha256=abc', 'secret')).toBe(false);
  });
});

describe('the Intercom client while it waits', () => {
  it('heartbeats during a slow answer and a 5xx backoff, and still gets the answer', async () => {
    const fake = await startFakeIntercom({ quiet: true, companies: 1, contacts: 1 });
    try {
      let beats = 0;
      const http = new IntercomHttp({
        baseUrl: fake.url,
        token: fake.accessToken,
        limiter: new WorkspaceRateLimiter(),
        keepAlive: () => void beats++,
      });
      fake.faults.slow(2_500);
      const me = await http.get<{ app?: { id_code?: string } }>('/me');
      expect(me.app?.id_code).toBe(fake.appId);
      expect(beats).toBeGreaterThanOrEqual(2); // at the start and every second of the wait

      fake.faults.slow(0);
      fake.faults.failNext(2, 503);
      beats = 0;
      expect((await http.get<{ app?: { id_code?: string } }>('/me')).app?.id_code).toBe(fake.appId);
      expect(beats).toBeGreaterThanOrEqual(3); // each attempt and each backoff sleep
    } finally {
      await fake.close();
    }
  });
});
