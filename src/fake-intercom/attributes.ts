import type { AttributeModel, DataAttributeRecord, DataType } from './types';

/**
 * The data-attribute catalogue. Standard attributes have no id (as in Intercom's examples); custom ones carry an
 * integer id, timestamps and admin_id. Each model has one custom attribute per data type plus one archived one that
 * only appears with include_archived=true.
 */

type Std = [name: string, dataType: DataType, label: string, apiWritable: boolean, fullName?: string];

const COMPANY_STANDARD: Std[] = [
  ['name', 'string', 'Company name', true],
  ['company_id', 'string', 'Company ID', false],
  ['last_request_at', 'date', 'Company last seen', false],
  ['remote_created_at', 'date', 'Company created at', true],
  ['user_count', 'integer', 'People', false],
  ['session_count', 'integer', 'Company web sessions', false],
  ['name', 'string', 'Plan', false, 'plan.name'],
  ['monthly_spend', 'float', 'Monthly Spend', true],
  ['size', 'integer', 'Company size', true],
  ['industry', 'string', 'Industry', true],
  ['website', 'string', 'Website', true],
];

const CONTACT_STANDARD: Std[] = [
  ['name', 'string', 'Name', true],
  ['email', 'string', 'Email', true],
  ['phone', 'string', 'Phone', true],
  ['external_id', 'string', 'User ID', true],
  ['role', 'string', 'Role', false],
  ['owner_id', 'integer', 'Owner', true],
  ['created_at', 'date', 'Signed up', false],
  ['updated_at', 'date', 'Last updated', false],
  ['signed_up_at', 'date', 'Signed up at', true],
  ['last_seen_at', 'date', 'Last seen', true],
  ['last_contacted_at', 'date', 'Last contacted', false],
  ['last_replied_at', 'date', 'Last heard from', false],
  ['last_email_opened_at', 'date', 'Last opened email', false],
  ['last_email_clicked_at', 'date', 'Last clicked on link in email', false],
  ['unsubscribed_from_emails', 'boolean', 'Unsubscribed from emails', true],
  ['has_hard_bounced', 'boolean', 'Has hard bounced', false],
  ['marked_email_as_spam', 'boolean', 'Marked email as spam', false],
  ['language_override', 'string', 'Language override', true],
  ['browser', 'string', 'Browser', false],
  ['os', 'string', 'OS', false],
  ['country', 'string', 'Country', false, 'location.country'],
  ['region', 'string', 'Region', false, 'location.region'],
  ['city', 'string', 'City', false, 'location.city'],
];

type Custom = [name: string, dataType: DataType, label: string, archived?: boolean, options?: string[]];

export const COMPANY_CUSTOM: Custom[] = [
  ['tier', 'string', 'Tier', false, ['bronze', 'silver', 'gold']],
  ['seats', 'integer', 'Seats'],
  ['health_score', 'float', 'Health score'],
  ['is_enterprise', 'boolean', 'Enterprise'],
  ['renewal_date', 'date', 'Renewal date'],
  ['legacy_code', 'string', 'Legacy code', true],
];

export const CONTACT_CUSTOM: Custom[] = [
  ['favourite_color', 'string', 'Favourite colour'],
  ['logins', 'integer', 'Logins'],
  ['nps', 'float', 'NPS'],
  ['beta_tester', 'boolean', 'Beta tester'],
  ['trial_ends_at', 'date', 'Trial ends at'],
  ['old_segment', 'string', 'Old segment', true],
];

/** Builds the initial catalogue. `createdAt` keeps custom attribute timestamps deterministic for a seed. */
export function initialAttributes(createdAt: number, firstId: number): DataAttributeRecord[] {
  const out: DataAttributeRecord[] = [];
  let nextId = firstId;
  const add = (model: AttributeModel, std: Std[], custom: Custom[]): void => {
    for (const [name, data_type, label, apiWritable, fullName] of std) {
      out.push({
        model,
        name,
        full_name: fullName ?? name,
        label,
        description: `The ${label.toLowerCase()} of the ${model}`,
        data_type,
        api_writable: apiWritable,
        messenger_writable: false,
        ui_writable: apiWritable,
        custom: false,
        archived: false,
      });
    }
    for (const [name, data_type, label, archived, options] of custom) {
      out.push(customAttribute(nextId++, model, name, data_type, label, '', options, createdAt, archived ?? false));
    }
  };
  add('company', COMPANY_STANDARD, COMPANY_CUSTOM);
  add('contact', CONTACT_STANDARD, CONTACT_CUSTOM);
  return out;
}

export function customAttribute(
  id: number,
  model: AttributeModel,
  name: string,
  data_type: DataType,
  label: string,
  description: string,
  options: string[] | undefined,
  createdAt: number,
  archived = false,
): DataAttributeRecord {
  const rec: DataAttributeRecord = {
    id,
    model,
    name,
    full_name: `custom_attributes.${name}`,
    label,
    description,
    data_type,
    api_writable: true,
    messenger_writable: false,
    ui_writable: true,
    custom: true,
    archived,
    created_at: createdAt,
    updated_at: createdAt,
    admin_id: '991267459',
  };
  if (options && options.length > 0) rec.options = options;
  return rec;
}
