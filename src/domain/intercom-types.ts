/** The parts of Intercom's objects (API 2.14) that the import reads. Unset keys are omitted by Intercom. */
export interface IntercomCompany {
  type: 'company';
  id: string;
  company_id?: string;
  name?: string;
  created_at?: number;
  updated_at?: number;
  remote_created_at?: number;
  website?: string;
  plan?: { id?: string; name?: string } | Record<string, never>;
  size?: number;
  industry?: string;
  monthly_spend?: number;
  user_count?: number;
  custom_attributes?: Record<string, unknown>;
  /** REST: the company's tags with their names. */
  tags?: { tags?: Array<{ id: string; name?: string }> };
  /** Webhook items: tag ids only (names from GET /tags). */
  tag_ids?: string[] | null;
}

export interface IntercomListRef {
  type?: string;
  data?: Array<{ id: string; type?: string }>;
  has_more?: boolean;
  total_count?: number;
  url?: string;
}

export interface IntercomContact {
  type: 'contact';
  id: string;
  role?: 'user' | 'lead';
  external_id?: string | null;
  email?: string | null;
  phone?: string | null;
  name?: string | null;
  created_at?: number;
  updated_at?: number;
  social_profiles?: { data?: Array<{ name?: string; url?: string }> };
  custom_attributes?: Record<string, unknown>;
  companies?: IntercomListRef;
}
