import type { DataSource } from 'typeorm';
import type { AttributeDefinition, AttributeModel, ImportSelection } from '../../domain/source';
import { AttributeDefinitionEntity, SourceEntity } from '../entities';

export interface SelectableAttribute {
  model: AttributeModel;
  name: string;
  label: string | null;
  dataType: string;
  selected: boolean;
}

/** A source's Intercom data attribute catalogue and the user's selection in it. */
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

  /** The whole catalogue (standard, custom and archived attributes). */
  async catalogue(sourceId: string): Promise<Array<AttributeDefinition & { selected: boolean }>> {
    const rows = await this.db.getRepository(AttributeDefinitionEntity).findBy({ sourceId });
    return rows.map(({ model, name, label, dataType, custom, archived, selected }) => ({
      model,
      name,
      label,
      dataType,
      custom,
      archived,
      selected,
    }));
  }

  /** Stores what Intercom lists ("Update Fields"), keeping the user's selection flags. */
  async saveCatalogue(sourceId: string, attributes: AttributeDefinition[]): Promise<void> {
    if (attributes.length === 0) return;
    await this.db
      .createQueryBuilder()
      .insert()
      .into(AttributeDefinitionEntity)
      .values(attributes.map((a) => ({ sourceId, ...a })))
      .orUpdate(['label', 'data_type', 'custom', 'archived'], ['source_id', 'model', 'name'])
      .execute();
  }

  /** Stores the selection (validated by the caller) on the source and as the catalogue's flags, at once. */
  async saveSelection(sourceId: string, selection: ImportSelection): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.getRepository(SourceEntity).update({ id: sourceId }, { settings: selection });
      await tx.getRepository(AttributeDefinitionEntity).update({ sourceId }, { selected: false });
      for (const model of ['company', 'contact'] as const) {
        const names = selection.custom_attributes[model];
        if (names.length > 0) {
          await tx
            .createQueryBuilder()
            .update(AttributeDefinitionEntity)
            .set({ selected: true })
            .where('source_id = :sourceId AND model = :model AND name IN (:...names)', { sourceId, model, names })
            .execute();
        }
      }
    });
  }
}
