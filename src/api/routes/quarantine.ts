import { Router } from 'express';
import { z } from 'zod';
import { RecordIssues, type RecordIssueCounts } from '../../db/repositories/record-issues';
import type { SourceSummary } from '../../db/repositories/sources';
import { liveSource, type ApiContext } from '../context';
import { ApiError, parseQuery } from '../errors';
import { DEFAULT_PER_PAGE, MAX_PER_PAGE } from '../list-queries';

const quarantineQuery = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, 'is not a valid cursor: use the cursor of a previous answer')
    .optional(),
  per_page: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_PER_PAGE, `must be at most ${MAX_PER_PAGE}`)
    .default(DEFAULT_PER_PAGE),
});

/** What the source could not store as Intercom had it, as shown on GET /v1/data_sources/{id}. */
export function dataQualityView(sourceId: string, c: RecordIssueCounts) {
  return {
    sanitized: { customer_records: c.sanitizedRecords, contacts: c.sanitizedContacts, changes: c.changes },
    quarantined: c.quarantined,
    quarantine_url: `/v1/data_sources/${sourceId}/quarantine`,
    webhooks_not_stored: c.inboxDropped,
  };
}

/** The `data_quality` of an Intercom source (custom sources have none). */
export async function dataQualityOf(ctx: ApiContext, source: SourceSummary) {
  if (source.system !== 'intercom') return {};
  return { data_quality: dataQualityView(source.id, await new RecordIssues(ctx.deps.db).counts(source.id)) };
}

/** `GET /v1/data_sources/{id}/quarantine`: the records a source could not write, with the reason. */
export function quarantineRoutes(ctx: ApiContext): Router {
  const router = Router();
  const issues = new RecordIssues(ctx.deps.db);

  router.get('/v1/data_sources/:id/quarantine', async (req, res) => {
    const source = await liveSource(ctx, String(req.params.id));
    if (source.system !== 'intercom') {
      throw new ApiError(409, `Data source ${source.id} is a custom source, not an Intercom source`, {
        data_source_uuid: 'is not an Intercom source',
      });
    }
    const q = parseQuery(quarantineQuery, req.query);
    const rows = await issues.list(source.id, { limit: q.per_page + 1, afterId: q.cursor });
    const page = rows.slice(0, q.per_page);
    const hasMore = rows.length > q.per_page;
    res.json({
      entries: page.map((r) => ({
        model: r.model,
        external_id: r.externalId,
        reason: r.reason,
        attempts: r.attempts,
        first_seen_at: r.firstSeenAt.toISOString(),
        last_seen_at: r.lastSeenAt.toISOString(),
      })),
      // A cursor on every page, the last one too, as ChartMogul's lists have it: it continues after the last entry.
      cursor: page.length ? page[page.length - 1]!.id : (q.cursor ?? '0'),
      has_more: hasMore,
    });
  });

  return router;
}
