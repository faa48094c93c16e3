import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { msToNumber, type Duration } from '@temporalio/common';
import { z } from 'zod';

/** Whether `value` is a duration Temporal reads ('30m', '1h', '6 hours') of at least `minMs`. */
function isDuration(value: string, minMs = 60_000): value is Duration & string {
  try {
    return msToNumber(value as Duration) >= minMs;
  } catch {
    return false;
  }
}

/** A duration setting: validated here, so its type says what it is everywhere else (no casts downstream). */
function duration(fallback: Duration & string, minMs: number, message: string) {
  return z
    .string()
    .default(fallback)
    .refine((v): v is Duration & string => isDuration(v, minMs), message);
}

/**
 * Every setting of the service, read once from the environment and validated.
 * This is the only module that reads `process.env`; everything else receives a `Config`.
 */
const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const base64Key = z
  .string()
  .trim()
  .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded (openssl rand -base64 32)');

// --- Temporal connection security: mTLS and Temporal Cloud API keys ---------------------------------------------
// The variable names are Temporal's own (its CLI and SDKs read the same ones). Each PEM is given as a file (`_PATH`)
// or inline (`_DATA`); files are read and every certificate and key is parsed here, at start-up, so a bad one
// stops the process with a message naming the variable instead of failing at the first connection attempt.

const TLS_PEMS = {
  clientCert: 'TEMPORAL_TLS_CLIENT_CERT',
  clientKey: 'TEMPORAL_TLS_CLIENT_KEY',
  serverCa: 'TEMPORAL_TLS_SERVER_CA_CERT',
} as const;

const temporalSecurityEnv = {
  TEMPORAL_TLS: optionalString.pipe(z.enum(['true', 'false', '1', '0']).optional()),
  TEMPORAL_TLS_CLIENT_CERT_PATH: optionalString,
  TEMPORAL_TLS_CLIENT_CERT_DATA: optionalString,
  TEMPORAL_TLS_CLIENT_KEY_PATH: optionalString,
  TEMPORAL_TLS_CLIENT_KEY_DATA: optionalString,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: optionalString,
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: optionalString,
  TEMPORAL_TLS_SERVER_NAME: optionalString,
  TEMPORAL_API_KEY: optionalString,
};

type TemporalSecurityEnv = { [K in keyof typeof temporalSecurityEnv]?: string };

/** How to secure the connection to Temporal. Absent fields mean: plain TCP, no API key (a local dev server). */
export type TemporalSecurity = {
  /** TLS settings; undefined = no TLS, unless an API key is set (Temporal Cloud), which implies TLS. */
  tls?: {
    /** The client certificate and key for mTLS (PEM). */
    clientCert?: Buffer;
    clientKey?: Buffer;
    /** CA certificate(s) that signed the server's certificate (PEM); the system's CAs when absent. */
    serverCa?: Buffer;
    /** The name to check the server's certificate against, when it differs from the address's host. */
    serverName?: string;
    /** For messages: where the client certificate came from and whose it is (never key material). */
    clientCertDescription?: string;
  };
  /** TEMPORAL_TLS=false: no TLS even with an API key (a self-hosted cluster that takes keys over plain TCP). */
  tlsDisabled?: boolean;
  /** Sent as `Authorization: Bearer …` (Temporal Cloud API keys). A secret: never logged. */
  apiKey?: string;
};

/** Reads one PEM from its `_PATH` or `_DATA` variable; issues name the variable. */
function readPem(env: TemporalSecurityEnv, name: string, issues: string[]): { pem: Buffer; from: string } | undefined {
  const file = env[`${name}_PATH` as keyof TemporalSecurityEnv];
  const data = env[`${name}_DATA` as keyof TemporalSecurityEnv];
  if (file && data) {
    issues.push(`${name}_PATH, ${name}_DATA: give one of them, not both`);
    return undefined;
  }
  // Inline PEM often arrives with its newlines escaped (one-line secrets in CI or .env files).
  if (data) return { pem: Buffer.from(`${data.replace(/\\n/g, '\n').trim()}\n`), from: `${name}_DATA` };
  if (!file) return undefined;
  try {
    return { pem: readFileSync(file), from: `${name}_PATH=${file}` };
  } catch (err) {
    issues.push(`${name}_PATH: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    return undefined;
  }
}

function parseCertificate(pem: Buffer, from: string, issues: string[]): X509Certificate | undefined {
  try {
    const cert = new X509Certificate(pem);
    if (Date.parse(cert.validTo) < Date.now()) issues.push(`${from}: the certificate expired on ${cert.validTo}`);
    return cert;
  } catch {
    issues.push(`${from}: not a PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
    return undefined;
  }
}

function temporalSecurity(env: TemporalSecurityEnv): TemporalSecurity {
  const issues: string[] = [];
  const cert = readPem(env, TLS_PEMS.clientCert, issues);
  const key = readPem(env, TLS_PEMS.clientKey, issues);
  const ca = readPem(env, TLS_PEMS.serverCa, issues);
  const certificate = cert && parseCertificate(cert.pem, cert.from, issues);
  if (ca) parseCertificate(ca.pem, ca.from, issues);
  let privateKey: KeyObject | undefined;
  if (key) {
    try {
      privateKey = createPrivateKey(key.pem);
    } catch {
      issues.push(`${key.from}: not an unencrypted PEM private key (expected -----BEGIN PRIVATE KEY-----)`);
    }
  }
  if (cert && !key) issues.push(`${TLS_PEMS.clientKey}_PATH: the client certificate needs its private key`);
  if (key && !cert) issues.push(`${TLS_PEMS.clientCert}_PATH: the private key needs its client certificate`);
  if (certificate && privateKey && !certificate.checkPrivateKey(privateKey)) {
    issues.push(`${key!.from}: is not the private key of the certificate in ${cert!.from}`);
  }
  const tlsOff = env.TEMPORAL_TLS === 'false' || env.TEMPORAL_TLS === '0';
  const tlsSettings = cert || key || ca || env.TEMPORAL_TLS_SERVER_NAME;
  if (tlsOff && tlsSettings) issues.push('TEMPORAL_TLS: is false, but TEMPORAL_TLS_* settings are given');
  if (issues.length)
    throw new ConfigError(`Invalid configuration in the environment:\n${issues.map((i) => `  ${i}`).join('\n')}`);

  const tlsOn = env.TEMPORAL_TLS === 'true' || env.TEMPORAL_TLS === '1' || Boolean(tlsSettings);
  return {
    tls: tlsOn
      ? {
          clientCert: cert?.pem,
          clientKey: key?.pem,
          serverCa: ca?.pem,
          serverName: env.TEMPORAL_TLS_SERVER_NAME,
          clientCertDescription: certificate
            ? `${certificate.subject.replace(/\n/g, ', ')} from ${cert!.from}`
            : undefined,
        }
      : undefined,
    tlsDisabled: tlsOff || undefined,
    apiKey: env.TEMPORAL_API_KEY,
  };
}
// --- end of Temporal connection security ---------------------------------------------------------------------------

// ---------------------------------------------------------------- worker tuning
// How much one worker process takes on at once (README "Scaling out" has the values measured with them).

const count = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

const WORKER_TUNING = {
  /**
   * Activities (pages being fetched and written) running at once in one worker: two imports' worth (each runs its
   * companies and eight contact partitions), which fits the 256 MB heap the worker is deployed with.
   */
  WORKER_MAX_CONCURRENT_ACTIVITIES: count(1, 20),
  /** Workflow tasks (the deterministic workflow code) running at once in one worker. */
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: count(2, 40),
  /** Workflows kept in memory between tasks (0 = replay every task from history). */
  WORKER_MAX_CACHED_WORKFLOWS: count(0, 1000),
  /** PostgreSQL connections of one worker: at most about one per concurrent activity is ever used. */
  WORKER_DB_POOL_SIZE: count(1, 20),
  /** On SIGTERM, how long activities in flight may run before they are cancelled (then resumed elsewhere). */
  WORKER_SHUTDOWN_GRACE: duration('10s', 0, 'must be a duration such as 10s or 1m'),
};

export interface WorkerTuning {
  maxConcurrentActivities: number;
  maxConcurrentWorkflowTasks: number;
  maxCachedWorkflows: number;
  dbPoolSize: number;
  shutdownGraceTime: Duration;
}

function workerTuning(e: z.infer<z.ZodObject<typeof WORKER_TUNING>>): WorkerTuning {
  return {
    maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTasks: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
    dbPoolSize: e.WORKER_DB_POOL_SIZE,
    shutdownGraceTime: e.WORKER_SHUTDOWN_GRACE,
  };
}

const schema = z.object({
  DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  DATA_DIR: z.string().default('.data'),
  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('intercom-sync'),
  TEMPORAL_CLI: optionalString,
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  TEMPORAL_DEV_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  ...temporalSecurityEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  WORKFLOW_BUNDLE: optionalString,
  API_KEYS: optionalString.transform((v) =>
    v
      ? v
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean)
      : [],
  ),
  ENCRYPTION_KEY: optionalString.pipe(base64Key.optional()),
  // Keys used before a rotation, comma-separated: they still decrypt; ENCRYPTION_KEY encrypts.
  ENCRYPTION_KEY_PREVIOUS: optionalString
    .transform((v) =>
      v
        ? v
            .split(',')
            .map((k) => k.trim())
            .filter(Boolean)
        : [],
    )
    .pipe(z.array(base64Key)),
  INTERCOM_CLIENT_ID: optionalString,
  INTERCOM_CLIENT_SECRET: optionalString,
  INTERCOM_API_BASE: optionalString.pipe(z.url().optional()),
  INTERCOM_OAUTH_URL: optionalString.pipe(z.url().optional()),
  RECONCILE_INTERVAL: duration('1h', 60_000, 'must be a duration such as 30m, 1h or 6 hours (at least a minute)'),
  WEBHOOK_RETENTION: duration('3 days', 60_000, 'must be a duration such as 12h, 3 days or 7d (at least a minute)'),
  WEBHOOK_INBOX_CAP: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(100, 'must be at least 100')
    .default(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ...WORKER_TUNING,
});

export type Config = {
  databaseUrl?: string;
  dataDir: string;
  temporal: {
    address?: string;
    namespace: string;
    taskQueue: string;
    cli?: string;
    uiPort: number;
    /** The frontend port of the dev server `npm start` runs when TEMPORAL_ADDRESS is unset. */
    devPort: number;
  } & TemporalSecurity;
  port: number;
  publicUrl: string;
  metricsPort: number;
  /** A standalone worker serves the service's own metrics (records, pages, rate-limit waits) here; 0 = off. */
  workerMetricsPort: number;
  apiKeys: string[];
  encryptionKey?: Buffer;
  /** ENCRYPTION_KEY_PREVIOUS: keys that still decrypt tokens sealed before a rotation. */
  previousEncryptionKeys: Buffer[];
  intercom: { clientId?: string; clientSecret?: string; apiBase?: string; oauthUrl?: string };
  reconcileInterval: Duration;
  /**
   * The webhook inbox: processed notifications (and those of unknown workspaces) are kept `retentionMs`, long
   * enough to recognise Intercom's redeliveries; a source that cannot apply its inbox stores at most `cap`.
   */
  webhookInbox: { retentionMs: number; cap: number };
  /**
   * How often the API records that the webhook endpoint is alive; a silence over three beats is an outage whose
   * notifications Intercom may have dropped, and is reconciled. Not an environment setting (tests shorten it).
   */
  endpointBeatMs: number;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  worker: WorkerTuning;
  /**
   * The workflow code bundled ahead of time (`npm run build` writes dist/workflow-bundle.js, which a compiled
   * worker uses by itself); unset and absent, the worker bundles src/workflows at start (development).
   */
  workflowBundlePath?: string;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration in the environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      cli: e.TEMPORAL_CLI,
      uiPort: e.TEMPORAL_UI_PORT,
      devPort: e.TEMPORAL_DEV_PORT,
      ...temporalSecurity(e),
    },
    port: e.PORT,
    publicUrl: e.PUBLIC_URL.replace(/\/$/, ''),
    metricsPort: e.METRICS_PORT,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    apiKeys: e.API_KEYS,
    encryptionKey: e.ENCRYPTION_KEY ? Buffer.from(e.ENCRYPTION_KEY, 'base64') : undefined,
    previousEncryptionKeys: e.ENCRYPTION_KEY_PREVIOUS.map((k) => Buffer.from(k, 'base64')),
    intercom: {
      clientId: e.INTERCOM_CLIENT_ID,
      clientSecret: e.INTERCOM_CLIENT_SECRET,
      apiBase: e.INTERCOM_API_BASE?.replace(/\/$/, ''),
      oauthUrl: e.INTERCOM_OAUTH_URL?.replace(/\/$/, ''),
    },
    reconcileInterval: e.RECONCILE_INTERVAL,
    webhookInbox: { retentionMs: msToNumber(e.WEBHOOK_RETENTION), cap: e.WEBHOOK_INBOX_CAP },
    endpointBeatMs: 5_000,
    logLevel: e.LOG_LEVEL,
    worker: workerTuning(e),
    workflowBundlePath: e.WORKFLOW_BUNDLE,
  };
}

/** For entry points: load the config or stop the process with a message that names the variable. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

/** The environment with some values decided at run time (the local stack launcher fills in what it started). */
export function loadConfigWith(overrides: Record<string, string | undefined>): Config {
  return loadConfig({ ...process.env, ...overrides });
}
