/**
 * What an Intercom notification means for the CRM. Intercom's topic names vary by API version
 * (contact.user.updated, contact.lead.created, contact.archived, …); they are matched by pattern.
 */
export type LiveChange =
  | { kind: 'company_upsert' }
  | { kind: 'company_deleted' }
  | { kind: 'company_contact_attached' }
  | { kind: 'company_contact_detached' }
  | { kind: 'contact_upsert' }
  | { kind: 'contact_deleted' }
  | { kind: 'ignored' };

export function classifyTopic(topic: string): LiveChange {
  if (topic === 'company.created' || topic === 'company.updated') return { kind: 'company_upsert' };
  if (topic === 'company.deleted') return { kind: 'company_deleted' };
  if (topic === 'company.contact.attached') return { kind: 'company_contact_attached' };
  if (topic === 'company.contact.detached') return { kind: 'company_contact_detached' };
  if (topic === 'contact.deleted' || topic === 'contact.archived' || topic === 'contact.archive')
    return { kind: 'contact_deleted' };
  if (/^contact\.(user|lead)\.(created|updated|signed_up|added_email)$/.test(topic)) return { kind: 'contact_upsert' };
  if (topic === 'contact.unarchived' || topic === 'contact.email.updated' || topic === 'contact.signed_up')
    return { kind: 'contact_upsert' };
  return { kind: 'ignored' };
}
