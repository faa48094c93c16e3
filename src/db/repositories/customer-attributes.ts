import type { DataSource } from 'typeorm';
import { rowsOf } from '../rows';
import { refreshCustomers } from './merge-engine';

/**
 * Tags and custom attributes set on a customer through ChartMogul's attribute endpoints. They belong to the
 * customer (`customers.api_tags`, `api_custom`), as in ChartMogul, and are shown together with its records' own
 * (Intercom company tags, imported custom attributes). Removing a key or a tag also removes it from the records;
 * an Intercom record gets it back if Intercom still has it the next time the company changes or is re-synced.
 */
export class CustomerAttributeWrites {
  constructor(private readonly db: DataSource) {}

  /** Adds or replaces custom attributes; false when the customer does not exist. */
  async setCustom(customerId: string, values: Record<string, unknown>): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `UPDATE customers SET api_custom = api_custom || $2::jsonb, updated_at = now() WHERE id = $1 RETURNING 1`,
      [customerId, JSON.stringify(values)],
    );
    return updated(rows);
  }

  /** Forgets the API's values of these keys, so the records' values (just written by PATCH) show again. */
  async yieldCustom(customerId: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db.query(`UPDATE customers SET api_custom = api_custom - $2::text[] WHERE id = $1`, [customerId, keys]);
  }

  async removeCustom(customerId: string, keys: string[]): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows: unknown[] = await tx.query(
        `UPDATE customers SET api_custom = api_custom - $2::text[], updated_at = now() WHERE id = $1 RETURNING 1`,
        [customerId, keys],
      );
      if (!updated(rows)) return false;
      await tx.query(`UPDATE customer_records SET custom = custom - $2::text[] WHERE customer_id = $1`, [
        customerId,
        keys,
      ]);
      await refreshCustomers(tx, [customerId]);
      return true;
    });
  }

  async addTags(customerIds: string[], tags: string[]): Promise<string[]> {
    const rows: unknown = await this.db.query(
      `UPDATE customers SET api_tags = ARRAY(SELECT DISTINCT t FROM unnest(api_tags || $2::text[]) AS t ORDER BY t),
              updated_at = now()
        WHERE id = ANY($1) RETURNING id`,
      [customerIds, tags],
    );
    return rowsOf<{ id: string }>(rows).map((r) => r.id);
  }

  async removeTags(customerId: string, tags: string[]): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows: unknown[] = await tx.query(
        `UPDATE customers SET api_tags = ARRAY(SELECT t FROM unnest(api_tags) AS t WHERE t <> ALL($2::text[])),
                updated_at = now()
          WHERE id = $1 RETURNING 1`,
        [customerId, tags],
      );
      if (!updated(rows)) return false;
      await tx.query(
        `UPDATE customer_records SET tags = ARRAY(SELECT t FROM unnest(tags) AS t WHERE t <> ALL($2::text[]))
          WHERE customer_id = $1 AND tags && $2::text[]`,
        [customerId, tags],
      );
      return true;
    });
  }

  /** The customers with this email (case-insensitive), as ChartMogul's by-email attribute endpoints find them. */
  async customersByEmail(email: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM customers WHERE lower(email) = lower($1) ORDER BY id LIMIT 1000`,
      [email],
    );
    return rows.map((r) => r.id);
  }
}

const updated = (result: unknown): boolean => rowsOf(result).length > 0;
