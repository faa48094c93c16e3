import type { System } from './system';

/** The exact company ids and (contact, company) pairs the fake holds: what any import must end with. */
export function expectedState(sys: System): { companies: string[]; pairs: string[] } {
  const companies = (sys.fake.store.companies() as Array<{ id: string }>).map((c) => c.id).sort();
  const pairs: string[] = [];
  for (const contact of sys.fake.store.contacts() as Array<{ id: string }>) {
    for (const companyId of sys.fake.store.companyIdsOf(contact.id)) pairs.push(`${contact.id}/${companyId}`);
  }
  return { companies, pairs: pairs.sort() };
}

/** What the source holds in PostgreSQL, in the same shape. */
export async function actualState(sys: System, sourceId: string): Promise<{ companies: string[]; pairs: string[] }> {
  const records: Array<{ external_id: string }> = await sys.db.query(
    `SELECT external_id FROM customer_records WHERE source_id = $1 AND deleted_in_source_at IS NULL ORDER BY external_id`,
    [sourceId],
  );
  const contacts: Array<{ pair: string }> = await sys.db.query(
    `SELECT external_id || '/' || company_external_id AS pair FROM contacts
      WHERE source_id = $1 AND deleted_in_source_at IS NULL`,
    [sourceId],
  );
  return {
    companies: records.map((r) => r.external_id).sort(),
    pairs: contacts.map((c) => c.pair).sort(),
  };
}

/** How many rows of a table belong to the source. */
export async function countRows(
  sys: System,
  table: 'customer_records' | 'contacts',
  sourceId: string,
): Promise<number> {
  const [{ n }] = await sys.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE source_id = $1`, [sourceId]);
  return n;
}
