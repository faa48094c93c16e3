import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { entities } from './entities';
import { ChartmogulParity1764650000000 } from './migrations/1764650000000-chartmogul-parity';
import { InitialSchema1764400000000 } from './migrations/1764400000000-initial-schema';
import { MergeKeys1764500000000 } from './migrations/1764500000000-merge-keys';
import { WebhookIgnored1764450000000 } from './migrations/1764450000000-webhook-ignored';
import { WebhookReceipts1764600000000 } from './migrations/1764600000000-webhook-receipts';
import { PoisonData1764610000000 } from './migrations/1764610000000-poison-data';
import { OAuthStateUses1764620000000 } from './migrations/1764620000000-oauth-state-uses';
import { InboxDrainer1764660000000 } from './migrations/1764660000000-inbox-drainer';
import { InboxAppliedSeq1764680000000 } from './migrations/1764680000000-inbox-applied-seq';
import { TrigramPendingLists1764680000001 } from './migrations/1764680000001-trigram-pending-lists';
import { ContactCountReplans1764680000002 } from './migrations/1764680000002-contact-count-replans';
import { SourceCounts1764660000001 } from './migrations/1764660000001-source-counts';
import { ReadIndexes1764660000002 } from './migrations/1764660000002-read-indexes';

export const migrations = [
  InitialSchema1764400000000,
  WebhookIgnored1764450000000,
  MergeKeys1764500000000,
  WebhookReceipts1764600000000,
  PoisonData1764610000000,
  OAuthStateUses1764620000000,
  ChartmogulParity1764650000000,
  InboxDrainer1764660000000,
  SourceCounts1764660000001,
  ReadIndexes1764660000002,
  InboxAppliedSeq1764680000000,
  TrigramPendingLists1764680000001,
  ContactCountReplans1764680000002,
];

/** A TypeORM DataSource for the given PostgreSQL URL. Schema changes go through migrations, never `synchronize`. */
export function createDataSource(url: string, opts: { poolSize?: number } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: opts.poolSize ?? 10 },
  });
}

/** Connects and applies pending migrations (idempotent; concurrent runners are serialised by an advisory lock). */
export async function openDatabase(url: string, opts: { poolSize?: number } = {}): Promise<DataSource> {
  const db = createDataSource(url, opts);
  await db.initialize();
  const lock = db.createQueryRunner();
  await lock.connect();
  await lock.query('SELECT pg_advisory_lock(727274)');
  try {
    await db.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock(727274)');
    await lock.release();
  }
  return db;
}
