import { NativeConnection } from '@temporalio/worker';
import { connectChecked, temporalConnectionOptions, type TemporalTarget } from './connection';

/** The worker's connection to Temporal, with the configured TLS and API key; fails at start-up with what to fix. */
export function connectTemporalWorker(t: TemporalTarget): Promise<NativeConnection> {
  return connectChecked(t, () => NativeConnection.connect(temporalConnectionOptions(t)));
}
