import { exchangeOAuthCode, OAuthExchangeError } from '../../src/intercom/oauth';
import { startFakeIntercom, type FakeIntercom } from '../../src/fake-intercom';

/** The code exchange against the fake Intercom's /auth/eagle/token over HTTP. */
let fake: FakeIntercom;

beforeAll(async () => {
  fake = await startFakeIntercom({ quiet: true, companies: 1, contacts: 1, redirectUris: ['http://localhost/cb'] });
});
afterAll(async () => {
  await fake?.close();
});

async function codeFromConsent(): Promise<string> {
  const form = new URLSearchParams({ client_id: fake.clientId, redirect_uri: 'http://localhost/cb', state: 's' });
  const res = await fetch(`${fake.url}/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!).searchParams.get('code')!;
}

it('exchanges a code for a token that works', async () => {
  const code = await codeFromConsent();
  const token = await exchangeOAuthCode({
    apiBase: fake.url,
    code,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
  });
  const me = await fetch(`${fake.url}/me`, { headers: { authorization: `Bearer ${token}` } });
  expect(me.status).toBe(200);
});

it('fails without the code or the secret in the error when Intercom refuses', async () => {
  const code = await codeFromConsent();
  const wrongSecret = 'wrong-secret-value-123';
  const err = await exchangeOAuthCode({
    apiBase: fake.url,
    code,
    clientId: fake.clientId,
    clientSecret: wrongSecret,
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OAuthExchangeError);
  const e = err as OAuthExchangeError;
  expect(e.status).toBe(401);
  expect(e.rejected).toBe(true);
  expect(e.message).not.toContain(wrongSecret);
  expect(e.message).not.toContain(code);

  // A code works once; a second exchange is refused.
  await exchangeOAuthCode({ apiBase: fake.url, code, clientId: fake.clientId, clientSecret: fake.clientSecret });
  const used = await exchangeOAuthCode({
    apiBase: fake.url,
    code,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
  }).catch((x: unknown) => x as OAuthExchangeError);
  expect(used).toBeInstanceOf(OAuthExchangeError);
  expect((used as OAuthExchangeError).status).toBe(400);
  expect((used as OAuthExchangeError).message).not.toContain(code);
});

it('reports an unreachable Intercom as not rejected (status null)', async () => {
  const err = await exchangeOAuthCode({
    apiBase: 'http://127.0.0.1:1',
    code: 'the-code-xyz',
    clientId: 'id',
    clientSecret: 'the-secret-xyz',
  }).catch((e: unknown) => e as OAuthExchangeError);
  expect(err).toBeInstanceOf(OAuthExchangeError);
  expect((err as OAuthExchangeError).status).toBeNull();
  expect((err as OAuthExchangeError).rejected).toBe(false);
  expect((err as OAuthExchangeError).message).not.toMatch(/the-code-xyz|the-secret-xyz/);
});
