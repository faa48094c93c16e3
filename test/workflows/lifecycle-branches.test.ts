import { Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import { failure, FailureType } from '../../src/failures';
import { SourceWorkflows } from '../../src/temporal/source-client';
import type { SourceTuning } from '../../src/workflows/source-state';
import { temporalAddress, temporalNamespace, uniqueTaskQueue } from '../helpers/stack';
import { eventually, workflowBundle } from '../helpers/system';

/**
 * The source workflow's branches with stub activities: no database, no Intercom, only the workflow code on the
 * Temporal dev server, so each branch takes seconds. (Temporal's time-skipping test server would make the hourly
 * reconcile instant, but it is downloaded on first use and this machine has no network: a short reconcile
 * interval in the workflow's tuning stands in for the hour.) The stubs record what the workflow asked for.
 */
type Stubbed = Pick<
  Activities,
  | 'recordSourceStatus'
  | 'verifyConnection'
  | 'loadAttributeCatalogue'
  | 'saveImportSelection'
  | 'beginBackfill'
  | 'finishBackfill'
  | 'planContactPartitions'
  | 'importCompanies'
  | 'importContactPartition'
  | 'applyInbox'
  | 'drainInbox'
  | 'reconciliationStarted'
  | 'reconcileContacts'
  | 'reconcileActiveCompanies'
  | 'reconcileRecentContacts'
  | 'purgeSource'
>;

class Stubs {
  calls: Record<string, number> = {};
  statuses: string[] = [];
  /** Fails importCompanies with a rejected token this many times. */
  rejectTokenTimes = 0;
  /** importCompanies waits (heartbeating) until cancelled. */
  blockCompanies = false;
  /** RECONCILE_INTERVAL as the worker reports it at each reconciliation. */
  workerReconcileInterval: Duration | undefined;

  count(name: string): number {
    return this.calls[name] ?? 0;
  }

  /** Reconciliations run: full ones (with the sweeps) and the incremental ones in between. */
  reconciliations(): number {
    return this.count('reconcileContacts') + this.count('reconcileRecentContacts');
  }

  activities(): Stubbed {
    const called = (name: string) => (this.calls[name] = this.count(name) + 1);
    const now = () => new Date().toISOString();
    return {
      recordSourceStatus: async (_id, status) => {
        called('recordSourceStatus');
        this.statuses.push(status);
      },
      verifyConnection: async () => (called('verifyConnection'), { workspaceId: 'ws1', region: 'US' }),
      loadAttributeCatalogue: async () => (called('loadAttributeCatalogue'), { company: 0, contact: 0 }),
      saveImportSelection: async () => void called('saveImportSelection'),
      beginBackfill: async () => (called('beginBackfill'), { startedAt: now() }),
      finishBackfill: async () => (called('finishBackfill'), { finishedAt: now() }),
      planContactPartitions: async () => (called('planContactPartitions'), [{ fromDay: 0, toDay: null }]),
      importContactPartition: async () => (called('importContactPartition'), { pages: 1, contacts: 1, skipped: 0 }),
      importCompanies: async () => {
        called('importCompanies');
        if (this.rejectTokenTimes > 0) {
          this.rejectTokenTimes--;
          throw failure(FailureType.TokenRejected, 'Intercom rejected the access token: connect the source again');
        }
        if (this.blockCompanies) {
          const ctx = Context.current();
          for (;;) {
            ctx.heartbeat();
            await ctx.sleep(200); // throws once the activity is cancelled
          }
        }
        return { pages: 1, records: 1, restarts: 0 };
      },
      applyInbox: async () => (called('applyInbox'), { applied: 0, more: false }),
      drainInbox: async () => (called('drainInbox'), { applied: 0, more: false }),
      reconciliationStarted: async () => (
        called('reconciliationStarted'),
        { startedAt: Math.floor(Date.now() / 1000), reconcileInterval: this.workerReconcileInterval }
      ),
      reconcileContacts: async () => (called('reconcileContacts'), { pages: 0, contacts: 0, skipped: 0 }),
      reconcileActiveCompanies: async () => (called('reconcileActiveCompanies'), { pages: 0, records: 0 }),
      reconcileRecentContacts: async () => (called('reconcileRecentContacts'), { pages: 0, contacts: 0, skipped: 0 }),
      purgeSource: async () => (called('purgeSource'), { contacts: 0, records: 0 }),
    };
  }
}

describe('source workflow branches (stub activities)', () => {
  let connection: Connection;
  let client: Client;
  let native: NativeConnection;
  const running: Array<{ worker: Worker; run: Promise<void> }> = [];
  const ids: string[] = [];

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporalAddress() });
    client = new Client({ connection, namespace: temporalNamespace() });
    native = await NativeConnection.connect({ address: temporalAddress() });
  });

  afterAll(async () => {
    // Sources left running by a test (or a failed one) end with the run.
    for (const id of ids)
      await client?.workflow
        .getHandle(`source:${id}`)
        .terminate('test over')
        .catch(() => undefined);
    for (const r of running) r.worker.shutdown();
    await Promise.all(running.map((r) => r.run));
    await native?.close();
    await connection?.close();
  });

  /** A worker with these stubs on a queue of its own, and the API's client for it. */
  async function stack(stubs: Stubs, tuning: SourceTuning = {}) {
    const taskQueue = uniqueTaskQueue('wf');
    const worker = await Worker.create({
      connection: native,
      namespace: temporalNamespace(),
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: stubs.activities(),
      // As src/worker.ts: heartbeats (and so cancellations) reach the activity within seconds.
      maxHeartbeatThrottleInterval: '2 seconds',
    });
    running.push({ worker, run: worker.run() });
    return new SourceWorkflows(client, taskQueue, tuning);
  }

  const selection = { companies: true, contacts: true, custom_attributes: { company: [], contact: [] } };
  const newId = () => {
    const id = `ds_wf${Math.random().toString(36).slice(2, 12)}`;
    ids.push(id);
    return id;
  };
  const statusOf = (workflows: SourceWorkflows, id: string) => workflows.status(id).then((v) => v.status);
  const until = (what: string, check: () => Promise<boolean>) =>
    eventually(async () => ((await check()) ? true : undefined), what, 30_000);

  async function live(workflows: SourceWorkflows, id: string) {
    await workflows.start(id);
    await workflows.connected(id);
    await until('connected', async () => (await statusOf(workflows, id)) === 'connected');
    await workflows.startImport(id, selection);
  }

  it('a delete during the backfill cancels it, purges and ends the workflow', async () => {
    const stubs = Object.assign(new Stubs(), { blockCompanies: true });
    const workflows = await stack(stubs);
    const id = newId();
    await live(workflows, id);
    await until('the backfill to run', async () => stubs.count('importCompanies') > 0);
    await workflows.delete(id);
    await client.workflow.getHandle(`source:${id}`).result();
    expect((await client.workflow.getHandle(`source:${id}:backfill:1`).describe()).status.name).toBe('CANCELLED');
    expect(stubs.count('purgeSource')).toBe(1);
    expect(stubs.count('finishBackfill')).toBe(0);
    expect(stubs.statuses.slice(-1)).toEqual(['deleting']);
  });

  it('a revoked token waits in needs_reconnect, and a reconnect finishes the backfill', async () => {
    const stubs = Object.assign(new Stubs(), { rejectTokenTimes: 1 });
    const workflows = await stack(stubs);
    const id = newId();
    await live(workflows, id);
    await until('needs_reconnect', async () => (await statusOf(workflows, id)) === 'needs_reconnect');
    expect((await workflows.status(id)).lastError).toMatch(/connect the source again/);
    await workflows.connected(id);
    await until('live', async () => (await statusOf(workflows, id)) === 'live');
    expect(stubs.count('importCompanies')).toBe(2);
    expect(stubs.count('verifyConnection')).toBe(2);
    expect(stubs.count('finishBackfill')).toBe(1);
  });

  it('continues as new while live, carrying its state', async () => {
    const stubs = new Stubs();
    const workflows = await stack(stubs, { continueAsNewAfterEvents: 40 });
    const id = newId();
    await live(workflows, id);
    await until('live', async () => (await statusOf(workflows, id)) === 'live');
    const before = await workflows.status(id);
    const handle = client.workflow.getHandle(`source:${id}`);
    const firstRun = (await handle.describe()).runId;
    // One signal per drain: signals sent while a drain runs coalesce into one, so each waits for its drain (about six
    // history events) before the next, until the history passes the threshold and the workflow continues as new.
    const newRun = async () => (await handle.describe()).runId !== firstRun;
    for (let i = 0; i < 50 && !(await newRun()); i++) {
      const drains = stubs.count('drainInbox');
      await workflows.inboxHasWork(id);
      await until('the signal to be drained', async () => stubs.count('drainInbox') > drains || (await newRun()));
    }
    await until('a new run', newRun);
    const after = await workflows.status(id);
    expect(after).toEqual(before);
    expect(after.status).toBe('live');
    expect(after.generation).toBe(1);
  });

  it('reconciles again every interval while live', async () => {
    const stubs = new Stubs();
    const workflows = await stack(stubs, { reconcileInterval: '2 seconds', searchIndexLag: '1 second' });
    const id = newId();
    await live(workflows, id);
    await until('three reconciliations', async () => stubs.reconciliations() >= 3);
    expect(stubs.count('reconciliationStarted')).toBeGreaterThanOrEqual(3);
    expect(await statusOf(workflows, id)).toBe('live');
    await workflows.delete(id);
    await client.workflow.getHandle(`source:${id}`).result();
  });

  it("takes up the worker's RECONCILE_INTERVAL at its next reconciliation, not the one it started with", async () => {
    const stubs = Object.assign(new Stubs(), { workerReconcileInterval: '2 seconds' as Duration });
    // Started with an hour: only the worker's two seconds, learnt at the first reconciliation, bring the next ones.
    const workflows = await stack(stubs, { reconcileInterval: '1h', searchIndexLag: '1 second' });
    const id = newId();
    await live(workflows, id);
    await until('three reconciliations', async () => stubs.reconciliations() >= 3);
    await workflows.delete(id);
    await client.workflow.getHandle(`source:${id}`).result();
  });
});
