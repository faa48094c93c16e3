import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../config';
import type { FakeIntercom } from '../fake-intercom';

/**
 * The configuration of a throwaway stack (tests, benchmarks) wired to a fake Intercom: a fresh API key and
 * encryption key, the fake's hosts and app credentials, and no metrics ports (several run in one process).
 */
export function fakeStackConfig(opts: {
  databaseUrl: string;
  temporal: { address: string; namespace: string; taskQueue: string };
  fake: FakeIntercom;
  port: number;
  logLevel: string;
}): Config & { apiKey: string } {
  const apiKey = `key_${randomBytes(12).toString('hex')}`;
  const config = loadConfig({
    DATABASE_URL: opts.databaseUrl,
    TEMPORAL_ADDRESS: opts.temporal.address,
    TEMPORAL_NAMESPACE: opts.temporal.namespace,
    TEMPORAL_TASK_QUEUE: opts.temporal.taskQueue,
    PORT: String(opts.port),
    ...(opts.port ? { PUBLIC_URL: `http://127.0.0.1:${opts.port}` } : {}),
    METRICS_PORT: '0',
    WORKER_METRICS_PORT: '0',
    API_KEYS: apiKey,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    INTERCOM_CLIENT_ID: opts.fake.clientId,
    INTERCOM_CLIENT_SECRET: opts.fake.clientSecret,
    INTERCOM_API_BASE: opts.fake.url,
    INTERCOM_OAUTH_URL: `${opts.fake.url}/oauth`,
    LOG_LEVEL: opts.logLevel,
  });
  return Object.assign(config, { apiKey });
}

export interface ApiAnswer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from our own API, read by tests
  text: string;
}

/** Calls our API with an API key, as a ChartMogul client would; redirects are returned, not followed. */
export function apiCaller(baseUrl: string, apiKey: string) {
  return async (method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      redirect: 'manual',
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  };
}
