import { createHmac } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';

/**
 * The lean load generator of `npm run bench -- live --generator lean`, run in its own process so its CPU is not the
 * API's: posts one signed `company.updated` notification per item to our webhook endpoint at `rate` per second,
 * each at its scheduled time `startAtMs + i / rate`, with up to `maxInFlight` requests open on keep-alive sockets
 * (Intercom delivers in parallel too). The body is what Intercom sends (§ notification envelope: type, app_id,
 * data.item, links, id, topic, delivery_status, delivery_attempts, first_sent_at, created_at, delivered_at, self),
 * the item the fake's webhook company with `updated_at` set to the send time in ISO milliseconds. A delivery that
 * fails or is not answered 2xx is retried after a second, as the fake does with lenient delivery, up to 5 times.
 *
 * Usage (by bench/live.ts): tsx bench/webhook-generator.ts <config.json> <results.json>
 */

export interface GeneratorConfig {
  url: string;
  secret: string;
  appId: string;
  rate: number;
  startAtMs: number;
  maxInFlight: number;
  /** Notifications to send: event i updates `items[i % items.length]` to the name `bench-<i>`. */
  events: number;
  /** Webhook company items; `name` and `updated_at` are filled in at send time. */
  items: Array<Record<string, unknown>>;
}

export interface GeneratorResults {
  /** Per item: when its first POST started, when the 2xx answer came, the attempts, the last status. */
  startMs: number[];
  ackMs: number[];
  attempts: number[];
  status: number[];
  /** How far behind schedule the first POSTs started. */
  maxLagMs: number;
  inFlightCapHits: number;
  /** CPU this process used from the first POST to the last answer. */
  cpuMs: number;
}

function post(agent: http.Agent, url: URL, body: string, secret: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        agent,
        method: 'POST',
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          'User-Agent': 'intercom-parrot-service-client/1.0',
          'X-Hub-Signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
        },
        timeout: 5_000, // Intercom's limit for an answer
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function main(configPath: string, resultsPath: string): Promise<void> {
  const c: GeneratorConfig = JSON.parse(await fs.readFile(configPath, 'utf8'));
  const url = new URL(c.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: c.maxInFlight });
  const n = c.events;
  const r: GeneratorResults = {
    startMs: new Array(n).fill(0),
    ackMs: new Array(n).fill(0),
    attempts: new Array(n).fill(0),
    status: new Array(n).fill(0),
    maxLagMs: 0,
    inFlightCapHits: 0,
    cpuMs: 0,
  };
  let inFlight = 0;
  let wake: (() => void) | undefined;
  const deliver = async (i: number) => {
    const createdAt = Math.floor(Date.now() / 1000);
    const item = {
      ...c.items[i % c.items.length],
      name: `bench-${i}`,
      updated_at: new Date().toISOString().replace('Z', '+00:00'),
    };
    for (let attempt = 1; attempt <= 5; attempt++) {
      const body = JSON.stringify({
        type: 'notification_event',
        app_id: c.appId,
        data: { type: 'notification_event_data', item },
        links: {},
        id: `notif_bench_${i}`,
        topic: 'company.updated',
        delivery_status: 'pending',
        delivery_attempts: attempt,
        first_sent_at: createdAt,
        created_at: createdAt,
        delivered_at: 0,
        self: null,
      });
      if (attempt === 1) r.startMs[i] = Date.now();
      r.attempts[i] = attempt;
      const status = await post(agent, url, body, c.secret);
      r.status[i] = status;
      if (status >= 200 && status < 300) {
        r.ackMs[i] = Date.now();
        return;
      }
      await new Promise((res) => setTimeout(res, 1_000));
    }
  };
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  for (let i = 0; i < n; i++) {
    const due = c.startAtMs + (i * 1000) / c.rate;
    const wait = due - Date.now();
    if (wait > 1) await new Promise((res) => setTimeout(res, wait));
    while (inFlight >= c.maxInFlight) {
      r.inFlightCapHits++;
      await new Promise<void>((res) => (wake = res));
    }
    r.maxLagMs = Math.max(r.maxLagMs, Date.now() - due);
    cpuAtStart ??= process.cpuUsage();
    inFlight++;
    void deliver(i).finally(() => {
      inFlight--;
      wake?.();
      wake = undefined;
    });
    if (i % Math.round(c.rate * 5) === 0 && i > 0)
      console.log(`  generator: ${((Date.now() - c.startAtMs) / 1000).toFixed(0)} s, sent ${i}`);
  }
  while (inFlight > 0) await new Promise<void>((res) => (wake = res));
  const used = process.cpuUsage(cpuAtStart);
  r.cpuMs = (used.user + used.system) / 1000;
  agent.destroy();
  await fs.writeFile(resultsPath, JSON.stringify(r));
}

main(process.argv[2], process.argv[3]).catch((err) => {
  console.error(err);
  process.exit(1);
});
