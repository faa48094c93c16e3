import { randomBytes } from 'node:crypto';
import { TokenCipher } from '../../src/crypto';
import { CredentialStore } from '../../src/db/repositories/credentials';
import { actualState, expectedState } from '../helpers/exact-state';
import { eventually, startSystem, waitForStatus, type System } from '../helpers/system';

/**
 * A backfill whose streams stall for a long time (here: a token no configured key decrypts) keeps retrying them,
 * and every retry adds events to its history. Past its limit (40 events here; 5,000 by default) it continues as
 * new with each stream parked at its cursor, so a stall of days never grows one history towards Temporal's limits,
 * and once the cause is gone the import still ends exact.
 */
describe('backfill continue-as-new', () => {
  let sys: System;
  beforeAll(async () => {
    sys = await startSystem({
      fake: { companies: 15, contacts: 50, seed: 83 },
      tuning: { stalledRetryInterval: '1 second', continueAsNewAfterEvents: 40 },
    });
    await sys.startWorker();
  }, 120_000);
  afterAll(async () => {
    await sys?.stop();
  });

  it('a stalled backfill continues as new past its history limit and finishes exactly once the cause is gone', async () => {
    const created = await sys.api('POST', '/v1/data_sources', { name: 'Long stall', system: 'Intercom' });
    const id: string = created.body.uuid;
    await sys.api('POST', `/v1/data_sources/${id}/intercom/token`, { access_token: sys.fake.accessToken });
    await waitForStatus(sys, id, 'connected');
    const oldKey = randomBytes(32);
    await new CredentialStore(sys.db, new TokenCipher(oldKey)).save(id, sys.fake.accessToken);
    expect(
      (await sys.api('POST', `/v1/data_sources/${id}/intercom/import`, { companies: true, contacts: true })).status,
    ).toBe(202);

    const backfill = sys.client.workflow.getHandle(`source:${id}:backfill:1`);
    const firstRun = await eventually(
      async () => (await backfill.describe().catch(() => undefined))?.runId,
      'backfill',
    );
    await eventually(
      async () => ((await backfill.describe()).runId !== firstRun ? true : undefined),
      'a new run of the stalled backfill',
      240_000,
    );
    const firstEvents =
      (await sys.client.workflow.getHandle(backfill.workflowId, firstRun).fetchHistory()).events ?? [];
    expect(firstEvents.some((e) => e.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
    const source = (await sys.api('GET', `/v1/data_sources/${id}`)).body;
    expect(source.last_error).toMatch(/cannot be decrypted/);

    // The cause goes away: the old key is configured again.
    sys.config.previousEncryptionKeys = [oldKey];
    await sys.stopWorker();
    await sys.startWorker();
    await waitForStatus(sys, id, 'live', 240_000);
    expect(await actualState(sys, id)).toEqual(expectedState(sys));
    sys.config.previousEncryptionKeys = [];
  }, 600_000);
});
