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

export const ATTRIBUTE_MODELS = ['company', 'contact'] as const;
export type AttributeModel = (typeof ATTRIBUTE_MODELS)[number];

/** What the user chose to import ("Start Import"). */
export const importSelectionSchema = z.strictObject({
  companies: z.boolean().default(true),
  contacts: z.boolean().default(true),
  custom_attributes: z
    .strictObject({
      company: z.array(z.string().min(1)).default([]),
      contact: z.array(z.string().min(1)).default([]),
    })
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

/** Progress of a backfill as shown by the API and the `status` query. Counts come from the database. */
export interface SourceProgress {
  companiesImported: number;
  contactsImported: number;
  contactsSkippedNoCompany: number;
  pagesFetched: number;
  startedAt: string | null;
  finishedAt: string | null;
}
