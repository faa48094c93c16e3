import type { DataSource } from 'typeorm';
import type { AttributeModel } from '../../domain/source';

export interface SelectableAttribute {
  model: AttributeModel;
  name: string;
  label: string | null;
  dataType: string;
  selected: boolean;
}

/** Reads a source's Intercom data attribute catalogue (written by the connect/update-fields activities). */
export class AttributeRepository {
  constructor(private readonly db: DataSource) {}

  /** Whether the catalogue was loaded at least once (any attribute, standard or custom). */
  async hasCatalogue(sourceId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`SELECT 1 FROM attribute_definitions WHERE source_id = $1 LIMIT 1`, [
      sourceId,
    ]);
    return rows.length > 0;
  }

  /** The custom, non-archived attributes the user can choose from, per model, by name. */
  async listSelectable(sourceId: string): Promise<SelectableAttribute[]> {
    const rows: { model: AttributeModel; name: string; label: string | null; data_type: string; selected: boolean }[] =
      await this.db.query(
        `SELECT model, name, label, data_type, selected
           FROM attribute_definitions
          WHERE source_id = $1 AND custom AND NOT archived
          ORDER BY model, name`,
        [sourceId],
      );
    return rows.map((r) => ({
      model: r.model,
      name: r.name,
      label: r.label,
      dataType: r.data_type,
      selected: r.selected,
    }));
  }
}
