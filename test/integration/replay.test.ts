import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Worker } from '@temporalio/worker';
import { IntercomClient } from 'intercom-client';
import { committedHistories, HISTORIES } from '../helpers/histories';
import { temporalAddress, temporalCli } from '../helpers/stack';
import {
  eventually,
  importSource,
  startSystem,
  waitForStatus,
  workflowBundle,
  type System,
  waitForWorkflow,
} from '../helpers/system';

/**
 * Determinism guard. A whole lifecycle (connect, import, live events, re-sync, delete) runs on the real stack;
 * its histories must replay on the current workflow code, and so must the histories committed under
 * test/histories (recorded by earlier versions: a change that breaks them needs `patched()`).
 * `RECORD_HISTORIES=1 npx jest test/integration/replay` refreshes the committed ones.
 */
describe('workflow replay', () => {
  let sys: System;
  afterAll(async () => {
    await sys?.stop();
  });

  it('replays a full lifecycle, and every committed history, without non-determinism', async () => {
    sys = await startSystem({ fake: { companies: 20, contacts: 80, seed: 61 } });
    await sys.startWorker();
    const id = await importSource(sys, 'Replayed');
    const intercom = new IntercomClient({ token: sys.fake.accessToken, baseUrl: sys.fake.url });
    await intercom.companies.createOrUpdate({ company_id: 'replay-1', name: 'Replay One' });
    await eventually(async () => {
      const [{ n }] = await sys.db.query(
        `SELECT count(*)::int AS n FROM customer_records WHERE source_id = $1 AND name = 'Replay One'`,
        [id],
      );
      return n === 1 ? true : undefined;
    }, 'the webhook applied');
    expect((await sys.api('POST', `/v1/data_sources/${id}/intercom/resync`)).status).toBe(202);
    await waitForWorkflow(sys, `source:${id}:backfill:2`);
    await waitForStatus(sys, id, 'live');
    expect((await sys.api('DELETE', `/v1/data_sources/${id}`)).status).toBe(204);
    await sys.client.workflow.getHandle(`source:${id}`).result();

    const fresh = await Promise.all(
      ['', ':backfill:1', ':backfill:2'].map(async (suffix) => ({
        workflowId: `source:${id}${suffix}`,
        history: await sys.client.workflow.getHandle(`source:${id}${suffix}`).fetchHistory(),
      })),
    );
    if (process.env.RECORD_HISTORIES) {
      // The Temporal CLI's JSON export, the same format the Web UI downloads.
      mkdirSync(HISTORIES, { recursive: true });
      for (const h of fresh) {
        const json = execFileSync(temporalCli(), [
          'workflow',
          'show',
          '--workflow-id',
          h.workflowId,
          '--address',
          temporalAddress(),
          '--output',
          'json',
        ]);
        writeFileSync(path.join(HISTORIES, `${h.workflowId.replace(/:/g, '~')}.json`), json);
      }
    }
    const committed = committedHistories();
    expect(committed.length).toBeGreaterThanOrEqual(3);

    const results: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, [
      ...fresh,
      ...committed,
    ])) {
      results.push(result.error ? `${result.workflowId}: ${result.error.message}` : 'ok');
    }
    expect(results).toEqual(Array(fresh.length + committed.length).fill('ok'));
  }, 240_000);
});
