import express, { Router } from 'express';
import { z } from 'zod';
import { WebhookInbox } from '../../db/repositories/webhook-inbox';
import { storableText } from '../../domain/storable-values';
import { WebhookReceipts } from '../../db/repositories/webhook-receipts';
import { verifyWebhookSignature } from '../../intercom/webhook-signature';
import { InboxNotifier } from '../../temporal/inbox-notifier';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';

/** An identifier of Intercom's: short, and storable as a text column (no NUL). */
const identifier = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\u0000]*$/, 'must not contain NUL characters');

const notificationSchema = z.looseObject({
  type: z.literal('notification_event'),
  id: identifier,
  topic: identifier,
  app_id: identifier,
  created_at: z.number().optional(),
  data: z.looseObject({ item: z.looseObject({}).optional() }).optional(),
});

const PRUNE_EVERY_MS = 60_000;

/** What a body claims to be (unverified), for the setup page's record of what arrived. */
function claimed(json: unknown): { appId: string; topic: string; notificationId: string | null } {
  const o = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  // Unverified text from anyone: bounded and storable before it reaches the receipts table.
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? storableText(v, 255, 'claimed') : null);
  return { appId: text(o.app_id) ?? '(none)', topic: text(o.topic) ?? '(none)', notificationId: text(o.id) };
}

/**
 * POST /webhooks/intercom: checks Intercom's signature on the raw body, stores the notification in the inbox
 * of each live source of its workspace, answers 200 at once and nudges the workflows (coalesced). Every arrival
 * is recorded for the setup page (workspace, topic, signature result); `ping` stops there.
 *
 * Intercom gives an endpoint 5 seconds and treats answers differently: 410 disables the app's subscription for
 * every workspace and 429 throttles it, so this endpoint never answers either. The work before the answer is two
 * small inserts; applying the notification happens later, in the source's workflow.
 */
export function webhookRoutes(ctx: ApiContext): Router {
  const { deps } = ctx;
  const { retentionMs, cap } = deps.config.webhookInbox;
  const inbox = new WebhookInbox(deps.db, { cap });
  const receipts = new WebhookReceipts(deps.db);
  const notifier = new InboxNotifier(deps.workflows, deps.log, async (id) => (await ctx.sources.find(id))?.status);
  // Rows are only added here, so pruning here (at most once a minute) keeps the inbox bounded by the retention.
  let nextPruneAt = 0;
  const pruneIfDue = () => {
    if (Date.now() < nextPruneAt) return;
    nextPruneAt = Date.now() + PRUNE_EVERY_MS;
    inbox.pruneExpired(retentionMs).then(
      (pruned) => {
        if (pruned.processed + pruned.ignored > 0) deps.log.info(pruned, 'pruned expired webhook notifications');
      },
      (err: unknown) => deps.log.warn({ err: (err as Error).message }, 'could not prune the webhook inbox'),
    );
  };
  // Under a stream of notifications the record of the last one is refreshed at most once a second per
  // workspace, so the endpoint's answer never waits on one hot row.
  const lastRecorded = new Map<string, number>();
  const recordValid = async (c: ReturnType<typeof claimed>) => {
    const now = Date.now();
    if (c.topic !== 'ping' && now - (lastRecorded.get(c.appId) ?? 0) < 1_000) return;
    if (lastRecorded.size > 1_000) lastRecorded.clear();
    lastRecorded.set(c.appId, now);
    await receipts.record({ ...c, signatureValid: true });
  };
  const router = Router();
  router.post('/webhooks/intercom', express.raw({ type: () => true, limit: '512kb' }), async (req, res) => {
    const secret = deps.config.intercom.clientSecret;
    if (!secret) throw new ApiError(503, 'Webhooks are not configured: set INTERCOM_CLIENT_SECRET');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      json = undefined;
    }
    if (!verifyWebhookSignature(raw, req.get('x-hub-signature'), secret)) {
      deps.metrics.webhooksReceived.inc({ outcome: 'bad_signature' });
      await receipts.record({ ...claimed(json), signatureValid: false });
      throw new ApiError(
        401,
        'Missing or invalid X-Hub-Signature: check that INTERCOM_CLIENT_SECRET is the client secret of the Intercom app sending these notifications',
      );
    }
    if (json === undefined) {
      deps.metrics.webhooksReceived.inc({ outcome: 'malformed' });
      throw new ApiError(400, 'The body is not JSON');
    }
    const arrived = claimed(json);
    if (arrived.topic === 'ping') {
      // Answered 200 whatever else it carries: a failed ping is what the Developer Hub's test shows the user.
      deps.metrics.webhooksReceived.inc({ outcome: 'ping' });
      await recordValid(arrived);
      res.status(200).json({ received: true });
      return;
    }
    const parsed = notificationSchema.safeParse(json);
    if (!parsed.success) {
      deps.metrics.webhooksReceived.inc({ outcome: 'malformed' });
      throw new ApiError(
        400,
        `Not an Intercom notification: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    await recordValid(arrived);
    const { sourceIds, toSignal, routed, overflowed, newlyFull } = await inbox.receive(parsed.data);
    deps.metrics.webhooksReceived.inc({
      outcome: !routed
        ? 'ignored'
        : sourceIds.length > 0
          ? 'stored'
          : overflowed.length > 0
            ? 'inbox_full'
            : 'duplicate',
    });
    if (newlyFull.length > 0) {
      deps.log.warn(
        { sourceIds: newlyFull, cap },
        'webhook inbox full: notifications are not stored until the source applies its inbox, then it reconciles with Intercom',
      );
    }
    res.status(200).json({ received: true });
    // A source whose inbox a drainer holds picks the row up itself; only the others are signalled.
    for (const id of toSignal) notifier.notify(id);
    pruneIfDue();
  });
  return router;
}
