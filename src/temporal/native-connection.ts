import { NativeConnection } from '@temporalio/worker';
import { temporalConnectError, temporalConnectionOptions, type TemporalTarget } from './connection';

/** The worker's connection to Temporal, with the configured TLS and API key; fails at start-up with what to fix. */
export async function connectTemporalWorker(t: TemporalTarget): Promise<NativeConnection> {
  try {
    const connection = await NativeConnection.connect(temporalConnectionOptions(t));
    try {
      await connection.workflowService.describeNamespace({ namespace: t.namespace });
    } catch (err) {
      await connection.close().catch(() => undefined);
      throw err;
    }
    return connection;
  } catch (err) {
    throw await temporalConnectError(t, err);
  }
}
