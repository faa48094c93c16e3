import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config';

describe('configuration from the environment', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.temporal).toMatchObject({ namespace: 'default', taskQueue: 'intercom-sync', uiPort: 8233 });
    expect(config.reconcileInterval).toBe('1h');
    expect(config.apiKeys).toEqual([]);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.webhookInbox).toEqual({ retentionMs: 3 * 86_400_000, cap: 10_000 });
  });

  it('reads the webhook inbox bounds', () => {
    expect(loadConfig({ WEBHOOK_RETENTION: '12h', WEBHOOK_INBOX_CAP: '500' }).webhookInbox).toEqual({
      retentionMs: 12 * 3_600_000,
      cap: 500,
    });
  });

  it('reads keys and lists', () => {
    const key = randomBytes(32).toString('base64');
    const config = loadConfig({ API_KEYS: ' a, b ,', ENCRYPTION_KEY: key, PUBLIC_URL: 'https://sync.example.com/' });
    expect(config.apiKeys).toEqual(['a', 'b']);
    expect(config.encryptionKey?.length).toBe(32);
    expect(config.publicUrl).toBe('https://sync.example.com');
  });

  it.each([
    ['PORT', 'abc'],
    ['ENCRYPTION_KEY', 'c2hvcnQ='],
    ['DATABASE_URL', 'mysql://x'],
    ['RECONCILE_INTERVAL', 'soon'],
    ['WEBHOOK_RETENTION', '10s'],
    ['WEBHOOK_INBOX_CAP', '5'],
    ['LOG_LEVEL', 'loud'],
  ])('stops on a bad %s with a message that names it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});

describe('worker tuning', () => {
  it('has the documented defaults and reads each setting', () => {
    expect(loadConfig({}).worker).toEqual({
      maxConcurrentActivities: 20,
      maxConcurrentWorkflowTasks: 40,
      maxCachedWorkflows: 1000,
      dbPoolSize: 20,
      shutdownGraceTime: '10s',
    });
    const tuned = loadConfig({
      WORKER_MAX_CONCURRENT_ACTIVITIES: '16',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '8',
      WORKER_MAX_CACHED_WORKFLOWS: '0',
      WORKER_DB_POOL_SIZE: '5',
      WORKER_SHUTDOWN_GRACE: '30 seconds',
    }).worker;
    expect(tuned).toEqual({
      maxConcurrentActivities: 16,
      maxConcurrentWorkflowTasks: 8,
      maxCachedWorkflows: 0,
      dbPoolSize: 5,
      shutdownGraceTime: '30 seconds',
    });
  });

  it.each([
    ['WORKER_MAX_CONCURRENT_ACTIVITIES', '0'],
    ['WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', '1'],
    ['WORKER_MAX_CACHED_WORKFLOWS', '-1'],
    ['WORKER_DB_POOL_SIZE', 'many'],
    ['WORKER_SHUTDOWN_GRACE', 'a while'],
  ])('stops on a bad %s with a message that names it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});
