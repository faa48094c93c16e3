import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { apiCaller, type ApiAnswer } from '../../src/dev/fake-stack-config';
import { withPgClient } from '../../src/dev/postgres';
import { freePort } from '../../src/dev/temporal-server';
import { startFakeIntercom, type FakeIntercom } from '../../src/fake-intercom';
import {
  buildCompiledService,
  requiredPackages,
  root,
  startEntryPoint,
  type ServiceProcess,
} from '../helpers/compiled-service';
import { createTestDatabase, runWorkDir, temporalNamespace, temporalTls, uniqueTaskQueue } from '../helpers/stack';
import { eventually } from '../helpers/system';

/**
 * What ships is what is tested: `npm run build`, the production dependencies alone (as the Docker image has them),
 * and the built API and worker as separate processes, reaching Temporal only through a TLS proxy that requires a
 * client certificate (a secured cluster). A source is imported through them from the fake Intercom; a client
 * certificate the server does not trust stops either process at start-up with a message that says so.
 */

// A worker without dist/workflow-bundle.js bundles workflows/ at start: what they import must ship too.
const ENTRY_POINTS = ['api/server.js', 'worker.js', 'workflows/index.js'];

describe('the compiled service with production dependencies only, over mTLS', () => {
  let dir: string;
  let fake: FakeIntercom;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const started: ServiceProcess[] = [];

  /** The environment of a deployment: nothing from this process, Temporal only through the mTLS proxy. */
  const baseEnv = (client: 'trusted' | 'rogue') => {
    const t = temporalTls();
    return {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: t.address,
      TEMPORAL_NAMESPACE: temporalNamespace(),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: t.ca,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
      TEMPORAL_TLS_CLIENT_CERT_PATH: client === 'trusted' ? t.clientCert : t.rogueClientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: client === 'trusted' ? t.clientKey : t.rogueClientKey,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      INTERCOM_API_BASE: fake.url,
      METRICS_PORT: '0',
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    };
  };
  const start = (entry: string, env: Record<string, string | undefined>) => {
    const p = startEntryPoint(runWorkDir(), dir, path.join('dist', entry), env);
    started.push(p);
    return p;
  };

  beforeAll(async () => {
    dir = path.join(runWorkDir(), 'compiled');
    await buildCompiledService(dir);
    database = await createTestDatabase();
    fake = await startFakeIntercom({ quiet: true, companies: 40, contacts: 150, seed: 11 });
  }, 300_000);

  afterAll(async () => {
    for (const p of started) await p.stop();
    await fake?.close();
    await database?.drop();
  });

  it('requires only production dependencies, and every one of them', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const required = requiredPackages(path.join(dir, 'dist'), ENTRY_POINTS);
    const declared = Object.keys(pkg.dependencies);
    // Loaded by name rather than required: pg by TypeORM's postgres driver; protobufjs is pinned to one copy for
    // all @temporalio packages (so histories decode with one set of classes).
    const indirect = ['pg', 'protobufjs'];
    expect([...required].filter((p) => !declared.includes(p)).sort()).toEqual([]);
    expect(declared.filter((p) => !required.has(p) && !indirect.includes(p)).sort()).toEqual([]);
  });

  it('imports a source with the built API and worker, through the TLS proxy', async () => {
    const taskQueue = uniqueTaskQueue('compiled');
    const port = await freePort();
    const apiKey = `key_${randomBytes(8).toString('hex')}`;
    const env = { ...baseEnv('trusted'), TEMPORAL_TASK_QUEUE: taskQueue };
    const worker = start('worker.js', env);
    const api = start('api/server.js', {
      ...env,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      API_KEYS: apiKey,
    });
    const call = apiCaller(`http://127.0.0.1:${port}`, apiKey);
    const alive = () => {
      for (const p of [worker, api]) {
        if (p.child.exitCode !== null) throw new Error(`a process exited:\n${p.output()}`);
      }
    };
    const answer = async (what: string, ok: (a: ApiAnswer) => boolean, request: () => Promise<ApiAnswer>) =>
      eventually(
        async () => {
          alive();
          const a = await request();
          return ok(a) ? a : undefined;
        },
        what,
        120_000,
      );

    await answer(
      'the API to be ready',
      (a) => a.status === 200,
      () => call('GET', '/readyz'),
    );
    const created = await call('POST', '/v1/data_sources', { name: 'Compiled', system: 'Intercom' });
    expect(created.status).toBe(201);
    const id: string = created.body.uuid;
    const token = await call('POST', `/v1/data_sources/${id}/intercom/token`, { access_token: fake.accessToken });
    expect(token.status).toBe(202);
    await answer(
      'connected',
      (a) => a.body?.lifecycle_status === 'connected',
      () => call('GET', `/v1/data_sources/${id}`),
    );
    const imported = await call('POST', `/v1/data_sources/${id}/intercom/import`, { companies: true, contacts: true });
    expect(imported.status).toBe(202);
    await answer(
      'live',
      (a) => a.body?.lifecycle_status === 'live',
      () => call('GET', `/v1/data_sources/${id}`),
    );

    const companies = (fake.store.companies() as Array<{ id: string }>).map((c) => c.id).sort();
    const records = await withPgClient(database.url, (c) =>
      c.query<{ external_id: string }>(
        'SELECT external_id FROM customer_records WHERE source_id = $1 ORDER BY external_id',
        [id],
      ),
    );
    expect(records.rows.map((r) => r.external_id)).toEqual(companies);

    // Both stop cleanly on SIGTERM, as a deploy or `docker compose down` asks them to.
    await api.stop();
    await worker.stop();
    expect(await api.exited).toEqual({ code: 0, signal: null });
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  });

  it('ships the workflow code bundled by the build; a worker told of a bundle that is not there stops at once', async () => {
    expect(statSync(path.join(dir, 'dist', 'workflow-bundle.js')).size).toBeGreaterThan(100_000);
    const p = start('worker.js', { ...baseEnv('trusted'), WORKFLOW_BUNDLE: path.join(dir, 'missing-bundle.js') });
    expect((await p.exited).code).toBe(1);
    expect(p.output()).toContain('WORKFLOW_BUNDLE names');
  });

  it.each([
    ['worker', 'worker.js'],
    ['API', 'api/server.js'],
  ])('the %s stops at start-up when the server does not trust its client certificate', async (_, entry) => {
    const p = start(entry, { ...baseEnv('rogue'), PORT: String(await freePort()), API_KEYS: 'k' });
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    expect(p.output()).toContain(`Cannot connect to Temporal at ${temporalTls().address}`);
    expect(p.output()).toContain('rejected our client certificate');
    expect(p.output()).toContain('CN=intercom-crm-sync worker from TEMPORAL_TLS_CLIENT_CERT_PATH=');
    expect(p.output()).not.toContain('PRIVATE KEY');
  });
});
