/**
 * What an Intercom notification means for the CRM. Topic names vary between Intercom's documentation, its API
 * versions and what a live workspace sends (`contact.unarchive` documented, `contact.unarchived` captured;
 * `contact.archive` on an old page): all spellings are accepted.
 */
export type LiveChange =
  | { kind: 'company_upsert' }
  | { kind: 'company_deleted' }
  | { kind: 'company_contact_attached' }
  | { kind: 'company_contact_detached' }
  | { kind: 'contact_upsert' }
  /** The item is the contact as it was; its current state is fetched (it may have come back meanwhile). */
  | { kind: 'contact_unarchived' }
  /** The item is the surviving contact; `merged_from` (when present) names the contact absorbed into it. */
  | { kind: 'contact_merged' }
  | { kind: 'contact_deleted' }
  | { kind: 'ping' }
  | { kind: 'ignored' };

/** Exactly the topics live sync handles: what to subscribe to in Intercom's Developer Hub. */
export const HANDLED_TOPICS = [
  'company.created',
  'company.updated',
  'company.deleted',
  'company.contact.attached',
  'company.contact.detached',
  'contact.user.created',
  'contact.user.updated',
  'contact.lead.created',
  'contact.lead.updated',
  'contact.lead.signed_up',
  'contact.lead.added_email',
  'contact.email.updated',
  'contact.archived',
  'contact.unarchive',
  'contact.deleted',
  'contact.merged',
] as const;

export function classifyTopic(topic: string): LiveChange {
  if (topic === 'ping') return { kind: 'ping' };
  if (topic === 'company.created' || topic === 'company.updated') return { kind: 'company_upsert' };
  if (topic === 'company.deleted') return { kind: 'company_deleted' };
  if (topic === 'company.contact.attached') return { kind: 'company_contact_attached' };
  if (topic === 'company.contact.detached') return { kind: 'company_contact_detached' };
  if (topic === 'contact.deleted' || topic === 'contact.archived' || topic === 'contact.archive')
    return { kind: 'contact_deleted' };
  if (topic === 'contact.unarchive' || topic === 'contact.unarchived') return { kind: 'contact_unarchived' };
  if (topic === 'contact.merged') return { kind: 'contact_merged' };
  if (/^contact\.(user|lead)\.(created|updated|signed_up|added_email)$/.test(topic)) return { kind: 'contact_upsert' };
  if (topic === 'contact.email.updated' || topic === 'contact.signed_up') return { kind: 'contact_upsert' };
  return { kind: 'ignored' };
}
