import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/system';

const HISTORIES = path.resolve(__dirname, '../histories');

/**
 * Determinism guard without a server: the histories committed under test/histories (recorded by earlier versions
 * of the workflows) replay on the current workflow code. test/integration/replay.test.ts also replays a fresh
 * lifecycle on the real stack and refreshes these files (`RECORD_HISTORIES=1`).
 */
describe('committed workflow histories', () => {
  it('replay on the current workflow code without non-determinism', async () => {
    const committed = readdirSync(HISTORIES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({
        // The file name is the workflow id (':' written as '~'): replay checks child ids against it.
        workflowId: f.slice(0, -'.json'.length).replace(/~/g, ':'),
        history: historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES, f), 'utf8'))),
      }));
    expect(committed.length).toBeGreaterThanOrEqual(3);
    const results: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, committed)) {
      results.push(result.error ? `${result.workflowId}: ${result.error.message}` : `${result.workflowId}: ok`);
    }
    expect(results).toEqual(committed.map((c) => `${c.workflowId}: ok`));
  }, 120_000);
});
