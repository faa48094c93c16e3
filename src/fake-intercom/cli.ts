import { parseArgs } from 'node:util';
import { startFakeIntercom, type FakeIntercomOptions } from './index';

/**
 * npm run fake-intercom -- --port 4010 --companies N --contacts M --seed S [--latency-ms L] [--rate-limit PER_MINUTE]
 *   [--webhook-url URL --client-secret SECRET]
 */

const USAGE = `Usage: fake-intercom [--port 4010] [--companies 50] [--contacts 200] [--seed 1] [--latency-ms 0]
  [--rate-limit 10000] [--webhook-url URL] [--client-id ID] [--client-secret SECRET] [--access-token TOKEN]
  [--region US|EU|AU] [--timezone UTC] [--scroll-page-size 50] [--scroll-idle-ms 60000] [--search-lag-ms 2000]
  [--webhook-delivery intercom|lenient] [--quiet]`;

const INTEGER_OPTIONS = {
  port: 'port',
  companies: 'companies',
  contacts: 'contacts',
  seed: 'seed',
  'latency-ms': 'latencyMs',
  'rate-limit': 'rateLimitPerMinute',
  'scroll-page-size': 'scrollPageSize',
  'scroll-idle-ms': 'scrollIdleMs',
  'search-lag-ms': 'searchIndexLagMs',
} as const;

export function parseCli(argv: string[]): FakeIntercomOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      ...Object.fromEntries(Object.keys(INTEGER_OPTIONS).map((k) => [k, { type: 'string' as const }])),
      'webhook-url': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'access-token': { type: 'string' },
      region: { type: 'string' },
      'webhook-delivery': { type: 'string' },
      timezone: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const options: FakeIntercomOptions = { port: 4010 };
  for (const [flag, key] of Object.entries(INTEGER_OPTIONS)) {
    const raw = (values as Record<string, string | boolean | undefined>)[flag];
    if (raw === undefined) continue;
    if (typeof raw !== 'string' || !/^\d+$/.test(raw))
      throw new Error(`--${flag} must be a non-negative integer, got '${String(raw)}'`);
    options[key] = Number(raw);
  }
  if (values['webhook-url'] !== undefined) {
    try {
      new URL(values['webhook-url'] as string);
    } catch {
      throw new Error(`--webhook-url must be a URL, got '${String(values['webhook-url'])}'`);
    }
    options.webhookUrl = values['webhook-url'] as string;
  }
  if (values['client-id'] !== undefined) options.clientId = values['client-id'] as string;
  if (values['client-secret'] !== undefined) options.clientSecret = values['client-secret'] as string;
  if (values['access-token'] !== undefined) options.accessToken = values['access-token'] as string;
  if (values.timezone !== undefined) options.timezone = values.timezone as string;
  if (values['webhook-delivery'] !== undefined) {
    const policy = values['webhook-delivery'] as string;
    if (policy !== 'intercom' && policy !== 'lenient')
      throw new Error(`--webhook-delivery must be intercom or lenient`);
    options.webhookDelivery = policy;
  }
  if (values.region !== undefined) {
    if (!['US', 'EU', 'AU'].includes(values.region as string)) throw new Error(`--region must be US, EU or AU`);
    options.region = values.region as 'US' | 'EU' | 'AU';
  }
  if (values.quiet) options.quiet = true;
  return options;
}

async function main(): Promise<void> {
  let options: FakeIntercomOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (err) {
    console.error(`fake-intercom: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const fake = await startFakeIntercom(options);
  console.log(`Fake Intercom listening on ${fake.url}`);
  console.log(`Access token: ${fake.accessToken}`);
  console.log(`App id: ${fake.appId}  client id: ${fake.clientId}`);
  const stop = (): void => {
    console.log('Stopping fake Intercom…');
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error('fake-intercom failed to start:', err);
    process.exit(1);
  });
}
