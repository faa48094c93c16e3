import { z } from 'zod';

/** Where a source is in its lifecycle; stored in `sources.status` and mirrored in the SourceStatus search attribute. */
export const SOURCE_STATUSES = [
  'awaiting_connection',
  'connecting',
  'connected',
  'importing',
  'live',
  'resyncing',
  'needs_reconnect',
  'deleting',
  'deleted',
  'active', // custom sources: fed through the API, always active
] as const;
export type SourceStatus = (typeof SOURCE_STATUSES)[number];

/**
 * A new source's status: an Intercom source awaits its connection (its workflow starts there too), a custom source
 * is active at once. Stored by the sources repository when the source is created.
 */
export function initialSourceStatus(system: 'intercom' | 'custom'): SourceStatus {
  return system === 'intercom' ? 'awaiting_connection' : 'active';
}

export const ATTRIBUTE_MODELS = ['company', 'contact'] as const;
export type AttributeModel = (typeof ATTRIBUTE_MODELS)[number];

/**
 * Bounds of a selection, which travels in a workflow update and so in the workflow's history: Intercom allows
 * at most 250 custom data attributes per model, and their names are short.
 */
export const MAX_SELECTED_ATTRIBUTES = 250;
export const MAX_ATTRIBUTE_NAME = 255;

// NUL and lone UTF-16 surrogates: PostgreSQL refuses them, and no Intercom attribute name holds one.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether an Intercom attribute name can be stored and selected (others are left out of the catalogue). */
export const isSelectableAttributeName = (name: unknown): name is string =>
  typeof name === 'string' && name.length > 0 && name.length <= MAX_ATTRIBUTE_NAME && !UNSTORABLE.test(name);

const attributeName = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_ATTRIBUTE_NAME, `is too long (${MAX_ATTRIBUTE_NAME} characters at most)`)
  .refine((v) => !UNSTORABLE.test(v), 'must not contain NUL or invalid characters');

const attributeNames = z
  .array(attributeName)
  .max(MAX_SELECTED_ATTRIBUTES, `selects too many attributes (${MAX_SELECTED_ATTRIBUTES} at most)`)
  .default([]);

/** What the user chose to import ("Start Import"). */
export const importSelectionSchema = z.strictObject({
  companies: z.boolean().default(true),
  contacts: z.boolean().default(true),
  custom_attributes: z
    .strictObject({ company: attributeNames, contact: attributeNames })
    .default({ company: [], contact: [] }),
});
export type ImportSelection = z.infer<typeof importSelectionSchema>;

export interface AttributeDefinition {
  model: AttributeModel;
  name: string;
  label: string | null;
  dataType: string;
  custom: boolean;
  archived: boolean;
}

/** The selected names that are not custom, non-archived attributes of the catalogue; empty when the selection is valid. */
export function unknownAttributes(selection: ImportSelection, catalogue: AttributeDefinition[]): string[] {
  const known = new Set(catalogue.filter((a) => a.custom && !a.archived).map((a) => `${a.model}:${a.name}`));
  const unknown: string[] = [];
  for (const model of ATTRIBUTE_MODELS) {
    for (const name of selection.custom_attributes[model]) {
      if (!known.has(`${model}:${name}`)) unknown.push(`${model}.${name}`);
    }
  }
  return unknown;
}

/**
 * Progress of a backfill as shown by the API and the `status` query. Counts come from the database, the rest from
 * `sources.progress` (src/db/repositories/source-progress.ts).
 */
export interface SourceProgress {
  companiesImported: number;
  contactsImported: number;
  contactsSkippedNoCompany: number;
  pagesFetched: number;
  startedAt: string | null;
  finishedAt: string | null;
}
