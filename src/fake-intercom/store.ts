import { customAttribute } from './attributes';
import { HttpError, companyNotFound, parameterInvalid, userNotFound } from './errors';
import {
  type Json,
  renderCompany,
  renderContact,
  renderDataAttribute,
  webhookCompany,
  webhookContact,
  webhookLinkCompany,
} from './render';
import { IdFactory, type SeededWorkspace } from './seed';
import type {
  AttributeModel,
  CompanyRecord,
  ContactRecord,
  CustomValue,
  DataAttributeRecord,
  DataType,
  TagRecord,
} from './types';

/** Called on every change with the webhook topic and item; the webhook queue decides whether to deliver it. */
export type StoreEmitter = (topic: string, item: Json) => void;

const COMPANY_LINK_LIMIT = 1000;

/** Variations seen in Intercom's notifications, switchable for tests. */
export interface WebhookShape {
  /** The documented topic is `contact.unarchive`; a live capture used `contact.unarchived`. */
  unarchiveTopic: 'contact.unarchive' | 'contact.unarchived';
  /** `contact.merged` names the absorbed contact in `merged_from` (documented); one capture had none. */
  mergedFrom: boolean;
}

/**
 * Workspace state and all mutations. Records are kept in arrays indexed by `seq` with tombstones (deleted flags)
 * so cursors and scrolls stay valid while data changes underneath them. `version` increases on every mutation so
 * search can cache a sorted result set between pages of the same query.
 */
export class FakeStore {
  version = 0;
  readonly appId: string;
  private readonly companyList: CompanyRecord[];
  private readonly contactList: ContactRecord[];
  private readonly companyById = new Map<string, CompanyRecord>();
  private readonly companyByCompanyId = new Map<string, CompanyRecord>();
  private readonly contactById = new Map<string, ContactRecord>();
  /** company id -> contact ids, in attach order (Set keeps insertion order). */
  private readonly members = new Map<string, Set<string>>();
  private readonly attributes: DataAttributeRecord[];
  readonly tags: TagRecord[];
  private readonly ids: IdFactory;
  private nextAttributeId: number;
  readonly webhookShape: WebhookShape = { unarchiveTopic: 'contact.unarchive', mergedFrom: true };

  constructor(
    ws: SeededWorkspace,
    seed: number,
    private readonly now: () => number,
    private readonly emit: StoreEmitter,
  ) {
    this.appId = ws.appId;
    this.companyList = ws.companies;
    this.contactList = ws.contacts;
    this.attributes = ws.attributes;
    this.tags = ws.tags;
    this.ids = new IdFactory(seed);
    this.nextAttributeId = Math.max(0, ...ws.attributes.map((a) => a.id ?? 0)) + 1;
    for (const c of this.companyList) {
      this.companyById.set(c.id, c);
      this.companyByCompanyId.set(c.company_id, c);
      this.members.set(c.id, new Set());
    }
    for (const p of this.contactList) {
      this.contactById.set(p.id, p);
      for (const companyId of p.companyIds) this.members.get(companyId)?.add(p.id);
    }
  }

  // ---------------------------------------------------------------- read API for tests (wire shapes)

  /** Every live company as GET /companies/{id} returns it, in creation order. */
  companies(): Json[] {
    return this.liveCompanies().map((c) => this.companyJson(c));
  }

  /** Every visible contact (not deleted, archived or merged) as GET /contacts/{id} returns it. */
  contacts(): Json[] {
    return this.visibleContacts().map((c) => renderContact(c, this.appId));
  }

  /** All companies linked to a contact, uncapped (the contact's embedded list stops at 10). */
  companiesOf(contactId: string): Json[] {
    return this.companyIdsOf(contactId).map((id) => this.companyJson(this.companyById.get(id)!));
  }

  companyIdsOf(contactId: string): string[] {
    return [...(this.contactById.get(contactId)?.companyIds ?? [])];
  }

  contactsOf(companyId: string): Json[] {
    return this.contactIdsOf(companyId).map((id) => renderContact(this.contactById.get(id)!, this.appId));
  }

  /** Visible contacts linked to a company, in attach order. */
  contactIdsOf(companyId: string): string[] {
    return [...(this.members.get(companyId) ?? [])].filter((id) => isVisible(this.contactById.get(id)!));
  }

  dataAttributes(model: AttributeModel, includeArchived = false): Json[] {
    return this.attributes
      .filter((a) => a.model === model && (includeArchived || !a.archived))
      .map((a) => renderDataAttribute(a));
  }

  // ---------------------------------------------------------------- internal reads

  liveCompanies(): CompanyRecord[] {
    return this.companyList.filter((c) => !c.deleted);
  }

  /** Raw arrays for cursor walks (include tombstones; callers filter). */
  companySlots(): readonly CompanyRecord[] {
    return this.companyList;
  }

  contactSlots(): readonly ContactRecord[] {
    return this.contactList;
  }

  visibleContacts(): ContactRecord[] {
    return this.contactList.filter(isVisible);
  }

  companyJson(c: CompanyRecord): Json {
    return renderCompany(c, this.appId, this.userCount(c.id), this.tags);
  }

  contactJson(c: ContactRecord, forSearch = false): Json {
    return renderContact(c, this.appId, forSearch);
  }

  userCount(companyId: string): number {
    return this.members.get(companyId)?.size ?? 0;
  }

  getCompany(id: string): CompanyRecord {
    const c = this.companyById.get(id);
    if (!c || c.deleted) throw companyNotFound();
    return c;
  }

  findCompanyByCompanyId(companyId: string): CompanyRecord | undefined {
    const c = this.companyByCompanyId.get(companyId);
    return c && !c.deleted ? c : undefined;
  }

  findCompanyByName(name: string): CompanyRecord | undefined {
    return this.companyList.find((c) => !c.deleted && c.name === name);
  }

  getContact(id: string): ContactRecord {
    const c = this.contactById.get(id);
    if (!c || !isVisible(c)) throw userNotFound();
    return c;
  }

  attribute(model: AttributeModel, name: string): DataAttributeRecord | undefined {
    return this.attributes.find((a) => a.model === model && a.custom && a.name === name);
  }

  // ---------------------------------------------------------------- mutations

  private nowSec(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Sets updated_at (seconds, REST) and the ms of the change (webhooks) from one clock reading. */
  private stamp(record: { updated_at: number; updatedAtMs?: number }, ms = this.now()): void {
    record.updated_at = Math.floor(ms / 1000);
    record.updatedAtMs = ms;
  }

  private companyItem(c: CompanyRecord): Json {
    return webhookCompany(c, this.appId, this.userCount(c.id));
  }

  private contactItem(c: ContactRecord): Json {
    return webhookContact(c, this.appId);
  }

  private touch(): void {
    this.version++;
  }

  /** POST /companies: create, or update the company with this company_id. */
  upsertCompany(body: Json): { company: CompanyRecord; created: boolean } {
    const companyId = optString(body, 'company_id');
    if (companyId === undefined || companyId === '') {
      throw new HttpError(400, 'parameter_not_found', 'company_id not specified', 'company_id');
    }
    const existing = this.findCompanyByCompanyId(companyId);
    const ms = this.now();
    const now = Math.floor(ms / 1000);
    const company: CompanyRecord = existing ?? {
      seq: this.companyList.length,
      id: this.ids.company(now, this.companyList.length),
      company_id: companyId,
      name: '',
      created_at: now,
      updated_at: now,
      monthly_spend: 0,
      session_count: 0,
      custom_attributes: {},
      deleted: false,
      createdAtMs: ms,
    };
    // Validate fully before touching the record so a 400 leaves no partial update behind.
    const patch = this.companyPatch(body);
    Object.assign(company, patch.fields);
    Object.assign(company.custom_attributes, patch.custom);
    this.stamp(company, ms);
    if (!existing) {
      this.companyList.push(company);
      this.companyById.set(company.id, company);
      this.companyByCompanyId.set(company.company_id, company);
      this.members.set(company.id, new Set());
    }
    this.touch();
    this.emit(existing ? 'company.updated' : 'company.created', this.companyItem(company));
    return { company, created: !existing };
  }

  /** PUT /companies/{id}: company_id cannot change. */
  updateCompany(id: string, body: Json): CompanyRecord {
    const company = this.getCompany(id);
    if (body.company_id !== undefined && body.company_id !== company.company_id) {
      throw parameterInvalid('company_id cannot be changed', 'company_id');
    }
    const patch = this.companyPatch(body);
    Object.assign(company, patch.fields);
    Object.assign(company.custom_attributes, patch.custom);
    this.stamp(company);
    this.touch();
    this.emit('company.updated', this.companyItem(company));
    return company;
  }

  private companyPatch(body: Json): { fields: Partial<CompanyRecord>; custom: Record<string, CustomValue> } {
    const fields: Partial<CompanyRecord> = {};
    const name = optString(body, 'name');
    if (name !== undefined) fields.name = name;
    for (const key of ['website', 'industry'] as const) {
      const v = optString(body, key);
      if (v !== undefined) fields[key] = v;
    }
    for (const key of ['remote_created_at', 'size'] as const) {
      const v = optInteger(body, key);
      if (v !== undefined) fields[key] = v;
    }
    if (body.monthly_spend !== undefined) {
      const v = body.monthly_spend;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw parameterInvalid('monthly_spend must be a number');
      // Intercom truncates floats and caps the value; keep it an integer on the wire.
      fields.monthly_spend = Math.min(Math.trunc(v), 2147483647);
    }
    const plan = optString(body, 'plan');
    if (plan !== undefined) fields.plan = { id: String(100000 + (hashPlan(plan) % 900000)), name: plan };
    return { fields, custom: this.customPatch('company', body.custom_attributes) };
  }

  /** Validates custom attribute values against the catalogue, like Intercom (unknown names are rejected). */
  private customPatch(model: AttributeModel, raw: unknown): Record<string, CustomValue> {
    if (raw === undefined || raw === null) return {};
    if (typeof raw !== 'object' || Array.isArray(raw)) throw parameterInvalid('custom_attributes must be an object');
    const out: Record<string, CustomValue> = {};
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      const attr = this.attribute(model, name);
      if (!attr || attr.archived) {
        throw new HttpError(400, 'parameter_not_found', `Custom attribute '${name}' does not exist`, name);
      }
      if (value !== null && !valueMatches(attr.data_type, value)) {
        throw parameterInvalid(`Custom attribute '${name}' must be of type ${attr.data_type}`, name);
      }
      out[name] = value as CustomValue;
    }
    return out;
  }

  /**
   * POST /tags with `companies`: creates the tag if its name is new, tags (or with `untag`, untags) each company and
   * notifies `company.updated` for each company whose tags changed.
   */
  tagCompanies(name: string, companyIds: string[], untag: boolean): TagRecord {
    const companies = companyIds.map((id) => this.getCompany(id));
    let tag = this.tags.find((t) => t.name === name);
    if (!tag) {
      tag = { id: String(7000000 + this.tags.length), name };
      this.tags.push(tag);
    }
    for (const company of companies) {
      const ids = company.tagIds ?? [];
      const has = ids.includes(tag.id);
      if (has === !untag) continue;
      company.tagIds = untag ? ids.filter((id) => id !== tag.id) : [...ids, tag.id];
      this.stamp(company);
      this.touch();
      this.emit('company.updated', this.companyItem(company));
    }
    return tag;
  }

  /** DELETE /companies/{id}: detaches all contacts (bumping them, since their company list changed). */
  deleteCompany(id: string): CompanyRecord {
    const company = this.getCompany(id);
    company.deleted = true;
    this.companyByCompanyId.delete(company.company_id);
    const ms = this.now();
    for (const contactId of this.members.get(company.id) ?? []) {
      const contact = this.contactById.get(contactId)!;
      contact.companyIds = contact.companyIds.filter((c) => c !== company.id);
      this.stamp(contact, ms);
    }
    this.members.get(company.id)?.clear();
    this.touch();
    // Deletions carry only what identifies the object (no company_id, no name).
    this.emit('company.deleted', { id: company.id, type: 'company', deleted: true });
    return company;
  }

  createContact(body: Json): ContactRecord {
    const role = body.role === undefined ? 'user' : body.role;
    if (role !== 'user' && role !== 'lead') throw parameterInvalid("role must be 'user' or 'lead'", 'role');
    const email = optString(body, 'email') ?? null;
    const externalId = optString(body, 'external_id') ?? null;
    if (!email && !externalId && role === 'user') {
      throw parameterInvalid('A contact must have an email or an external_id', 'email');
    }
    const clash = this.contactList.find(
      (c) =>
        isVisible(c) &&
        c.role === 'user' &&
        role === 'user' &&
        ((externalId !== null && c.external_id === externalId) || (email !== null && c.email === email)),
    );
    if (clash)
      throw new HttpError(409, 'conflict', `A contact matching those details already exists with id=${clash.id}`);
    const ms = this.now();
    const now = Math.floor(ms / 1000);
    const seq = this.contactList.length;
    const contact: ContactRecord = {
      seq,
      id: this.ids.contact(now, seq),
      external_id: externalId,
      role,
      email,
      phone: null,
      name: null,
      owner_id: null,
      has_hard_bounced: false,
      marked_email_as_spam: false,
      unsubscribed_from_emails: false,
      created_at: now,
      updated_at: now,
      signed_up_at: null,
      last_seen_at: null,
      last_replied_at: null,
      last_contacted_at: null,
      last_email_opened_at: null,
      last_email_clicked_at: null,
      language_override: null,
      browser: null,
      browser_version: null,
      browser_language: null,
      os: null,
      location: { country: null, region: null, city: null, country_code: null, continent_code: null },
      custom_attributes: {},
      tagIds: [],
      noteIds: [],
      companyIds: [],
      deleted: false,
      archived: false,
      merged: false,
      createdAtMs: ms,
      updatedAtMs: ms,
    };
    this.applyContactPatch(contact, body);
    this.contactList.push(contact);
    this.contactById.set(contact.id, contact);
    this.touch();
    this.emit(`contact.${contact.role}.created`, this.contactItem(contact));
    return contact;
  }

  /** PUT /contacts/{id}; `role: 'user'` on a lead converts it (Intercom's "signed up"). A user cannot become a lead. */
  updateContact(id: string, body: Json): ContactRecord {
    const contact = this.getContact(id);
    const wasLead = contact.role === 'lead';
    if (!wasLead && body.role === 'lead') throw parameterInvalid('A user cannot be turned back into a lead', 'role');
    if (wasLead && body.role === 'user' && !contact.email && !contact.external_id && !body.email && !body.external_id) {
      throw parameterInvalid('A user must have an email or an external_id', 'email');
    }
    this.applyContactPatch(contact, body);
    this.stamp(contact);
    const signedUp = wasLead && contact.role === 'user';
    if (signedUp) contact.signed_up_at ??= contact.updated_at;
    this.touch();
    this.emit(signedUp ? 'contact.lead.signed_up' : `contact.${contact.role}.updated`, this.contactItem(contact));
    return contact;
  }

  /**
   * POST /contacts/merge: a lead (`from`) into a user (`into`). The lead disappears (404, never listed or
   * searched); the user keeps its companies and gains the lead's. Intercom announces it with one
   * `contact.merged` carrying the user and `merged_from`.
   */
  mergeContacts(fromId: string, intoId: string): ContactRecord {
    const from = this.getContact(fromId);
    const into = this.getContact(intoId);
    if (from.id === into.id) throw parameterInvalid('A contact cannot be merged into itself', 'into');
    if (from.role !== 'lead') throw parameterInvalid('from must be a lead', 'from');
    if (into.role !== 'user') throw parameterInvalid('into must be a user', 'into');
    for (const companyId of from.companyIds) {
      this.members.get(companyId)?.delete(from.id);
      if (!into.companyIds.includes(companyId) && into.companyIds.length < COMPANY_LINK_LIMIT) {
        into.companyIds.push(companyId);
        this.members.get(companyId)?.add(into.id);
      }
    }
    from.companyIds = [];
    from.merged = true;
    const ms = this.now();
    this.stamp(from, ms);
    this.stamp(into, ms);
    this.touch();
    const item = this.contactItem(into);
    if (this.webhookShape.mergedFrom) item.merged_from = { type: 'contact', id: from.id };
    this.emit('contact.merged', item);
    return into;
  }

  private applyContactPatch(contact: ContactRecord, body: Json): void {
    const patch: Partial<ContactRecord> = {};
    if (body.role !== undefined) {
      if (body.role !== 'user' && body.role !== 'lead') throw parameterInvalid("role must be 'user' or 'lead'", 'role');
      patch.role = body.role;
    }
    for (const key of ['email', 'external_id', 'phone', 'name', 'language_override'] as const) {
      if (body[key] === null) patch[key] = null;
      else {
        const v = optString(body, key);
        if (v !== undefined) patch[key] = v;
      }
    }
    for (const key of ['signed_up_at', 'last_seen_at', 'owner_id'] as const) {
      if (body[key] === null) patch[key] = null;
      else {
        const v = optInteger(body, key);
        if (v !== undefined) patch[key] = v;
      }
    }
    if (body.unsubscribed_from_emails !== undefined) {
      if (typeof body.unsubscribed_from_emails !== 'boolean')
        throw parameterInvalid('unsubscribed_from_emails must be a boolean');
      patch.unsubscribed_from_emails = body.unsubscribed_from_emails;
    }
    const custom = this.customPatch('contact', body.custom_attributes);
    Object.assign(contact, patch);
    Object.assign(contact.custom_attributes, custom);
  }

  deleteContact(id: string): ContactRecord {
    const contact = this.getContact(id);
    contact.deleted = true;
    for (const companyId of contact.companyIds) this.members.get(companyId)?.delete(contact.id);
    contact.companyIds = [];
    this.touch();
    this.emit('contact.deleted', { id: contact.id, external_id: contact.external_id, type: 'contact', deleted: true });
    return contact;
  }

  archiveContact(id: string): ContactRecord {
    const contact = this.getContact(id);
    contact.archived = true;
    this.stamp(contact);
    this.touch();
    this.emit('contact.archived', {
      type: 'contact',
      id: contact.id,
      external_id: contact.external_id,
      archived: true,
    });
    return contact;
  }

  unarchiveContact(id: string): ContactRecord {
    const contact = this.contactById.get(id);
    if (!contact || contact.deleted || contact.merged) throw userNotFound();
    if (!contact.archived) return contact;
    contact.archived = false;
    this.stamp(contact);
    this.touch();
    this.emit(this.webhookShape.unarchiveTopic, this.contactItem(contact));
    return contact;
  }

  /** POST /contacts/{id}/companies. Idempotent; bumps the contact (its company list changed). */
  attach(contactId: string, companyId: string): CompanyRecord {
    const contact = this.getContact(contactId);
    const company = this.getCompany(companyId);
    if (!contact.companyIds.includes(company.id)) {
      if (contact.companyIds.length >= COMPANY_LINK_LIMIT) {
        throw new HttpError(
          400,
          'contact_company_limit_exceeded',
          'Contact has reached the maximum of 1000 company associations',
        );
      }
      contact.companyIds.push(company.id);
      this.members.get(company.id)!.add(contact.id);
    }
    this.stamp(contact);
    this.touch();
    this.emit('company.contact.attached', this.linkItem(company, contact));
    this.emit(`contact.${contact.role}.updated`, this.contactItem(contact));
    return company;
  }

  detach(contactId: string, companyId: string): CompanyRecord {
    const contact = this.getContact(contactId);
    const company = this.getCompany(companyId);
    if (!contact.companyIds.includes(company.id)) throw companyNotFound();
    contact.companyIds = contact.companyIds.filter((id) => id !== company.id);
    this.members.get(company.id)!.delete(contact.id);
    this.stamp(contact);
    this.touch();
    this.emit('company.contact.detached', this.linkItem(company, contact));
    this.emit(`contact.${contact.role}.updated`, this.contactItem(contact));
    return company;
  }

  /** company.contact.attached/detached items as captured: `{company:{…, plan_id, tag_ids}, contact:{…full…}}`. */
  private linkItem(company: CompanyRecord, contact: ContactRecord): Json {
    return {
      company: webhookLinkCompany(company, this.appId, this.userCount(company.id)),
      contact: this.contactItem(contact),
    };
  }

  /** A contact as a notification carries it (for tests and bursts). */
  contactWebhookItem(c: ContactRecord): Json {
    return this.contactItem(c);
  }

  createDataAttribute(body: Json): DataAttributeRecord {
    const name = optString(body, 'name');
    if (!name) throw new HttpError(400, 'parameter_not_found', 'name not specified', 'name');
    if (!/^[\p{L}\p{N}\p{Sc}_ -]+$/u.test(name)) {
      throw parameterInvalid(
        'Your name for this attribute must only contain alphanumeric characters, currency symbols, and hyphens',
        'name',
      );
    }
    const model = body.model;
    if (model !== 'contact' && model !== 'company')
      throw parameterInvalid("model must be 'contact' or 'company'", 'model');
    const dataType = body.data_type;
    if (!['string', 'integer', 'float', 'boolean', 'date'].includes(dataType as string)) {
      throw parameterInvalid(`Data Type isn't an option`, 'data_type');
    }
    if (this.attributes.some((a) => a.model === model && a.name === name)) {
      throw parameterInvalid(`You already have '${name}' in your ${model} data. Use a different name.`, 'name');
    }
    const options = Array.isArray(body.options)
      ? body.options.map((o: unknown) => (typeof o === 'object' && o !== null ? String((o as Json).value) : String(o)))
      : undefined;
    const now = this.nowSec();
    const attr = customAttribute(
      this.nextAttributeId++,
      model,
      name,
      dataType as DataType,
      name,
      optString(body, 'description') ?? '',
      options,
      now,
    );
    this.attributes.push(attr);
    this.touch();
    return attr;
  }
}

export function isVisible(c: ContactRecord): boolean {
  return !c.deleted && !c.archived && !c.merged;
}

export function valueMatches(type: DataType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
    case 'date':
      return typeof value === 'number' && Number.isInteger(value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
  }
}

function optString(body: Json, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw parameterInvalid(`${key} must be a string`, key);
  return v;
}

function optInteger(body: Json, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw parameterInvalid(`${key} must be an integer`, key);
  return v;
}

function hashPlan(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return h;
}
