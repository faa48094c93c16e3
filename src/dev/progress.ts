import type { DataSource } from 'typeorm';

/** The demo's live progress line: every importing source with its counts, refreshed every second. */
export function showProgress(db: DataSource): () => Promise<void> {
  let last = '';
  const timer = setInterval(() => {
    db.query(
      `SELECT s.name, s.status,
         (SELECT count(*) FROM customer_records r WHERE r.source_id = s.id) AS companies,
         (SELECT count(DISTINCT external_id) FROM contacts c WHERE c.source_id = s.id) AS contacts,
         COALESCE((s.progress->>'pagesFetched')::int, 0) AS pages
       FROM sources s WHERE s.deleted_at IS NULL AND s.system = 'intercom' ORDER BY s.created_at`,
    )
      .then((rows: Array<{ name: string; status: string; companies: string; contacts: string; pages: number }>) => {
        const line = rows
          .map((r) => `${r.name}: ${r.status} · ${r.companies} companies · ${r.contacts} contacts · ${r.pages} pages`)
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
