import { TokenRegistry, tokenFor } from './auth';
import { Faults, type FaultSwitches } from './faults';
import { hash32 } from './random';
import { RateLimiter } from './rate-limit';
import type { ApiContext } from './routes/context';
import { CompanyScroll } from './scroll';
import { ContactSearch } from './search';
import { appIdForSeed, seedWorkspace, type SeedOptions } from './seed';
import { createApp, listen } from './server';
import { FakeStore } from './store';
import { assertTimezone } from './timezone';
import type { WebhookShape } from './store';
import { WebhookQueue, type DeliveryPolicy, type WebhookControl } from './webhooks';

export type { FaultSwitches } from './faults';
export type { DeliveryPolicy, WebhookControl, WebhookStats } from './webhooks';
export type { WebhookShape } from './store';
export { signature as webhookSignature } from './webhooks';
export { FakeStore } from './store';
export type { Json } from './render';
export { SEED_ANCHOR } from './seed';

export interface FakeIntercomOptions {
  /** 0 (default) = random free port; always listens on 127.0.0.1. */
  port?: number;
  /** Default 50. */
  companies?: number;
  /** Visible contacts, default 200 (about 1% extra merged leads exist but are hidden, as in Intercom). */
  contacts?: number;
  /** Default 1; same seed => identical workspace (ids, names, dates, attributes). */
  seed?: number;
  /** Added to every API response, default 0. */
  latencyMs?: number;
  /** Default 10000 (Intercom's private-app budget), split into 10-second windows. */
  rateLimitPerMinute?: number;
  /** Where to POST notifications; none => no webhooks sent. */
  webhookUrl?: string;
  clientId?: string;
  /** Signs webhooks and is checked on token exchange. */
  clientSecret?: string;
  /** The private-app token; default derived from the seed. */
  accessToken?: string;
  /** Workspace id; default derived from the seed. */
  appId?: string;
  /** Reported by GET /me, default 'US'. */
  region?: 'US' | 'EU' | 'AU';
  /** Default 50. */
  scrollPageSize?: number;
  /** How many companies a seeded contact has (see SeedOptions); default 'mixed'. */
  companyLinks?: SeedOptions['companyLinks'];
  /** Default 60_000. */
  scrollIdleMs?: number;
  /** Contacts created later than now-lag are invisible to search; default 2000 (Intercom indexes in seconds). */
  searchIndexLagMs?: number;
  /**
   * The OAuth redirect URLs registered for the app; the consent page refuses any other, as Intercom does.
   * Default: `<origin of webhookUrl>/oauth/intercom/callback` (what a user registers next to the webhook URL).
   */
  redirectUris?: string[];
  quiet?: boolean;
  // ---- extensions beyond the agreed interface (all optional) ----
  /** Clock in ms; drives rate-limit windows, scroll expiry, OAuth code expiry, index lag and write timestamps. */
  now?: () => number;
  /** Workspace timezone for day-granular date search and GET /me; default 'UTC'. */
  timezone?: string;
  /** Array key of GET /contacts/{id}/companies: 'companies' (OA schema, SDK; default) or 'data' (OA example). */
  attachedCompaniesKey?: 'companies' | 'data';
  /**
   * 'intercom' (default): Intercom's documented delivery, one retry after a minute, then dropped; 410 disables,
   * 429 throttles. 'lenient': exponential retries up to webhookMaxAttempts, for benchmarks only.
   */
  webhookDelivery?: DeliveryPolicy;
  /** Scales Intercom's delivery delays (the one-minute retry, throttling); default 1. Tests use e.g. 0.01. */
  webhookTimeScale?: number;
  /** Lenient policy: first retry delay (doubles per attempt, capped at 60 s); default 1000. */
  webhookRetryBaseMs?: number;
  /** Webhook deliveries in flight at once; default 1 (in order). */
  webhookConcurrency?: number;
  /** Lenient policy: attempts per notification before it is dropped; default 10. */
  webhookMaxAttempts?: number;
  /** Topic and shape variations of Intercom's notifications (see WebhookShape). */
  webhookShape?: Partial<WebhookShape>;
  /** Per-attempt timeout; default 5000. */
  webhookTimeoutMs?: number;
}

/** Read access for test assertions. */
export type FakeStoreView = Pick<
  FakeStore,
  'companies' | 'contacts' | 'companiesOf' | 'companyIdsOf' | 'contactsOf' | 'contactIdsOf' | 'dataAttributes'
>;

export interface FakeIntercom {
  url: string;
  accessToken: string;
  appId: string;
  clientId: string;
  clientSecret: string;
  store: FakeStore;
  faults: FaultSwitches;
  webhooks: WebhookControl;
  revokeToken(token: string): void;
  /** An extra valid token for the workspace. */
  issueToken(): string;
  /** Requests served (any status), optionally only those whose path starts with `pathPrefix`. */
  requestCount(pathPrefix?: string): number;
  /** Stops the server and any timers / pending webhook retries. */
  close(): Promise<void>;
}

export async function startFakeIntercom(options: FakeIntercomOptions = {}): Promise<FakeIntercom> {
  const seed = options.seed ?? 1;
  const now = options.now ?? Date.now;
  const timezone = options.timezone ?? 'UTC';
  assertTimezone(timezone);
  const appId = options.appId ?? appIdForSeed(seed);
  const clientId = options.clientId ?? 'fake-client-id';
  const clientSecret = options.clientSecret ?? 'fake-client-secret';
  const accessToken = options.accessToken ?? tokenFor(`${appId}:${hash32(`token:${seed}`).toString(36)}`);
  const quiet = options.quiet ?? false;

  const workspace = seedWorkspace({
    seed,
    companies: options.companies ?? 50,
    contacts: options.contacts ?? 200,
    companyLinks: options.companyLinks,
  });
  workspace.appId = appId;

  // The queue needs the store for emitBurst items and the store needs the queue as its emitter.
  const holder: { store?: FakeStore } = {};
  const webhooks = new WebhookQueue({
    url: options.webhookUrl,
    policy: options.webhookDelivery ?? 'intercom',
    timeScale: options.webhookTimeScale ?? 1,
    secret: clientSecret,
    appId,
    now,
    retryBaseMs: options.webhookRetryBaseMs ?? 1000,
    concurrency: options.webhookConcurrency,
    maxDelayMs: 60_000,
    maxAttempts: options.webhookMaxAttempts ?? 10,
    timeoutMs: options.webhookTimeoutMs ?? 5000,
    seed,
    burstItem: (i) => {
      const visible = holder.store!.visibleContacts();
      return visible.length > 0 ? holder.store!.contactWebhookItem(visible[i % visible.length]) : undefined;
    },
  });
  const store = new FakeStore(workspace, seed, now, (topic, item) => webhooks.enqueue(topic, item));
  holder.store = store;
  Object.assign(store.webhookShape, options.webhookShape);

  const faults = new Faults();
  const tokens = new TokenRegistry(appId);
  tokens.add(accessToken);
  const limiter = new RateLimiter(options.rateLimitPerMinute ?? 10_000, now);
  const scroll = new CompanyScroll(store, now, options.scrollIdleMs ?? 60_000, options.scrollPageSize ?? 50, faults);
  const search = new ContactSearch({ store, timezone, now, indexLagMs: options.searchIndexLagMs ?? 2_000 });
  let url = '';
  const api: ApiContext = {
    store,
    scroll,
    search,
    now,
    appId,
    appName: `Fake Workspace ${seed}`,
    region: options.region ?? 'US',
    timezone,
    attachedCompaniesKey: options.attachedCompaniesKey ?? 'companies',
    baseUrl: () => url,
  };
  const counts = new Map<string, number>();
  const app = createApp({
    api,
    tokens,
    faults,
    limiter,
    latencyMs: options.latencyMs ?? 0,
    clientId,
    clientSecret,
    redirectUris:
      options.redirectUris ??
      (options.webhookUrl ? [new URL('/oauth/intercom/callback', options.webhookUrl).toString()] : []),
    quiet,
    counts,
  });
  const { server, port } = await listen(app, options.port ?? 0);
  url = `http://127.0.0.1:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    accessToken,
    appId,
    clientId,
    clientSecret,
    store,
    faults,
    webhooks,
    revokeToken: (token) => tokens.revoke(token),
    issueToken: () => tokens.issue(),
    requestCount: (prefix = '') => {
      let n = 0;
      for (const [path, c] of counts) if (path.startsWith(prefix)) n += c;
      return n;
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        webhooks.close();
        scroll.close();
        server.close(() => resolve());
        // Keep-alive sockets (fetch keeps them open) would otherwise hold close() open.
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
