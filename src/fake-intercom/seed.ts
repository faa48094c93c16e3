import { initialAttributes } from './attributes';
import { Rng, hash32, hex } from './random';
import type {
  CompanyRecord,
  ContactLocation,
  ContactRecord,
  CustomValue,
  DataAttributeRecord,
  TagRecord,
} from './types';

/**
 * Deterministic workspace generator. Everything (ids, names, timestamps, attributes, links) derives from `seed` and
 * the requested sizes, so a test can start two fakes or recompute an expected import and see identical data.
 * Timestamps are anchored to a fixed instant rather than "now" for the same reason.
 */

/** 2025-06-01T00:00:00Z: seeded timestamps fall in the two years before it. */
export const SEED_ANCHOR = 1748736000;
const SPAN = 2 * 365 * 86400;
const START = SEED_ANCHOR - SPAN;

export interface SeedOptions {
  seed: number;
  companies: number;
  /** Visible contacts; about 1% extra merged (hidden) leads are added on top. */
  contacts: number;
  /**
   * How many companies a contact has. 'mixed' (default): 20% none, 50% one, 30% several (1% over 10).
   * 'mostly-one', a contacts-heavy workspace of one company per person: 10% none, 80% one, 10% several (0.5% over 10).
   */
  companyLinks?: 'mixed' | 'mostly-one';
}

/** Cumulative shares of contacts with 0, 1, 2–4, 5–10 companies (the rest have 11–15). */
const LINK_SHARES = {
  mixed: [0.2, 0.7, 0.9, 0.99],
  'mostly-one': [0.1, 0.9, 0.97, 0.995],
} as const;

export interface SeededWorkspace {
  appId: string;
  companies: CompanyRecord[];
  contacts: ContactRecord[];
  attributes: DataAttributeRecord[];
  tags: TagRecord[];
  nextNoteId: number;
}

/** Mongo-ObjectId-looking ids: 8 hex of the creation second, 6 of a per-seed/kind hash, 10 of a counter. */
export class IdFactory {
  private readonly companyMid: string;
  private readonly contactMid: string;

  constructor(seed: number) {
    this.companyMid = hex(hash32(`company:${seed}`), 6);
    this.contactMid = hex(hash32(`contact:${seed}`), 6);
  }

  company(createdAt: number, seq: number): string {
    return hex(createdAt, 8) + this.companyMid + hex(seq, 10);
  }

  contact(createdAt: number, seq: number): string {
    return hex(createdAt, 8) + this.contactMid + hex(seq, 10);
  }
}

export function appIdForSeed(seed: number): string {
  // 8 lowercase alphanumerics like real app id codes ('ecahpwf5').
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < 8; i++) out += alphabet[hash32(`app:${seed}:${i}`) % alphabet.length];
  return out;
}

const COMPANY_SPECIAL_NAMES = [
  'Zoë Łukasz 東京 Holdings',
  '🚀 Rocket Ñandú Labs',
  'Société Générale du Café',
  'Ærø & Søn',
];
const COMPANY_WORDS_A = [
  'Blue',
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Hooli',
  'Vandelay',
  'Soylent',
];
const COMPANY_WORDS_B = [
  'Sun',
  'Systems',
  'Analytics',
  'Robotics',
  'Foods',
  'Logistics',
  'Media',
  'Bank',
  'Cloud',
  'Labs',
];
const INDUSTRIES = ['Software', 'Retail', 'Finance', 'Healthcare', 'Education', 'Manufacturing'];
const PLANS = [
  { id: '269315', name: 'Starter' },
  { id: '269316', name: 'Pro' },
  { id: '269317', name: 'Enterprise' },
];
const TIERS = ['bronze', 'silver', 'gold'];

const CONTACT_SPECIAL_NAMES: [string, string][] = [
  ['Zoë Łukasz 東京', 'zoe.lukasz'],
  ['🚀 Rocket Raccoon 😀', 'rocket.raccoon'],
  ['Иван Петров', 'ivan.petrov'],
  ["Siobhán O'Brien", 'siobhan.obrien'],
  ['محمد علي', 'mohammed.ali'],
  ['李小龙', 'li.xiaolong'],
];
const FIRST: [string, string][] = [
  ['Joe', 'joe'],
  ['Ana', 'ana'],
  ['José', 'jose'],
  ['Zoë', 'zoe'],
  ['Søren', 'soren'],
  ['Mei', 'mei'],
  ['Ólafur', 'olafur'],
  ['Priya', 'priya'],
  ['Łucja', 'lucja'],
  ['Kwame', 'kwame'],
];
const LAST: [string, string][] = [
  ['Bloggs', 'bloggs'],
  ['Müller', 'muller'],
  ['García', 'garcia'],
  ['Nakamura', 'nakamura'],
  ['Nowak', 'nowak'],
  ['Okafor', 'okafor'],
  ['Dubois', 'dubois'],
  ['Smith', 'smith'],
];
const DOMAINS = ['example.com', 'acme.test', 'globex.io', 'initech.co', 'umbrella.org'];
const COLORS = ['red', 'green', 'blue', 'teal', 'magenta'];
const LOCATIONS: ContactLocation[] = [
  { country: 'Ireland', region: 'Dublin', city: 'Dublin', country_code: 'IRL', continent_code: 'EU' },
  { country: 'United States', region: 'California', city: 'San Francisco', country_code: 'USA', continent_code: 'NA' },
  { country: 'Japan', region: 'Tokyo', city: '東京', country_code: 'JPN', continent_code: 'AS' },
  { country: 'Poland', region: 'Mazowieckie', city: 'Łódź', country_code: 'POL', continent_code: 'EU' },
  { country: 'Brazil', region: 'São Paulo', city: 'São Paulo', country_code: 'BRA', continent_code: 'SA' },
];
const NO_LOCATION: ContactLocation = {
  country: null,
  region: null,
  city: null,
  country_code: null,
  continent_code: null,
};
const BROWSERS = [
  ['chrome', '126.0.6478.127', 'Mac OS X'],
  ['firefox', '127.0', 'Windows 11'],
  ['safari', '17.5', 'iOS 17.5'],
];
export const ADMIN_IDS = [991267459, 991267460];

/** Sorted creation times with ~35% exact ties, so `updated_at`/`created_at` boundaries are exercised. */
function creationTimes(rng: Rng, n: number): number[] {
  const times: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) times[i] = START + Math.floor(rng.next() * SPAN);
  times.sort((a, b) => a - b);
  for (let i = 1; i < n; i++) if (rng.chance(0.35)) times[i] = times[i - 1];
  return times;
}

/**
 * updated_at >= created_at. A share of records takes one of a few "bulk update" instants, which produces many ties
 * within one second across unrelated records (what a CSV import or a bulk action does in a real workspace).
 */
function updateTime(rng: Rng, createdAt: number, bulk: number[]): number {
  const r = rng.next();
  if (r < 0.2) return createdAt;
  if (r < 0.5) return Math.max(createdAt, rng.pick(bulk));
  return createdAt + Math.floor(rng.next() * (SEED_ANCHOR - createdAt));
}

function maybe<T>(rng: Rng, p: number, make: () => T): T | undefined {
  return rng.chance(p) ? make() : undefined;
}

function between(rng: Rng, from: number, to: number): number {
  return from + Math.floor(rng.next() * Math.max(1, to - from));
}

export function seedWorkspace(options: SeedOptions): SeededWorkspace {
  const { seed } = options;
  const nCompanies = Math.max(0, Math.floor(options.companies));
  const nVisible = Math.max(0, Math.floor(options.contacts));
  const rng = new Rng(seed);
  const ids = new IdFactory(seed);
  const bulk = Array.from({ length: 12 }, () => between(rng, START + SPAN / 2, SEED_ANCHOR));

  const companies: CompanyRecord[] = [];
  const companyTimes = creationTimes(rng, nCompanies);
  for (let i = 0; i < nCompanies; i++) {
    const created = companyTimes[i];
    const name =
      i < COMPANY_SPECIAL_NAMES.length
        ? COMPANY_SPECIAL_NAMES[i]
        : `${rng.pick(COMPANY_WORDS_A)} ${rng.pick(COMPANY_WORDS_B)} ${i}`;
    const custom: Record<string, CustomValue> = {};
    if (rng.chance(0.7)) custom.tier = rng.pick(TIERS);
    if (rng.chance(0.7)) custom.seats = rng.int(1, 500);
    // Always a non-integer so that a consumer cannot mistake the float attribute for an integer one.
    if (rng.chance(0.7)) custom.health_score = rng.int(0, 9999) / 100 + 0.005;
    if (rng.chance(0.7)) custom.is_enterprise = rng.chance(0.3);
    if (rng.chance(0.6)) custom.renewal_date = between(rng, SEED_ANCHOR, SEED_ANCHOR + 365 * 86400);
    const rec: CompanyRecord = {
      seq: i,
      id: ids.company(created, i),
      company_id: i % 3 === 0 ? String(100000 + i) : `cmp-${hex(hash32(`${seed}:${i}`), 8)}-${i}`,
      name,
      created_at: created,
      updated_at: updateTime(rng, created, bulk),
      remote_created_at: maybe(rng, 0.8, () => created - rng.int(0, 365 * 86400)),
      last_request_at: maybe(rng, 0.85, () => between(rng, created, SEED_ANCHOR)),
      size: maybe(rng, 0.7, () => rng.int(1, 5000)),
      website: maybe(rng, 0.6, () => `https://www.company-${i}.example.com`),
      industry: maybe(rng, 0.6, () => rng.pick(INDUSTRIES)),
      monthly_spend: rng.chance(0.2) ? 0 : rng.int(1, 20000),
      session_count: rng.int(0, 5000),
      plan: maybe(rng, 0.65, () => ({ ...rng.pick(PLANS) })),
      custom_attributes: custom,
      deleted: false,
    };
    // Keep "unset optional keys omitted" true at the record level, not just at render time.
    for (const key of ['remote_created_at', 'last_request_at', 'size', 'website', 'industry', 'plan'] as const) {
      if (rec[key] === undefined) delete rec[key];
    }
    companies.push(rec);
  }

  // The newest ~10% of companies never get contacts (at least one whenever there are two or more companies).
  const emptyCompanies = nCompanies >= 20 ? Math.floor(nCompanies / 10) : nCompanies >= 2 ? 1 : 0;
  const pool = nCompanies - emptyCompanies;
  const [none, one, few, some] = LINK_SHARES[options.companyLinks ?? 'mixed'];

  const tags: TagRecord[] = Array.from({ length: 15 }, (_, i) => ({ id: String(7000000 + i), name: `tag-${i}` }));
  let nextNoteId = 9000000;

  // ~1% extra hidden merged leads, interleaved by creation time: every 101st record.
  const total = nVisible + Math.floor(nVisible / 100);
  const contactTimes = creationTimes(rng, total);
  const contacts: ContactRecord[] = [];
  let visibleIndex = 0;
  for (let i = 0; i < total; i++) {
    const created = contactTimes[i];
    const merged = i % 101 === 100;
    const vi = merged ? -1 : visibleIndex++;
    const role = merged || rng.chance(0.3) ? 'lead' : 'user';
    let display: string | null;
    let ascii: string;
    if (vi >= 0 && vi < CONTACT_SPECIAL_NAMES.length) {
      [display, ascii] = CONTACT_SPECIAL_NAMES[vi];
    } else {
      const f = rng.pick(FIRST);
      const l = rng.pick(LAST);
      display = rng.chance(0.05) ? null : `${f[0]} ${l[0]}`;
      ascii = `${f[1]}.${l[1]}`;
    }
    const hasEmail = role === 'user' || rng.chance(0.6);
    const browser = rng.chance(0.5) ? rng.pick(BROWSERS) : undefined;
    const custom: Record<string, CustomValue> = {};
    if (rng.chance(0.6)) custom.favourite_color = rng.pick(COLORS);
    if (rng.chance(0.6)) custom.logins = rng.int(0, 1000);
    if (rng.chance(0.5)) custom.nps = rng.int(0, 999) / 100 + 0.005;
    if (rng.chance(0.6)) custom.beta_tester = rng.chance(0.5);
    if (rng.chance(0.4)) custom.trial_ends_at = between(rng, created, SEED_ANCHOR + 30 * 86400);

    let companyIds: string[] = [];
    if (!merged && pool > 0) {
      let k: number;
      if (vi === 7 && nVisible >= 20 && nCompanies >= 12) k = 12;
      else {
        const r = rng.next();
        k = r < none ? 0 : r < one ? 1 : r < few ? rng.int(2, 4) : r < some ? rng.int(5, 10) : rng.int(11, 15);
      }
      // The guaranteed 12-company contact may need the "empty" companies in tiny workspaces.
      const from = k > pool ? nCompanies : pool;
      k = Math.min(k, from);
      const chosen = new Set<number>();
      while (chosen.size < k) chosen.add(Math.floor(rng.next() * from));
      companyIds = [...chosen].map((c) => companies[c].id);
    }
    const tagCount = vi === 7 ? 11 : rng.chance(0.3) ? rng.int(1, 3) : 0;
    // Stride 7 is coprime with 15 tags, so up to 15 picks are distinct.
    const tagIds = Array.from({ length: tagCount }, (_, t) => tags[(i + t * 7) % tags.length].id);
    const noteCount = vi === 7 ? 12 : rng.chance(0.1) ? rng.int(1, 2) : 0;
    const noteIds = Array.from({ length: noteCount }, () => String(nextNoteId++));

    contacts.push({
      seq: i,
      id: ids.contact(created, i),
      external_id: role === 'user' && rng.chance(0.9) ? `user-${hex(hash32(`${seed}:u:${i}`), 8)}-${i}` : null,
      role,
      email: hasEmail ? `${ascii}.${i}@${rng.pick(DOMAINS)}` : null,
      phone: rng.chance(0.3) ? `+35312${String(rng.int(0, 99999)).padStart(5, '0')}` : null,
      name: display,
      owner_id: rng.chance(0.3) ? rng.pick(ADMIN_IDS) : null,
      has_hard_bounced: rng.chance(0.03),
      marked_email_as_spam: rng.chance(0.01),
      unsubscribed_from_emails: rng.chance(0.1),
      created_at: created,
      updated_at: updateTime(rng, created, bulk),
      signed_up_at: role === 'user' && rng.chance(0.8) ? created : null,
      last_seen_at: rng.chance(0.8) ? between(rng, created, SEED_ANCHOR) : null,
      last_replied_at: rng.chance(0.3) ? between(rng, created, SEED_ANCHOR) : null,
      last_contacted_at: rng.chance(0.4) ? between(rng, created, SEED_ANCHOR) : null,
      last_email_opened_at: rng.chance(0.2) ? between(rng, created, SEED_ANCHOR) : null,
      last_email_clicked_at: rng.chance(0.1) ? between(rng, created, SEED_ANCHOR) : null,
      language_override: rng.chance(0.1) ? 'fr' : null,
      browser: browser ? browser[0] : null,
      browser_version: browser ? browser[1] : null,
      browser_language: browser ? 'en-US' : null,
      os: browser ? browser[2] : null,
      location: rng.chance(0.7) ? { ...rng.pick(LOCATIONS) } : { ...NO_LOCATION },
      custom_attributes: custom,
      tagIds,
      noteIds,
      companyIds,
      deleted: false,
      archived: false,
      merged,
      createdAtMs: 0,
    });
  }

  return {
    appId: appIdForSeed(seed),
    companies,
    contacts,
    attributes: initialAttributes(START, 10000 + (hash32(`attr:${seed}`) % 1000) * 10),
    tags,
    nextNoteId,
  };
}
