import { createHmac, randomUUID } from 'node:crypto';
import { Rng } from './random';
import type { Json } from './render';

/**
 * Runtime control of webhook delivery. Delivery is asynchronous (a queue drained by one worker).
 *
 * The default policy is Intercom's documented one: 5 s to answer; a timeout, a connection failure or any status
 * other than 2xx, 410 and 429 is retried once, one minute later, and then the notification is dropped for good;
 * 410 disables the subscription (nothing is sent any more); 429 throttles the whole subscription (1 minute,
 * doubling up to 2 hours) and drops a notification delayed over 2 hours. `timeScale` shrinks these minutes for
 * tests. The `lenient` policy (benchmarks only) retries with exponential backoff up to `maxAttempts`.
 */
export interface WebhookControl {
  /** Deliver every notification twice (same notification id), as at-least-once delivery allows. */
  duplicate: boolean;
  /** Shuffle deliveries within small batches (up to 5 ready notifications). */
  outOfOrder: boolean;
  pause(): void;
  resume(): void;
  /** Deliveries acknowledged with 2xx. */
  sent(): number;
  /** Deliveries queued, waiting for a retry, or in flight. */
  pending(): number;
  /** Notifications dropped: after the one retry (or `maxAttempts` when lenient), delayed over 2 h, or disabled. */
  failed(): number;
  /** Same as failed(): Intercom's word. */
  dropped(): number;
  /** True once the receiver answered 410: the subscription is disabled and nothing is sent any more. */
  disabled(): boolean;
  /** Re-enables a disabled subscription (what saving it again in the Developer Hub does). */
  enable(): void;
  /** Sends Intercom's `ping` (what saving or testing the subscription in the Developer Hub does). */
  ping(): void;
  /** Every counter at once (what a test or the demo reports). */
  stats(): WebhookStats;
  /** HTTP attempts made (including failed ones). */
  attempts(): number;
  /** Resolves once nothing is pending (never while paused with work queued). */
  drained(): Promise<void>;
  /** Emit `count` notifications at once (items are current visible contacts, cycling); for load tests. */
  emitBurst(count: number, topic?: string): void;
  /** Emit an arbitrary notification now. */
  send(topic: string, item: Json): void;
}

export type DeliveryPolicy = 'intercom' | 'lenient';

export interface WebhookStats {
  policy: DeliveryPolicy;
  sent: number;
  dropped: number;
  attempts: number;
  pending: number;
  disabled: boolean;
}

export interface WebhookOptions {
  url?: string;
  /** 'intercom' (default): one retry after a minute, then dropped. 'lenient': exponential retries (benchmarks). */
  policy: DeliveryPolicy;
  /** Multiplies Intercom's delays (the one-minute retry, throttling, the 2-hour limit); 1 = real time. */
  timeScale: number;
  secret: string;
  appId: string;
  now: () => number;
  /** Lenient policy: first retry delay; doubles per attempt up to `maxDelayMs`. */
  retryBaseMs: number;
  /** Deliveries in flight at once; 1 keeps them in order (unless outOfOrder). */
  concurrency?: number;
  maxDelayMs: number;
  maxAttempts: number;
  timeoutMs: number;
  seed: number;
  /** Supplies items for emitBurst. */
  burstItem: (i: number) => Json | undefined;
}

interface Delivery {
  id: string;
  topic: string;
  item: Json;
  createdAt: number;
  attempts: number;
  firstSentAt?: number;
  /** Real ms when queued, for the 2-hour limit on throttled notifications. */
  queuedAt: number;
}

const BATCH = 5;
const RETRY_AFTER_MS = 60_000;
const THROTTLE_MIN_MS = 60_000;
const THROTTLE_MAX_MS = 2 * 3600_000;

export function signature(body: string, secret: string): string {
  return `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
}

export class WebhookQueue implements WebhookControl {
  duplicate = false;
  outOfOrder = false;
  private readonly ready: Delivery[] = [];
  private readonly retryTimers = new Map<Delivery, NodeJS.Timeout>();
  private readonly controllers = new Set<AbortController>();
  private inFlight = 0;
  private sentCount = 0;
  private failedCount = 0;
  private attemptCount = 0;
  private paused = false;
  private isDisabled = false;
  /** Clock ms until which a 429 throttles the subscription, and the current throttle step. */
  private throttledUntil = 0;
  private throttleMs = 0;
  private throttleTimer: NodeJS.Timeout | undefined;
  private running = 0;
  private closed = false;
  private waiters: (() => void)[] = [];
  private readonly rng: Rng;

  constructor(private readonly opts: WebhookOptions) {
    this.rng = new Rng(opts.seed + 7919);
  }

  /** Store emitter: queues a notification when a receiver is configured. */
  enqueue(topic: string, item: Json): void {
    if (!this.opts.url || this.closed) return;
    if (this.isDisabled) {
      this.failedCount++;
      return;
    }
    const delivery: Delivery = {
      id: `notif_${randomUUID()}`,
      topic,
      item,
      createdAt: Math.floor(this.opts.now() / 1000),
      attempts: 0,
      queuedAt: Date.now(),
    };
    this.ready.push(delivery);
    if (this.duplicate) this.ready.push({ ...delivery });
    this.pump();
  }

  send(topic: string, item: Json): void {
    this.enqueue(topic, item);
  }

  emitBurst(count: number, topic = 'contact.user.updated'): void {
    for (let i = 0; i < count; i++) {
      const item = this.opts.burstItem(i);
      if (item) this.enqueue(topic, item);
    }
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  sent(): number {
    return this.sentCount;
  }

  failed(): number {
    return this.failedCount;
  }

  dropped(): number {
    return this.failedCount;
  }

  disabled(): boolean {
    return this.isDisabled;
  }

  enable(): void {
    this.isDisabled = false;
  }

  stats(): WebhookStats {
    return {
      policy: this.opts.policy,
      sent: this.sentCount,
      dropped: this.failedCount,
      attempts: this.attemptCount,
      pending: this.pending(),
      disabled: this.isDisabled,
    };
  }

  ping(): void {
    this.enqueue('ping', { type: 'ping', message: 'something interesting happened' });
  }

  attempts(): number {
    return this.attemptCount;
  }

  pending(): number {
    return this.ready.length + this.retryTimers.size + this.inFlight;
  }

  drained(): Promise<void> {
    if (this.pending() === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    if (this.throttleTimer) clearTimeout(this.throttleTimer);
    this.retryTimers.clear();
    for (const c of this.controllers) c.abort();
    this.ready.length = 0;
    this.notifyDrained(true);
  }

  private notifyDrained(force = false): void {
    if (!force && this.pending() > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /**
   * `concurrency` workers (default 1: sequential delivery keeps order unless outOfOrder); Intercom itself
   * delivers in parallel, which the live benchmark needs to reach its rate.
   */
  private pump(): void {
    if (this.throttled()) return;
    while (this.running < (this.opts.concurrency ?? 1) && !this.paused && !this.closed && this.ready.length > 0) {
      this.running++;
      void (async () => {
        try {
          while (!this.paused && !this.closed && !this.throttled() && this.ready.length > 0) {
            const batch = this.outOfOrder ? this.rng.shuffle(this.ready.splice(0, BATCH)) : [this.ready.shift()!];
            this.inFlight += batch.length;
            for (const d of batch) {
              await this.deliver(d);
              this.inFlight--;
            }
          }
        } finally {
          this.running--;
          this.notifyDrained();
        }
      })();
    }
  }

  private scaled(ms: number): number {
    return Math.max(1, Math.round(ms * this.opts.timeScale));
  }

  /** While a 429 throttles the subscription nothing is sent; a timer resumes the pump when it ends. */
  private throttled(): boolean {
    const left = this.throttledUntil - Date.now();
    if (left <= 0) return false;
    if (!this.throttleTimer) {
      this.throttleTimer = setTimeout(() => {
        this.throttleTimer = undefined;
        this.pump();
      }, left);
      this.throttleTimer.unref();
    }
    return true;
  }

  private async deliver(d: Delivery): Promise<void> {
    if (this.closed) return;
    if (this.isDisabled) {
      this.failedCount++;
      return;
    }
    if (this.opts.policy === 'intercom' && Date.now() - d.queuedAt > this.scaled(THROTTLE_MAX_MS)) {
      this.failedCount++; // delayed over 2 hours
      return;
    }
    d.attempts++;
    this.attemptCount++;
    d.firstSentAt ??= Math.floor(this.opts.now() / 1000);
    const body = JSON.stringify({
      type: 'notification_event',
      app_id: this.opts.appId,
      data: { type: 'notification_event_data', item: d.item },
      links: {},
      id: d.id,
      topic: d.topic,
      delivery_status: 'pending',
      delivery_attempts: d.attempts,
      first_sent_at: d.firstSentAt,
      created_at: d.createdAt,
      delivered_at: 0,
      self: null,
    });
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(), this.opts.timeoutMs);
    let ok = false;
    let status = 0;
    try {
      const res = await fetch(this.opts.url!, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'intercom-parrot-service-client/1.0',
          'X-Hub-Signature': signature(body, this.opts.secret),
        },
        body,
        signal: controller.signal,
      });
      status = res.status;
      ok = res.status >= 200 && res.status < 300;
      // Drain the body so the connection can be reused.
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      ok = false; // receiver down, timeout or aborted by close()
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
    if (this.closed) return;
    if (ok) {
      this.sentCount++;
      this.throttleMs = 0;
      return;
    }
    if (this.opts.policy === 'intercom') {
      this.failIntercom(d, status);
      return;
    }
    if (d.attempts >= this.opts.maxAttempts) {
      this.failedCount++;
      return;
    }
    const delay = Math.min(this.opts.maxDelayMs, this.opts.retryBaseMs * 2 ** (d.attempts - 1));
    const retry = setTimeout(() => {
      this.retryTimers.delete(d);
      this.ready.push(d);
      this.pump();
    }, delay);
    retry.unref();
    this.retryTimers.set(d, retry);
  }

  private failIntercom(d: Delivery, status: number): void {
    if (status === 410) {
      // The subscription is disabled for good: this and everything queued is dropped.
      this.isDisabled = true;
      this.failedCount += 1 + this.ready.length + this.retryTimers.size;
      this.ready.length = 0;
      for (const timer of this.retryTimers.values()) clearTimeout(timer);
      this.retryTimers.clear();
      return;
    }
    if (status === 429) {
      // Throttled: the notification waits with the rest; a 429 is not one of its attempts.
      d.attempts--;
      this.throttleMs = Math.min(THROTTLE_MAX_MS, this.throttleMs === 0 ? THROTTLE_MIN_MS : this.throttleMs * 2);
      this.throttledUntil = Date.now() + this.scaled(this.throttleMs);
      this.ready.unshift(d);
      return;
    }
    if (d.attempts >= 2) {
      this.failedCount++; // retried once already: marked failed, never sent again
      return;
    }
    const retry = setTimeout(() => {
      this.retryTimers.delete(d);
      this.ready.push(d);
      this.pump();
    }, this.scaled(RETRY_AFTER_MS));
    retry.unref();
    this.retryTimers.set(d, retry);
  }
}
