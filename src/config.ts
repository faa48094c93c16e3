import { msToNumber } from '@temporalio/common';
import { z } from 'zod';

function isDuration(value: string): boolean {
  try {
    return msToNumber(value as '1h') >= 60_000;
  } catch {
    return false;
  }
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

// ---------------------------------------------------------------- worker tuning
// How much one worker process takes on at once (README "Scaling out" has the values measured with them).

const count = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

const WORKER_TUNING = {
  /** Activities (pages being fetched and written) running at once in one worker. */
  WORKER_MAX_CONCURRENT_ACTIVITIES: count(1, 64),
  /** Workflow tasks (the deterministic workflow code) running at once in one worker. */
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: count(2, 40),
  /** Workflows kept in memory between tasks (0 = replay every task from history). */
  WORKER_MAX_CACHED_WORKFLOWS: count(0, 1000),
  /** PostgreSQL connections of one worker: at most about one per concurrent activity is ever used. */
  WORKER_DB_POOL_SIZE: count(1, 20),
  /** On SIGTERM, how long activities in flight may run before they are cancelled (then resumed elsewhere). */
  WORKER_SHUTDOWN_GRACE: z
    .string()
    .default('10s')
    .refine((v) => isAnyDuration(v), 'must be a duration such as 10s or 1m'),
};

function isAnyDuration(value: string): boolean {
  try {
    return msToNumber(value as '1s') >= 0;
  } catch {
    return false;
  }
}

export interface WorkerTuning {
  maxConcurrentActivities: number;
  maxConcurrentWorkflowTasks: number;
  maxCachedWorkflows: number;
  dbPoolSize: number;
  shutdownGraceTime: string;
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
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  API_KEYS: optionalString.transform((v) =>
    v
      ? v
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean)
      : [],
  ),
  ENCRYPTION_KEY: optionalString.pipe(base64Key.optional()),
  INTERCOM_CLIENT_ID: optionalString,
  INTERCOM_CLIENT_SECRET: optionalString,
  INTERCOM_API_BASE: optionalString.pipe(z.url().optional()),
  INTERCOM_OAUTH_URL: optionalString.pipe(z.url().optional()),
  RECONCILE_INTERVAL: z
    .string()
    .default('1h')
    .refine((v) => isDuration(v), 'must be a duration such as 30m, 1h or 6 hours (at least a minute)'),
  WEBHOOK_RETENTION: z
    .string()
    .default('3 days')
    .refine((v) => isDuration(v), 'must be a duration such as 12h, 3 days or 7d (at least a minute)'),
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
  temporal: { address?: string; namespace: string; taskQueue: string; cli?: string; uiPort: number };
  port: number;
  publicUrl: string;
  metricsPort: number;
  /** A standalone worker serves the service's own metrics (records, pages, rate-limit waits) here; 0 = off. */
  workerMetricsPort: number;
  apiKeys: string[];
  encryptionKey?: Buffer;
  intercom: { clientId?: string; clientSecret?: string; apiBase?: string; oauthUrl?: string };
  reconcileInterval: string;
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
    },
    port: e.PORT,
    publicUrl: e.PUBLIC_URL.replace(/\/$/, ''),
    metricsPort: e.METRICS_PORT,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    apiKeys: e.API_KEYS,
    encryptionKey: e.ENCRYPTION_KEY ? Buffer.from(e.ENCRYPTION_KEY, 'base64') : undefined,
    intercom: {
      clientId: e.INTERCOM_CLIENT_ID,
      clientSecret: e.INTERCOM_CLIENT_SECRET,
      apiBase: e.INTERCOM_API_BASE?.replace(/\/$/, ''),
      oauthUrl: e.INTERCOM_OAUTH_URL?.replace(/\/$/, ''),
    },
    reconcileInterval: e.RECONCILE_INTERVAL,
    webhookInbox: { retentionMs: msToNumber(e.WEBHOOK_RETENTION as '1h'), cap: e.WEBHOOK_INBOX_CAP },
    endpointBeatMs: 5_000,
    logLevel: e.LOG_LEVEL,
    worker: workerTuning(e),
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
