import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';

/** Workflow histories recorded by earlier versions of the workflows, replayed to guard determinism. */
export const HISTORIES = path.resolve(__dirname, '../histories');

/** The committed histories, each with its workflow id (file names write ':' as '~'; replay checks child ids). */
export function committedHistories() {
  if (!existsSync(HISTORIES)) return [];
  return readdirSync(HISTORIES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({
      workflowId: f.slice(0, -'.json'.length).replace(/~/g, ':'),
      history: historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES, f), 'utf8'))),
    }));
}
