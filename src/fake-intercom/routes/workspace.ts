import { type Request, type Response, Router } from 'express';
import { parameterInvalid } from '../errors';
import { ADMIN_IDS, SEED_ANCHOR } from '../seed';
import type { AttributeModel } from '../types';
import { body } from './companies';
import type { ApiContext } from './context';

/** GET /me and the data-attribute catalogue. */
export function workspaceRouter(ctx: ApiContext): Router {
  const router = Router();

  router.get('/me', (_req: Request, res: Response) => {
    res.json({
      type: 'admin',
      id: String(ADMIN_IDS[0]),
      email: 'admin@fake-intercom.test',
      name: 'Fake Admin',
      job_title: 'Owner',
      away_mode_enabled: false,
      away_mode_reassign: false,
      has_inbox_seat: true,
      team_ids: [],
      email_verified: true,
      avatar: { type: 'avatar', image_url: 'https://static.intercomassets.com/assets/default-avatars/admins/128.png' },
      app: {
        type: 'app',
        id_code: ctx.appId,
        name: ctx.appName,
        created_at: SEED_ANCHOR - 3 * 365 * 86400,
        secure: false,
        identity_verification: false,
        timezone: ctx.timezone,
        region: ctx.region,
      },
    });
  });

  router.get('/tags', (_req: Request, res: Response) => {
    res.json({ type: 'list', data: ctx.store.tags.map((t) => ({ type: 'tag', id: t.id, name: t.name })) });
  });

  router.get('/data_attributes', (req: Request, res: Response) => {
    const model = req.query.model;
    if (model !== undefined && model !== 'company' && model !== 'contact') {
      throw parameterInvalid("model must be 'contact' or 'company'", 'model');
    }
    const includeArchived = req.query.include_archived === 'true';
    const models: AttributeModel[] = model === undefined ? ['contact', 'company'] : [model];
    res.json({ type: 'list', data: models.flatMap((m) => ctx.store.dataAttributes(m, includeArchived)) });
  });

  router.post('/data_attributes', (req: Request, res: Response) => {
    const attr = ctx.store.createDataAttribute(body(req));
    res.json(ctx.store.dataAttributes(attr.model, true).find((a) => a.id === attr.id));
  });

  return router;
}
