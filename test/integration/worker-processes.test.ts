import { temporal } from '@temporalio/proto';
import { eventually, importSource, startSystem, waitForStatus, type System } from '../helpers/system';
import {
  isAlive,
  killed,
  spawnWorkerProcess,
  stopAllWorkerProcesses,
  terminated,
  type WorkerProcess,
} from '../helpers/worker-process';

/**
 * Scale-out: three worker processes on one task queue import several sources at once. One worker is SIGKILLed
 * while it runs an import activity (a crash), another is SIGTERMed while it runs one (a deploy: it drains and
 * exits by itself); the third finishes everything. The sources import the same workspace, so every company's
 * records of the three sources merge into one customer while the writers race: the merge engine's locks must
 * keep that exact too.
 */
const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

describe('three worker processes, one killed and one drained mid-import', () => {
  let sys: System;
  let workers: WorkerProcess[] = [];

  afterAll(async () => {
    await stopAllWorkerProcesses();
    for (const w of workers) expect({ pid: w.pid, alive: isAlive(w.pid) }).toEqual({ pid: w.pid, alive: false });
    await sys?.stop();
  });

  /** The workers (by pid) running an activity of the sources' backfills right now. */
  async function busyWorkers(sourceIds: string[]): Promise<Set<number>> {
    const busy = new Set<number>();
    for (const id of sourceIds) {
      const d = await sys.client.workflow
        .getHandle(`source:${id}:backfill:1`)
        .describe()
        .catch(() => undefined);
      for (const a of d?.raw.pendingActivities ?? []) {
        const identity = a.lastWorkerIdentity ?? '';
        const w = workers.find((x) => identity.startsWith(x.identityPrefix));
        if (w && a.state === STARTED) busy.add(w.pid);
      }
    }
    return busy;
  }

  it('ends every source exact', async () => {
    sys = await startSystem({
      fake: { companies: 240, contacts: 1200, seed: 17, latencyMs: 30, scrollPageSize: 10 },
      tuning: { partitions: 3, heartbeatTimeout: '4 seconds' },
    });
    // A short grace so the drained worker cancels what it cannot finish in time (then resumed from its heartbeat);
    // three activities per worker, so the imports' 12 activities spread over all three workers.
    workers = [0, 1, 2].map(() =>
      spawnWorkerProcess(sys, { WORKER_SHUTDOWN_GRACE: '2s', WORKER_MAX_CONCURRENT_ACTIVITIES: '3' }),
    );
    await eventually(
      async () => {
        const { pollers } = await sys.client.workflowService.describeTaskQueue({
          namespace: sys.config.temporal.namespace,
          taskQueue: { name: sys.taskQueue },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        });
        const polling = new Set((pollers ?? []).map((p) => p.identity));
        return workers.every((w) => [...polling].some((i) => i?.startsWith(w.identityPrefix))) ? true : undefined;
      },
      'all three workers polling for activities',
      180_000,
    );
    const names = ['Workspace copy A', 'Workspace copy B', 'Workspace copy C'];
    const ids = await Promise.all(names.map((n) => importSource(sys, n, undefined, { waitLive: false })));

    const [crashing, draining, survivor] = workers;
    await eventually(
      async () => {
        const busy = await busyWorkers(ids);
        return busy.has(crashing.pid) && busy.has(draining.pid) ? true : undefined;
      },
      'both workers running import activities',
      120_000,
    );
    const total = sys.fake.store.companies().length;
    const [{ n: before }] = await sys.db.query(`SELECT count(*)::int AS n FROM customer_records`);
    expect(before).toBeLessThan(total * ids.length);

    await killed(crashing);
    const drained = await terminated(draining);
    // Drained, not killed: the worker shut down by itself and exited cleanly.
    expect({ drained, output: draining.output() }).toMatchObject({ drained: { code: 0, signal: null } });
    expect(survivor.child.exitCode).toBeNull();

    for (const id of ids) await waitForStatus(sys, id, 'live', 240_000);

    const companies = (sys.fake.store.companies() as Array<{ id: string }>).map((c) => c.id).sort();
    const pairs: string[] = [];
    for (const contact of sys.fake.store.contacts() as Array<{ id: string }>) {
      for (const companyId of sys.fake.store.companyIdsOf(contact.id)) pairs.push(`${contact.id}/${companyId}`);
    }
    pairs.sort();
    for (const id of ids) {
      const records: Array<{ external_id: string }> = await sys.db.query(
        `SELECT external_id FROM customer_records WHERE source_id = $1 ORDER BY external_id`,
        [id],
      );
      const contacts: Array<{ pair: string }> = await sys.db.query(
        `SELECT external_id || '/' || company_external_id AS pair FROM contacts WHERE source_id = $1`,
        [id],
      );
      expect({ id, companies: records.map((r) => r.external_id) }).toEqual({ id, companies });
      expect({ id, pairs: contacts.map((c) => c.pair).sort() }).toEqual({ id, pairs });
    }
    // One customer per company, holding that company's record of each source (merged by external id), primary the
    // oldest record; no customer left empty.
    const customers: Array<{ external_ids: string[]; sources: number; primary_ok: boolean }> = await sys.db.query(
      `SELECT array_agg(DISTINCT r.external_id) AS external_ids, count(DISTINCT r.source_id)::int AS sources,
              bool_and(c.primary_record_id <= r.id) AS primary_ok
         FROM customers c LEFT JOIN customer_records r ON r.customer_id = c.id GROUP BY c.id`,
    );
    expect(customers.length).toBe(companies.length);
    expect(customers.filter((c) => c.sources !== ids.length || c.external_ids.length !== 1 || !c.primary_ok)).toEqual(
      [],
    );
    expect(customers.flatMap((c) => c.external_ids).sort()).toEqual(companies);
  }, 420_000);
});
