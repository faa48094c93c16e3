import express, { Router } from 'express';
import { z } from 'zod';
import { WebhookInbox } from '../../db/repositories/webhook-inbox';
import { verifyWebhookSignature } from '../../intercom/webhook-signature';
import { InboxNotifier } from '../../temporal/inbox-notifier';
import type { ApiContext } from '../context';
import { ApiError } from '../errors';

const notificationSchema = z.looseObject({
  type: z.literal('notification_event'),
  id: z.string().min(1),
  topic: z.string().min(1),
  app_id: z.string().min(1),
  created_at: z.number().optional(),
  data: z.looseObject({ item: z.looseObject({}).optional() }).optional(),
});

/**
 * POST /webhooks/intercom: checks Intercom's signature on the raw body, stores the notification in the inbox
 * of each live source of its workspace, answers 200 at once and nudges the workflows (coalesced).
 */
export function webhookRoutes(ctx: ApiContext): Router {
  const { deps } = ctx;
  const inbox = new WebhookInbox(deps.db);
  const notifier = new InboxNotifier(deps.workflows, deps.log, async (id) => (await ctx.sources.find(id))?.status);
  const router = Router();
  router.post('/webhooks/intercom', express.raw({ type: () => true, limit: '512kb' }), async (req, res) => {
    const secret = deps.config.intercom.clientSecret;
    if (!secret) throw new ApiError(503, 'Webhooks are not configured: set INTERCOM_CLIENT_SECRET');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!verifyWebhookSignature(raw, req.get('x-hub-signature'), secret)) {
      deps.metrics.webhooksReceived.inc({ outcome: 'bad_signature' });
      throw new ApiError(401, 'Missing or invalid X-Hub-Signature');
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      deps.metrics.webhooksReceived.inc({ outcome: 'malformed' });
      throw new ApiError(400, 'The body is not JSON');
    }
    const parsed = notificationSchema.safeParse(json);
    if (!parsed.success) {
      deps.metrics.webhooksReceived.inc({ outcome: 'malformed' });
      throw new ApiError(
        400,
        `Not an Intercom notification: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const { sourceIds, routed } = await inbox.receive(parsed.data);
    deps.metrics.webhooksReceived.inc({ outcome: !routed ? 'ignored' : sourceIds.length > 0 ? 'stored' : 'duplicate' });
    res.status(200).json({ received: true });
    for (const id of sourceIds) notifier.notify(id);
  });
  return router;
}
