import { Worker } from '@temporalio/worker';
import { committedHistories } from '../helpers/histories';
import { workflowBundle } from '../helpers/system';

/**
 * Determinism guard without a server: the histories committed under test/histories (recorded by earlier versions
 * of the workflows) replay on the current workflow code. test/integration/replay.test.ts also replays a fresh
 * lifecycle on the real stack and refreshes these files (`RECORD_HISTORIES=1`).
 */
describe('committed workflow histories', () => {
  it('replay on the current workflow code without non-determinism', async () => {
    const committed = committedHistories();
    expect(committed.length).toBeGreaterThanOrEqual(3);
    const results: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, committed)) {
      results.push(result.error ? `${result.workflowId}: ${result.error.message}` : `${result.workflowId}: ok`);
    }
    expect(results).toEqual(committed.map((c) => `${c.workflowId}: ok`));
  }, 120_000);
});
