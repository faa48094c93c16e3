/** Internal records of the fake workspace. The wire shapes are produced from these by render.ts. */

export type DataType = 'string' | 'integer' | 'float' | 'boolean' | 'date';
export type AttributeModel = 'company' | 'contact';
export type CustomValue = string | number | boolean | null;
export type ContactRole = 'user' | 'lead';

export interface CompanyRecord {
  /** Insertion order; scroll, lists and cursors walk records by it. */
  seq: number;
  id: string;
  company_id: string;
  name: string;
  created_at: number;
  updated_at: number;
  remote_created_at?: number;
  last_request_at?: number;
  size?: number;
  website?: string;
  industry?: string;
  monthly_spend: number;
  session_count: number;
  plan?: { id: string; name: string };
  custom_attributes: Record<string, CustomValue>;
  /** Tag ids (POST /tags with `companies`); seeded companies have none. */
  tagIds?: string[];
  deleted: boolean;
  /** Clock ms of the last change (webhooks carry ms; REST only the second in updated_at). Unset: seeded. */
  updatedAtMs?: number;
  createdAtMs?: number;
}

export interface ContactLocation {
  country: string | null;
  region: string | null;
  city: string | null;
  country_code: string | null;
  continent_code: string | null;
}

export interface ContactRecord {
  seq: number;
  id: string;
  external_id: string | null;
  role: ContactRole;
  email: string | null;
  phone: string | null;
  name: string | null;
  owner_id: number | null;
  has_hard_bounced: boolean;
  marked_email_as_spam: boolean;
  unsubscribed_from_emails: boolean;
  created_at: number;
  updated_at: number;
  signed_up_at: number | null;
  last_seen_at: number | null;
  last_replied_at: number | null;
  last_contacted_at: number | null;
  last_email_opened_at: number | null;
  last_email_clicked_at: number | null;
  language_override: string | null;
  browser: string | null;
  browser_version: string | null;
  browser_language: string | null;
  os: string | null;
  location: ContactLocation;
  custom_attributes: Record<string, CustomValue>;
  tagIds: string[];
  noteIds: string[];
  /** Intercom ids of linked companies, in attach order (can exceed the 10 that are embedded). */
  companyIds: string[];
  deleted: boolean;
  archived: boolean;
  /** Merged leads are kept as hidden records: list/search/get must not show them. */
  merged: boolean;
  /** Clock ms from which search can see the contact (seeded ones: always). Simulates index lag. */
  createdAtMs: number;
  /** Clock ms of the last change (webhooks carry ms; REST only the second in updated_at). Unset: seeded. */
  updatedAtMs?: number;
}

export interface DataAttributeRecord {
  id?: number;
  model: AttributeModel;
  name: string;
  full_name: string;
  label: string;
  description: string;
  data_type: DataType;
  options?: string[];
  api_writable: boolean;
  messenger_writable: boolean;
  ui_writable: boolean;
  custom: boolean;
  archived: boolean;
  created_at?: number;
  updated_at?: number;
  admin_id?: string;
}

export interface TagRecord {
  id: string;
  name: string;
}
