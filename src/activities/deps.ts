import type { Duration } from '@temporalio/common';
import type { DataSource } from 'typeorm';
import type { CredentialStore } from '../db/repositories/credentials';
import type { RateLimiters } from '../intercom/rate-limiter';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';

/** Everything activities do I/O through, passed to `createActivities` by the worker (and by tests). */
export interface ActivityDeps {
  db: DataSource;
  credentials: CredentialStore;
  limiters: RateLimiters;
  metrics: Metrics;
  log: Logger;
  /** Overrides Intercom's regional hosts (the fake Intercom). */
  intercomApiBase?: string;
  /** RECONCILE_INTERVAL as this worker is configured: running sources take it up at their next reconciliation. */
  reconcileInterval?: Duration;
}
