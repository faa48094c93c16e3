import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { oauthStateKey, OAUTH_STATE_TTL_MS, signOAuthState } from '../../src/api/oauth-state';
import { startApi, type RunningApi } from '../../src/api/server';
import { loadConfig, type Config } from '../../src/config';
import { TokenCipher } from '../../src/crypto';
import { openDatabase } from '../../src/db/data-source';
import { CredentialStore } from '../../src/db/repositories/credentials';
import { startFakeIntercom, type FakeIntercom } from '../../src/fake-intercom';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';
import { sourceWorkflowId, SourceWorkflows } from '../../src/temporal/source-client';
import { createTestDatabase, temporalAddress, temporalNamespace, uniqueTaskQueue } from '../helpers/stack';

/** Everything the API logs, to look for secrets. */
class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

const ID = /^ds_[a-z0-9]{26}$/;
const apiKey = `key_${randomBytes(12).toString('hex')}`;
const basic = (user: string, password = '') => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let database: { url: string; drop(): Promise<void> };
let db: DataSource;
let connection: Connection;
let client: Client;
let fake: FakeIntercom;
let config: Config;
let credentials: CredentialStore;
let api: RunningApi;
let alt: RunningApi; // no OAuth app configured, a Temporal namespace that does not exist, a failing readiness check
const logs = new LogCapture();
const responses: string[] = [];
const created: string[] = [];

async function call(
  base: string,
  method: string,
  path: string,
  opts: { body?: unknown; auth?: string | null; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  const auth = opts.auth === undefined ? `Bearer ${apiKey}` : opts.auth;
  if (auth !== null) headers.authorization = auth;
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
    redirect: 'manual',
  });
  const text = await res.text();
  responses.push(text, JSON.stringify([...res.headers]));
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}
const v1 = (method: string, path: string, opts?: Parameters<typeof call>[3]) => call(api.url, method, path, opts);

async function createSource(name: string, system?: string): Promise<string> {
  const res = await v1('POST', '/v1/data_sources', { body: system ? { name, system } : { name } });
  expect(res.status).toBe(201);
  if (res.body.system === 'Intercom') created.push(res.body.uuid);
  return res.body.uuid as string;
}

async function signalsOf(sourceId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(sourceWorkflowId(sourceId)).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)
    .filter((n): n is string => typeof n === 'string');
}

function configFor(overrides: Record<string, string>): Config {
  return loadConfig({
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_NAMESPACE: temporalNamespace(),
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('api'),
    PORT: '0',
    API_KEYS: `other-key, ${apiKey}`,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'debug',
    ...overrides,
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = await openDatabase(database.url);
  connection = await Connection.connect({ address: temporalAddress() });
  client = new Client({ connection, namespace: temporalNamespace() });
  fake = await startFakeIntercom({
    quiet: true,
    companies: 3,
    contacts: 5,
    redirectUris: ['http://crm.example.test/oauth/intercom/callback'],
  });
  config = configFor({
    INTERCOM_CLIENT_ID: fake.clientId,
    INTERCOM_CLIENT_SECRET: fake.clientSecret,
    INTERCOM_API_BASE: fake.url,
    INTERCOM_OAUTH_URL: `${fake.url}/oauth`,
    PUBLIC_URL: 'http://crm.example.test',
  });
  const log = createLogger('debug', logs);
  credentials = new CredentialStore(db, new TokenCipher(config.encryptionKey!));
  api = await startApi(config, {
    config,
    db,
    workflows: new SourceWorkflows(client, config.temporal.taskQueue),
    credentials,
    checkTemporal: async () => {
      await connection.workflowService.getSystemInfo({});
    },
    log,
    metrics: createMetrics(),
  });
  const altConfig = configFor({ TEMPORAL_NAMESPACE: `missing-${randomBytes(4).toString('hex')}` });
  alt = await startApi(altConfig, {
    config: altConfig,
    db,
    workflows: new SourceWorkflows(
      new Client({ connection, namespace: altConfig.temporal.namespace }),
      altConfig.temporal.taskQueue,
    ),
    credentials: new CredentialStore(db, new TokenCipher(altConfig.encryptionKey!)),
    checkTemporal: () => Promise.reject(new Error('Temporal frontend unreachable')),
    log,
    metrics: createMetrics(),
  });
});

afterAll(async () => {
  for (const id of created) {
    await client.workflow
      .getHandle(sourceWorkflowId(id))
      .terminate('test over')
      .catch(() => undefined);
  }
  await alt?.close();
  await api?.close();
  await fake?.close();
  await connection?.close();
  await db?.destroy();
  await database?.drop();
});

describe('authentication', () => {
  it('accepts the key as Bearer, as Basic username with an empty password, and with the key as password', async () => {
    for (const auth of [`Bearer ${apiKey}`, basic(apiKey), basic(apiKey, apiKey), basic('other-key')]) {
      const res = await v1('GET', '/v1/ping', { auth });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: 'pong!' });
    }
  });

  it.each([
    ['no header', null],
    ['a wrong Bearer key', 'Bearer nope'],
    ['a wrong Basic key', basic('nope')],
    ['the right key with another password', basic(apiKey, 'secret')],
    ['a prefix of the key', `Bearer ${apiKey.slice(0, -1)}`],
    ['another scheme', `Token ${apiKey}`],
  ])('answers 401 with a Basic challenge for %s', async (_what, auth) => {
    for (const path of ['/v1/ping', '/v1/data_sources', '/v1/customers', '/v1/nothing-here']) {
      const res = await v1('GET', path, { auth });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="intercom-crm-sync"');
      expect(res.body).toMatchObject({ code: 401, message: 'No valid API key provided' });
      expect(typeof res.body.errors).toBe('object');
    }
  });

  it('does not ask for a key on probes, metrics, the OpenAPI document and the OAuth callback', async () => {
    expect((await v1('GET', '/healthz', { auth: null })).status).toBe(200);
    expect((await v1('GET', '/readyz', { auth: null })).status).toBe(200);
    expect((await v1('GET', '/metrics', { auth: null })).status).toBe(200);
    expect((await v1('GET', '/openapi.json', { auth: null })).status).toBe(200);
    expect((await v1('GET', '/oauth/intercom/callback?code=x&state=y', { auth: null })).status).toBe(400);
  });
});

describe('probes, metrics and OpenAPI', () => {
  it('/healthz answers ok', async () => {
    expect((await v1('GET', '/healthz')).body).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when PostgreSQL and Temporal answer, 503 naming Temporal when its check fails', async () => {
    const ok = await v1('GET', '/readyz');
    expect(ok.status).toBe(200);
    expect(ok.body.checks).toEqual({ database: 'ok', temporal: 'ok' });
    const down = await call(alt.url, 'GET', '/readyz');
    expect(down.status).toBe(503);
    expect(down.body.checks).toEqual({ database: 'ok', temporal: 'failed' });
    expect(down.body.message).toMatch(/temporal/);
    expect(down.body.errors.temporal).toMatch(/unreachable/);
  });

  it('/metrics serves the Prometheus registry with the API request counter', async () => {
    await v1('GET', '/v1/ping');
    const res = await v1('GET', '/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toContain('intercom_sync_process_cpu_user_seconds_total');
    expect(res.text).toMatch(/intercom_sync_http_requests_total\{method="GET",route="\/v1\/ping",status="200"\} \d+/);
  });

  it('/openapi.json is an OpenAPI 3.1 document whose references all resolve and that lists the routes', async () => {
    const res = await v1('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.text) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/ping',
      '/v1/data_sources',
      '/v1/data_sources/{id}',
      '/v1/data_sources/{id}/status',
      '/v1/data_sources/{id}/intercom/token',
      '/v1/data_sources/{id}/intercom/connect',
      '/v1/data_sources/{id}/intercom/fields',
      '/v1/data_sources/{id}/intercom/import',
      '/v1/data_sources/{id}/intercom/update-fields',
      '/v1/data_sources/{id}/intercom/resync',
      '/oauth/intercom/callback',
      '/v1/customers',
      '/v1/customers/search',
      '/v1/customers/{uuid}',
      '/v1/customers/{uuid}/contacts',
      '/v1/contacts',
      '/healthz',
      '/readyz',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const refs = [...res.text.matchAll(/"\$ref":"#\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const target = ref.split('/').reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], doc);
      expect({ ref, found: target !== undefined }).toEqual({ ref, found: true });
    }
  });
});

describe('data sources', () => {
  it('creates an Intercom source with a running workflow source:<id>', async () => {
    const res = await v1('POST', '/v1/data_sources', { body: { name: 'Intercom EU', system: 'Intercom' } });
    expect(res.status).toBe(201);
    created.push(res.body.uuid);
    expect(res.body).toMatchObject({
      name: 'Intercom EU',
      system: 'Intercom',
      status: 'never_imported',
      lifecycle_status: 'awaiting_connection',
    });
    expect(res.body.uuid).toMatch(ID);
    expect(new Date(res.body.created_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const description = await client.workflow.getHandle(`source:${res.body.uuid}`).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.type).toBe('sourceWorkflow');
    expect(description.taskQueue).toBe(config.temporal.taskQueue);
    const [row] = await db.query('SELECT system, status FROM sources WHERE id = $1', [res.body.uuid]);
    expect(row).toEqual({ system: 'intercom', status: 'awaiting_connection' });
  });

  it('creates a custom source (no system, or "Custom") as active, without a workflow', async () => {
    for (const body of [{ name: 'Billing' }, { name: 'Billing 2', system: 'Custom' }]) {
      const res = await v1('POST', '/v1/data_sources', { body });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: body.name, system: 'Custom', status: 'idle', lifecycle_status: 'active' });
      expect(res.body.uuid).toMatch(ID);
      await expect(client.workflow.getHandle(sourceWorkflowId(res.body.uuid)).describe()).rejects.toBeInstanceOf(
        WorkflowNotFoundError,
      );
    }
  });

  it('refuses a name that a live source has (409), whatever the system', async () => {
    await createSource('Taken name', 'Intercom');
    for (const system of ['Intercom', 'Custom']) {
      const res = await v1('POST', '/v1/data_sources', { body: { name: 'Taken name', system } });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe(409);
      expect(res.body.errors.name).toBeTruthy();
    }
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM sources WHERE name = 'Taken name'`);
    expect(n).toBe(1);
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await v1('POST', '/v1/data_sources', { body: '{"name": "x",' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 400, message: expect.stringMatching(/JSON/) });
  });

  it('answers 400 naming the field for an invalid body', async () => {
    const noName = await v1('POST', '/v1/data_sources', { body: { system: 'Intercom' } });
    expect(noName.status).toBe(400);
    expect(noName.body.errors).toHaveProperty('name');
    expect(noName.body.message).toMatch(/name/);

    const badSystem = await v1('POST', '/v1/data_sources', { body: { name: 'HubSpot', system: 'HubSpot' } });
    expect(badSystem.status).toBe(400);
    expect(Object.keys(badSystem.body.errors)).toEqual(['system']);

    const emptyName = await v1('POST', '/v1/data_sources', { body: { name: '   ' } });
    expect(emptyName.status).toBe(400);
    expect(emptyName.body.errors.name).toMatch(/empty/);

    const notJson = await v1('POST', '/v1/data_sources', { body: 'name=x', headers: { 'content-type': 'text/plain' } });
    expect(notJson.status).toBe(400);
  });

  it('creates nothing and answers 503 when the workflow cannot be started', async () => {
    const res = await call(alt.url, 'POST', '/v1/data_sources', { body: { name: 'Doomed', system: 'Intercom' } });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe(503);
    const rows = await db.query(`SELECT id FROM sources WHERE name = 'Doomed'`);
    expect(rows).toEqual([]);
    expect((await v1('GET', '/v1/data_sources?name=Doomed')).body.data_sources).toEqual([]);
    // The name is free again.
    await createSource('Doomed', 'Intercom');
  });

  it('lists live sources, filtered by name and system, and hides deleted ones (404 by id)', async () => {
    const a = await createSource('List A', 'Intercom');
    const b = await createSource('List B');
    const gone = await createSource('List gone');
    await db.query(`UPDATE sources SET deleted_at = now(), status = 'deleted' WHERE id = $1`, [gone]);

    const all = await v1('GET', '/v1/data_sources');
    const ids = all.body.data_sources.map((s: { uuid: string }) => s.uuid);
    expect(ids).toEqual(expect.arrayContaining([a, b]));
    expect(ids).not.toContain(gone);

    const byName = await v1('GET', '/v1/data_sources?name=List%20A');
    expect(byName.body.data_sources.map((s: { uuid: string }) => s.uuid)).toEqual([a]);
    const intercom = await v1('GET', '/v1/data_sources?system=Intercom');
    expect(intercom.body.data_sources.every((s: { system: string }) => s.system === 'Intercom')).toBe(true);
    expect(intercom.body.data_sources.map((s: { uuid: string }) => s.uuid)).toContain(a);
    const custom = await v1('GET', '/v1/data_sources?system=Custom&name=List%20B');
    expect(custom.body.data_sources.map((s: { uuid: string }) => s.uuid)).toEqual([b]);
    expect((await v1('GET', '/v1/data_sources?system=Stripe')).body.data_sources).toEqual([]);

    expect((await v1('GET', `/v1/data_sources/${gone}`)).status).toBe(404);
    expect((await v1('POST', `/v1/data_sources/${gone}/intercom/token`, { body: { access_token: 'x' } })).status).toBe(
      409,
    );
  });

  it('shows a source with its progress from the data and the workflow-written progress', async () => {
    const id = await createSource('Progress', 'Intercom');
    const other = await createSource('Progress other', 'Intercom');
    await db.query(
      `UPDATE sources SET progress = $2, region = 'eu', workspace_id = 'abc123', last_synced_at = '2025-01-02T03:04:05Z',
              last_error = 'rate limited' WHERE id = $1`,
      [id, { contactsSkippedNoCompany: 4, pagesFetched: 9, startedAt: '2025-01-02T00:00:00.000Z', finishedAt: null }],
    );
    for (const [source, ext] of [
      [id, 'c1'],
      [id, 'c2'],
      [other, 'c1'],
    ]) {
      await db.query(`INSERT INTO customer_records (source_id, external_id) VALUES ($1, $2)`, [source, ext]);
    }
    // One Intercom contact under two companies counts once.
    for (const [source, ext, company] of [
      [id, 'u1', 'c1'],
      [id, 'u1', 'c2'],
      [id, 'u2', 'c2'],
      [other, 'u3', 'c1'],
    ]) {
      await db.query(`INSERT INTO contacts (id, source_id, external_id, company_external_id) VALUES ($1, $2, $3, $4)`, [
        `con_${randomBytes(8).toString('hex')}`,
        source,
        ext,
        company,
      ]);
    }
    for (const path of [`/v1/data_sources/${id}`, `/v1/data_sources/${id}/status`]) {
      const res = await v1('GET', path);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        uuid: id,
        name: 'Progress',
        system: 'Intercom',
        status: 'never_imported',
        lifecycle_status: 'awaiting_connection',
        created_at: expect.any(String),
        region: 'eu',
        workspace_id: 'abc123',
        last_synced_at: '2025-01-02T03:04:05.000Z',
        last_error: 'rate limited',
        progress: {
          companies_imported: 2,
          contacts_imported: 2,
          contacts_skipped_no_company: 4,
          pages_fetched: 9,
          started_at: '2025-01-02T00:00:00.000Z',
          finished_at: null,
        },
        data_quality: {
          sanitized: { customer_records: 0, contacts: 0, changes: {} },
          quarantined: 0,
          quarantine_url: `/v1/data_sources/${id}/quarantine`,
          webhooks_not_stored: 0,
        },
      });
    }
  });

  it('answers 404 for an unknown source on every /v1/data_sources/{id} route', async () => {
    const unknown = 'ds_aaaaaaaaaaaaaaaaaaaaaaaaaa';
    for (const [method, path, body] of [
      ['GET', ''],
      ['GET', '/status'],
      ['POST', '/intercom/token', { access_token: 'tok' }],
      ['GET', '/intercom/connect'],
      ['GET', '/intercom/fields'],
      ['POST', '/intercom/import', {}],
      ['POST', '/intercom/update-fields'],
      ['POST', '/intercom/resync'],
      ['DELETE', ''],
    ] as const) {
      const res = await v1(method, `/v1/data_sources/${unknown}${path}`, { body });
      expect({ path, status: res.status, code: res.body?.code }).toEqual({ path, status: 404, code: 404 });
    }
  });
});

describe('connecting Intercom', () => {
  it('stores a pasted token encrypted, signals the workflow, and never shows the token', async () => {
    const id = await createSource('Token source', 'Intercom');
    const token = `dG9rOjEyMz${randomBytes(16).toString('hex')}`;
    const res = await v1('POST', `/v1/data_sources/${id}/intercom/token`, { body: { access_token: token } });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('connecting');

    const [row] = await db.query(`SELECT ciphertext, t::text AS dump FROM credentials t WHERE source_id = $1`, [id]);
    const bytes = row.ciphertext as Buffer;
    expect(bytes.length).toBeGreaterThan(28);
    for (const form of [Buffer.from(token), Buffer.from(token, 'utf16le')]) expect(bytes.includes(form)).toBe(false);
    expect(row.dump).not.toContain(token);
    expect(row.dump).not.toContain(Buffer.from(token).toString('hex'));
    expect(await credentials.load(id)).toBe(token);
    expect(await signalsOf(id)).toEqual(['connected']);

    // A second token replaces the first.
    const token2 = `second-${randomBytes(8).toString('hex')}`;
    expect((await v1('POST', `/v1/data_sources/${id}/intercom/token`, { body: { access_token: token2 } })).status).toBe(
      202,
    );
    expect(await credentials.load(id)).toBe(token2);

    expect(logs.text).toContain(`"sourceId":"${id}"`); // the capture does see the API's logs
    for (const text of [...responses, logs.text]) {
      expect(text.includes(token)).toBe(false);
      expect(text.includes(token2)).toBe(false);
    }
  });

  it('answers 400 for a missing token and 409 for a custom source', async () => {
    const id = await createSource('Token checks', 'Intercom');
    const missing = await v1('POST', `/v1/data_sources/${id}/intercom/token`, { body: { token: 'abc' } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toHaveProperty('access_token');
    const custom = await createSource('Token custom');
    const res = await v1('POST', `/v1/data_sources/${custom}/intercom/token`, { body: { access_token: 'abc' } });
    expect(res.status).toBe(409);
    expect(await db.query(`SELECT 1 FROM credentials WHERE source_id IN ($1, $2)`, [id, custom])).toEqual([]);
  });

  it('redirects to Intercom OAuth, and the callback exchanges the code, stores the token and signals', async () => {
    const id = await createSource('OAuth source', 'Intercom');
    const connect = await v1('GET', `/v1/data_sources/${id}/intercom/connect`);
    expect(connect.status).toBe(302);
    const to = new URL(connect.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(`${fake.url}/oauth`);
    expect(to.searchParams.get('client_id')).toBe(fake.clientId);
    expect(to.searchParams.get('redirect_uri')).toBe('http://crm.example.test/oauth/intercom/callback');
    expect(to.searchParams.get('state')).toBeTruthy();

    // The user approves on the (fake) Intercom consent page: GET it, submit its form.
    const page = await fetch(to, { redirect: 'manual' });
    expect(page.status).toBe(200);
    const html = await page.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)![1];
    const form = new URLSearchParams();
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      form.set(
        m[1],
        m[2].replace(/&#(\d+);/g, (_s, n: string) => String.fromCharCode(Number(n))),
      );
    }
    const approved = await fetch(new URL(action, fake.url), { method: 'POST', body: form, redirect: 'manual' });
    expect(approved.status).toBe(302);
    const back = new URL(approved.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe('http://crm.example.test/oauth/intercom/callback');
    expect(back.searchParams.get('state')).toBe(to.searchParams.get('state'));

    // Only the browser that started the flow may finish it: without its cookie the callback is refused.
    const cookie = connect.headers.get('set-cookie')!.split(';')[0];
    expect(connect.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    const otherBrowser = await call(api.url, 'GET', `${back.pathname}${back.search}`, { auth: null });
    expect(otherBrowser.status).toBe(400);
    expect(otherBrowser.body.message).toMatch(/another browser/);

    // Intercom sends the browser to PUBLIC_URL; here the API listens on a random port.
    const callback = await call(api.url, 'GET', `${back.pathname}${back.search}`, {
      auth: null,
      headers: { accept: 'text/html', cookie },
    });
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe(`/app/sources/${id}`);
    expect(callback.text).toContain('Connected');

    const token = await credentials.load(id);
    expect(token).toBeTruthy();
    const me = await fetch(`${fake.url}/me`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    expect(me.status).toBe(200);
    expect(await signalsOf(id)).toEqual(['connected']);
    for (const text of [...responses, logs.text]) {
      expect(text.includes(token!)).toBe(false);
      expect(text.includes(fake.clientSecret)).toBe(false);
      expect(text.includes(back.searchParams.get('code')!)).toBe(false);
    }

    // The state is single-use: replaying the callback, even from the same browser, fails with a 400.
    const replay = await call(api.url, 'GET', `${back.pathname}${back.search}`, { auth: null, headers: { cookie } });
    expect(replay.status).toBe(400);
    expect(replay.body.message).toMatch(/already used.*start the connection again/i);
  });

  it('rejects a tampered or expired state with 400', async () => {
    const id = await createSource('State checks', 'Intercom');
    const connect = await v1('GET', `/v1/data_sources/${id}/intercom/connect`);
    const state = new URL(connect.headers.get('location')!).searchParams.get('state')!;
    const [payload, mac] = state.split('.');
    const otherId = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
        s: 'ds_bbbbbbbbbbbbbbbbbbbbbbbbbb',
      }),
    ).toString('base64url');
    const flipped = mac.slice(0, -2) + (mac.at(-2) === 'A' ? 'B' : 'A') + mac.at(-1);
    const key = oauthStateKey(config.encryptionKey!);
    const expired = signOAuthState(key, id, Date.now() - OAUTH_STATE_TTL_MS - 1000);
    const foreign = signOAuthState(oauthStateKey(randomBytes(32)), id);
    for (const [what, bad] of [
      ['payload changed', `${otherId}.${mac}`],
      ['signature changed', `${payload}.${flipped}`],
      ['expired', expired],
      ['signed with another key', foreign],
      ['garbage', 'not-a-state'],
    ]) {
      const res = await call(api.url, 'GET', `/oauth/intercom/callback?code=abc&state=${encodeURIComponent(bad)}`, {
        auth: null,
      });
      expect({ what, status: res.status }).toEqual({ what, status: 400 });
      expect(res.body.message).toMatch(/start the connection again/i);
    }
    const html = await call(api.url, 'GET', `/oauth/intercom/callback?code=abc&state=${encodeURIComponent(expired)}`, {
      auth: null,
      headers: { accept: 'text/html' },
    });
    expect(html.status).toBe(400);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(html.text).toMatch(/expired/);
    expect(await db.query(`SELECT 1 FROM credentials WHERE source_id = $1`, [id])).toEqual([]);
    expect(await signalsOf(id)).toEqual([]);
  });

  it('answers 409 naming the variables when no OAuth app is configured', async () => {
    const res = await call(alt.url, 'POST', '/v1/data_sources', { body: { name: 'No OAuth' } });
    const connect = await call(alt.url, 'GET', `/v1/data_sources/${res.body.uuid}/intercom/connect`);
    expect(connect.status).toBe(409); // a custom source
    const id = await createSource('No OAuth app', 'Intercom');
    const noApp = await call(alt.url, 'GET', `/v1/data_sources/${id}/intercom/connect`);
    expect(noApp.status).toBe(409);
    expect(noApp.body.message).toContain('INTERCOM_CLIENT_ID');
  });
});

describe('fields and import', () => {
  it('answers 409 before the catalogue is loaded, then lists custom, non-archived attributes per model', async () => {
    const id = await createSource('Fields', 'Intercom');
    const before = await v1('GET', `/v1/data_sources/${id}/intercom/fields`);
    expect(before.status).toBe(409);
    expect(before.body.message).toMatch(/connect/i);

    const rows = [
      ['company', 'name', 'Name', 'string', false, false, false],
      ['company', 'tier', 'Tier', 'string', true, false, true],
      ['company', 'old', 'Old', 'integer', true, true, false],
      ['contact', 'score', 'Lead score', 'float', true, false, false],
      ['contact', 'email', 'Email', 'string', false, false, false],
    ];
    for (const r of rows) {
      await db.query(
        `INSERT INTO attribute_definitions (source_id, model, name, label, data_type, custom, archived, selected)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [id, ...r],
      );
    }
    const res = await v1('GET', `/v1/data_sources/${id}/intercom/fields`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      company: [{ name: 'tier', label: 'Tier', data_type: 'string', selected: true }],
      contact: [{ name: 'score', label: 'Lead score', data_type: 'float', selected: false }],
    });
  });

  it('answers 400 for a selection of the wrong shape and 409 for a custom source', async () => {
    const id = await createSource('Import checks', 'Intercom');
    for (const body of [{ companies: 'yes' }, { custom_attributes: { company: 'tier' } }, { extra: true }]) {
      const res = await v1('POST', `/v1/data_sources/${id}/intercom/import`, { body });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.errors).length).toBeGreaterThan(0);
    }
    const custom = await createSource('Import custom');
    expect((await v1('POST', `/v1/data_sources/${custom}/intercom/import`, { body: {} })).status).toBe(409);
  });
});

describe('steering a source', () => {
  // Re-sync is an update answered by the worker: test/integration/lifecycle.test.ts covers it with one running.
  it('signals update-fields, reconcile and delete to the workflow', async () => {
    const id = await createSource('Steered', 'Intercom');
    const fields = await v1('POST', `/v1/data_sources/${id}/intercom/update-fields`);
    expect(fields.status).toBe(202);
    expect(fields.body).toEqual({ uuid: id, status: 'awaiting_connection' });
    expect((await v1('POST', `/v1/data_sources/${id}/intercom/reconcile`)).status).toBe(202);
    const deleted = await v1('DELETE', `/v1/data_sources/${id}`);
    expect(deleted.status).toBe(204);
    expect(await signalsOf(id)).toEqual(['updateFields', 'reconcile', 'delete']);
    // Gone from the API's reads at once (no worker runs here: the purge has not even started).
    expect((await v1('GET', `/v1/data_sources/${id}`)).body).toMatchObject({ code: 404, param: 'data_source_uuid' });
    expect((await v1('GET', '/v1/data_sources')).body.data_sources.map((s: any) => s.uuid)).not.toContain(id);
    expect((await v1('DELETE', `/v1/data_sources/${id}`)).status).toBe(404);
    const [row] = await db.query(`SELECT status, delete_requested_at FROM sources WHERE id = $1`, [id]);
    expect(row.delete_requested_at).not.toBeNull();
  });

  it('answers 409 for Intercom steering of a custom source, and restarts a workflow terminated in Temporal', async () => {
    const custom = await createSource('Steered custom');
    for (const path of ['/intercom/update-fields', '/intercom/resync', '/intercom/reconcile']) {
      expect((await v1('POST', `/v1/data_sources/${custom}${path}`)).status).toBe(409);
    }
    const id = await createSource('Workflow ended', 'Intercom');
    const ended = client.workflow.getHandle(sourceWorkflowId(id));
    const firstRun = (await ended.describe()).runId;
    await ended.terminate('operator mistake');
    // Not final (only a completed delete is): the command starts the workflow again from PostgreSQL and is delivered.
    const res = await v1('POST', `/v1/data_sources/${id}/intercom/update-fields`);
    expect(res.status).toBe(202);
    const again = await client.workflow.getHandle(sourceWorkflowId(id)).describe();
    expect(again.status.name).toBe('RUNNING');
    expect(again.runId).not.toBe(firstRun);
    expect(await signalsOf(id)).toEqual(['updateFields']);
  });
});
