import type { System } from './system';

/**
 * A workflow history as text, followed by its payloads decoded: activity inputs and results, signal and update
 * arguments, heartbeat details and search attributes are base64 in the history, so a secret in them would not show
 * in `JSON.stringify(history)`.
 */
export async function decodedHistory(sys: System, workflowId: string): Promise<string> {
  const history = await sys.client.workflow.getHandle(workflowId).fetchHistory();
  expect(history.events?.length ?? 0).toBeGreaterThan(5);
  const decoded: string[] = [];
  const visit = (value: unknown): void => {
    if (value instanceof Uint8Array) decoded.push(Buffer.from(value).toString('utf8'));
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key === 'data' && typeof v === 'string') decoded.push(Buffer.from(v, 'base64').toString('utf8'));
        else visit(v);
      }
    }
  };
  visit(history);
  return [JSON.stringify(history), ...decoded].join('\n');
}

/** The source's workflow and every backfill it has started (`source:<id>:backfill:<generation>`). */
export async function sourceWorkflowIds(sys: System, sourceId: string): Promise<string[]> {
  const ids = [`source:${sourceId}`];
  for (let generation = 1; ; generation++) {
    const id = `source:${sourceId}:backfill:${generation}`;
    const exists = await sys.client.workflow
      .getHandle(id)
      .describe()
      .then(
        () => true,
        () => false,
      );
    if (!exists) return ids;
    ids.push(id);
  }
}

/** Every workflow history of a source, decoded, keyed by workflow id. */
export async function decodedHistories(sys: System, sourceId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const id of await sourceWorkflowIds(sys, sourceId)) out[id] = await decodedHistory(sys, id);
  return out;
}

/** Fails naming where a secret was found: each of `places` is searched for each of `secrets`. */
export function expectNoSecrets(secrets: string[], places: Record<string, string>): void {
  const found: string[] = [];
  for (const [where, text] of Object.entries(places)) {
    for (const secret of secrets) if (text.includes(secret)) found.push(`${where} holds ${secret.slice(0, 6)}…`);
  }
  expect(found).toEqual([]);
}
