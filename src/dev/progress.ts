import type { DataSource } from 'typeorm';
import { SourceRepository } from '../db/repositories/sources';

/** The demo's live progress line: every importing source with its counts, refreshed every second. */
export function showProgress(db: DataSource): () => Promise<void> {
  let last = '';
  const timer = setInterval(() => {
    new SourceRepository(db)
      .list({ system: 'intercom' })
      .then((sources) => {
        const line = sources
          .map(
            ({ name, status, progress: p }) =>
              `${name}: ${status} · ${p.companiesImported} companies · ${p.contactsImported} contacts · ${p.pagesFetched} pages`,
          )
          .join('  |  ');
        if (line && line !== last) {
          process.stdout.write(`\r\x1b[K${line}`);
          last = line;
        }
      })
      .catch(() => undefined);
  }, 1000);
  return async () => clearInterval(timer);
}
