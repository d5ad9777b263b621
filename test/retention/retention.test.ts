import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataSource } from 'typeorm';
import { parseEvent } from '../../src/ingest/events/crm-event.schema';
import { RecordSyncService } from '../../src/ingest/sync/record-sync.service';
import { JobQueue, queueToken } from '../../src/queue/queue.module';
import { QUEUES } from '../../src/queue/queue-factory';
import {
  BATCH_ROWS,
  RetentionService,
  WorkspaceRetentionReport,
} from '../../src/retention/retention.service';
import { RetentionKind } from '../../src/retention/retention-settings';
import { WorkspaceSettingsService } from '../../src/workspace-settings/workspace-settings.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { ev, t, WireEvent } from '../fake-crm/crm-events';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';

/** What `seed` leaves that each kind's default bound removes: one row per kind just past it. */
const OLD_PER_KIND: Record<RetentionKind, number> = {
  inboxProcessed: 1,
  inboxFailed: 1,
  parked: 1,
  tombstones: 2, // a deleted order and a parked delete of an order never seen
  deliveries: 2, // a delivered and a dead one
  outboxEvents: 1, // the event whose deliveries are all over; the one with a pending delivery stays
  imports: 1,
  audit: 1,
};

/** Row counts of every table retention touches, for one workspace. */
async function counts(db: DataSource, ws: string): Promise<Record<string, number>> {
  const [row] = (await db.query(
    `SELECT
       (SELECT count(*) FROM crm_inbox WHERE workspace_id = $1)::int AS inbox,
       (SELECT count(*) FROM crm_parked WHERE workspace_id = $1)::int AS parked,
       (SELECT count(*) FROM orders WHERE workspace_id = $1)::int AS orders,
       (SELECT count(*) FROM webhook_deliveries WHERE workspace_id = $1)::int AS deliveries,
       (SELECT count(*) FROM outbox_events WHERE workspace_id = $1)::int AS outbox,
       (SELECT count(*) FROM imports WHERE workspace_id = $1)::int AS imports,
       (SELECT count(*) FROM import_files f JOIN imports i ON i.id = f.import_id WHERE i.workspace_id = $1)::int AS files,
       (SELECT count(*) FROM audit_log WHERE workspace_id = $1 AND action <> 'retention.run')::int AS audit`,
    [ws],
  )) as Array<Record<string, number>>;
  return row;
}

/**
 * The retention job against PostgreSQL: per kind, data just older than its bound goes and data just newer stays;
 * open work (pending inbox messages, scheduled deliveries, unfinished imports) stays whatever its age; a dry run
 * deletes nothing; each workspace's own settings apply and no other workspace is touched; a tombstone within its
 * bound still keeps a late version from re-creating the deleted order; audit entries are archived before they go,
 * and the audit log stays append-only for everything else.
 */
describe('retention (PostgreSQL)', () => {
  const nest = useTestApp({ workers: true });
  let retention: RetentionService;
  let sync: RecordSyncService;
  let n = 0;

  beforeAll(() => {
    retention = nest.app.get(RetentionService);
    sync = nest.app.get(RecordSyncService);
  });

  const workspace = async () => (await nest.app.get(WorkspacesService).ensure({ slug: `keep-${++n}` })).id;

  const apply = (ws: string, wire: WireEvent[]) =>
    sync.applyBatch(
      ws,
      'crm',
      wire.map((w) => {
        const r = parseEvent(w);
        if (!r.ok) throw new Error(JSON.stringify(r.issues));
        return r.event;
      }),
    );

  /** `days` days ago, as SQL's interval arithmetic. */
  const ago = (days: number) => `now() - interval '${days} days'`;

  /**
   * Per kind: one row just past its default bound (+5 days) and one just inside it (-5 days), plus open work far
   * past every bound.
   */
  async function seed(ws: string): Promise<void> {
    const q = (sql: string, params: unknown[] = [ws]) => nest.db.query(sql, params);
    // CRM inbox: processed 30 d, failed 90 d; pending stays
    await q(
      `INSERT INTO crm_inbox (workspace_id, webhook_id, signed_at, event_count, payload_enc, status, received_at, processed_at)
       VALUES ($1, 'p-old', now(), 1, '\\x00', 'processed', ${ago(40)}, ${ago(35)}),
              ($1, 'p-new', now(), 1, '\\x00', 'processed', ${ago(40)}, ${ago(25)}),
              ($1, 'f-old', now(), 1, '\\x00', 'failed', ${ago(95)}, NULL),
              ($1, 'f-new', now(), 1, '\\x00', 'failed', ${ago(85)}, NULL),
              ($1, 'pending', now(), 1, '\\x00', 'pending', ${ago(900)}, NULL)`,
    );
    // tombstones (400 d) and parked versions (180 d)
    await apply(ws, [ev.customer('c1', t(0)), ev.order('o-old', 'c1', t(1)), ev.order('o-new', 'c1', t(1))]);
    await apply(ws, [ev.order('o-live', 'c1', t(1))]);
    await apply(ws, [
      ev.orderDeleted('o-old', t(5)),
      ev.orderDeleted('o-new', t(5)),
      ev.orderDeleted('o-ghost', t(5)),
    ]);
    await apply(ws, [ev.order('p-old', 'c-missing', t(1)), ev.order('p-new', 'c-missing2', t(1))]);
    await q(`UPDATE orders SET updated_at = ${ago(405)} WHERE workspace_id = $1 AND external_id = 'o-old'`);
    await q(`UPDATE orders SET updated_at = ${ago(395)} WHERE workspace_id = $1 AND external_id = 'o-new'`);
    await q(`UPDATE orders SET updated_at = ${ago(2000)} WHERE workspace_id = $1 AND external_id = 'o-live'`);
    await q(
      `UPDATE crm_parked SET updated_at = ${ago(405)} WHERE workspace_id = $1 AND external_id = 'o-ghost'`,
    );
    await q(
      `UPDATE crm_parked SET updated_at = ${ago(185)} WHERE workspace_id = $1 AND external_id = 'p-old'`,
    );
    await q(
      `UPDATE crm_parked SET updated_at = ${ago(175)} WHERE workspace_id = $1 AND external_id = 'p-new'`,
    );
    // webhook delivery log (30 d): over and old goes, pending stays; events go once their deliveries are gone
    const [endpoint] = (await q(
      `INSERT INTO webhook_endpoints (workspace_id, url, secret) VALUES ($1, 'https://example.com/hook', 'x')
       RETURNING id`,
    )) as Array<{ id: string }>;
    const event = async (name: string, days: number) =>
      (
        (await q(
          `INSERT INTO outbox_events (workspace_id, message_id, event_type, payload, created_at, dispatched_at)
           VALUES ($1, $2, 'scores.updated', '{}', ${ago(days)}, ${ago(days)}) RETURNING id`,
          [ws, `${ws}-${name}`],
        )) as Array<{ id: string }>
      )[0].id;
    const [e1, e2, e3] = [await event('e-old', 40), await event('e-open', 40), await event('e-new', 20)];
    const delivery = (eventId: string, status: string, days: number, next: string) =>
      q(
        `INSERT INTO webhook_deliveries (workspace_id, outbox_event_id, endpoint_id, status, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, ${ago(days)}, ${next})`,
        [ws, eventId, endpoint.id, status],
      );
    await delivery(e1, 'delivered', 35, 'NULL');
    await q(
      `INSERT INTO webhook_endpoints (workspace_id, url, secret) VALUES ($1, 'https://example.com/other', 'x')`,
    );
    const [other] = (await q(
      `SELECT id FROM webhook_endpoints WHERE workspace_id = $1 AND url LIKE '%other'`,
    )) as Array<{ id: string }>;
    await q(
      `INSERT INTO webhook_deliveries (workspace_id, outbox_event_id, endpoint_id, status, created_at)
       VALUES ($1, $2, $3, 'dead', ${ago(35)})`,
      [ws, e1, other.id],
    );
    await delivery(e2, 'pending', 35, 'now()');
    await delivery(e3, 'delivered', 25, 'NULL');
    // imports (30 d), with a stored file piece; an unfinished one stays
    await q(
      `INSERT INTO imports (workspace_id, kind, status, file_name, size_bytes, created_by, created_at, finished_at)
       VALUES ($1, 'customers', 'completed', 'old.csv', 1, 'cli', ${ago(40)}, ${ago(35)}),
              ($1, 'customers', 'failed', 'new.csv', 1, 'cli', ${ago(40)}, ${ago(25)}),
              ($1, 'customers', 'queued', 'stuck.csv', 1, 'cli', ${ago(400)}, NULL)`,
    );
    await q(
      `INSERT INTO import_files (import_id, part, seq, data)
       SELECT id, 'rejects', 0, '\\x01' FROM imports WHERE workspace_id = $1`,
    );
    // audit log (400 d)
    await q(
      `INSERT INTO audit_log (workspace_id, actor, action, subject, created_at)
       VALUES ($1, 'cli', 'test.old', 'a', ${ago(405)}), ($1, 'cli', 'test.new', 'b', ${ago(395)})`,
    );
  }

  const removed = (r: WorkspaceRetentionReport) => r.removed;

  it('a dry run counts what would go and deletes nothing', async () => {
    const ws = await workspace();
    await seed(ws);
    const before = await counts(nest.db, ws);
    const report = await retention.run(ws, { dryRun: true });
    expect(removed(report)).toEqual(OLD_PER_KIND);
    expect(await counts(nest.db, ws)).toEqual(before);
    expect(report.archived).toEqual([]);
    const runs = (await nest.db.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE workspace_id = $1 AND action = 'retention.run'`,
      [ws],
    )) as Array<{ n: number }>;
    expect(runs[0].n).toBe(0);
  });

  it('removes only what is older than each bound, leaves open work, and touches no other workspace', async () => {
    const ws = await workspace();
    const bystander = await workspace();
    await seed(ws);
    await seed(bystander);
    const theirs = await counts(nest.db, bystander);

    const report = await retention.run(ws);
    expect(removed(report)).toEqual(OLD_PER_KIND);

    const left = async (sql: string) =>
      ((await nest.db.query(sql, [ws])) as Array<{ k: string }>).map((r) => r.k).sort();
    expect(await left(`SELECT webhook_id AS k FROM crm_inbox WHERE workspace_id = $1`)).toEqual([
      'f-new',
      'p-new',
      'pending',
    ]);
    expect(await left(`SELECT external_id AS k FROM crm_parked WHERE workspace_id = $1`)).toEqual(['p-new']);
    expect(await left(`SELECT external_id AS k FROM orders WHERE workspace_id = $1`)).toEqual([
      'o-live',
      'o-new',
    ]);
    expect(
      await left(
        `SELECT status || ' ' || (next_attempt_at IS NULL) AS k FROM webhook_deliveries WHERE workspace_id = $1`,
      ),
    ).toEqual(['delivered true', 'pending false']);
    expect(await left(`SELECT message_id AS k FROM outbox_events WHERE workspace_id = $1`)).toEqual([
      `${ws}-e-new`,
      `${ws}-e-open`,
    ]);
    expect(await left(`SELECT file_name AS k FROM imports WHERE workspace_id = $1`)).toEqual([
      'new.csv',
      'stuck.csv',
    ]);
    expect(await left(`SELECT action AS k FROM audit_log WHERE workspace_id = $1`)).toEqual([
      'retention.run',
      'test.new',
    ]);
    expect(await counts(nest.db, bystander)).toEqual(theirs);

    // the run is recorded with its counts; a second run finds nothing more (idempotent)
    expect(await retention.lastRun(ws)).toMatchObject({ details: { removed: OLD_PER_KIND } });
    const again = await retention.run(ws);
    expect(Object.values(removed(again)).every((v) => v === 0)).toBe(true);
  });

  it('a tombstone within its bound still keeps a late version from re-creating the deleted order', async () => {
    const ws = await workspace();
    await seed(ws);
    await retention.run(ws);
    // late versions of both orders, older than their deletes, arrive after the run
    await apply(ws, [
      ev.order('o-new', 'c1', t(2)),
      ev.order('o-old', 'c1', t(2)),
      ev.order('o-ghost', 'c1', t(2)),
    ]);
    const rows = (await nest.db.query(
      `SELECT external_id, deleted_at IS NOT NULL AS deleted FROM orders
       WHERE workspace_id = $1 AND external_id IN ('o-new', 'o-old', 'o-ghost') ORDER BY 1`,
      [ws],
    )) as Array<{ external_id: string; deleted: boolean }>;
    // o-new's tombstone was kept: it stays deleted. o-old's and o-ghost's were past tombstoneDays: a version that
    // late comes back, which is why tombstoneDays must exceed every replay window.
    expect(rows).toEqual([
      { external_id: 'o-ghost', deleted: false },
      { external_id: 'o-new', deleted: true },
      { external_id: 'o-old', deleted: false },
    ]);
  });

  it("applies each workspace's own settings, validated like every section", async () => {
    const ws = await workspace();
    const other = await workspace();
    await seed(ws);
    await seed(other);
    const settings = nest.app.get(WorkspaceSettingsService);
    await expect(
      settings.update(ws, { settings: { retention: { tombstoneDays: 100 } } }, 'cli'),
    ).rejects.toMatchObject({ code: 'invalid_settings' });
    await settings.update(
      ws,
      { settings: { retention: { inboxProcessedDays: 20, inboxFailedDays: 80, auditDays: 390 } } },
      'cli',
    );
    const mine = await retention.run(ws, { dryRun: true });
    expect(removed(mine)).toMatchObject({ inboxProcessed: 2, inboxFailed: 2, audit: 2, parked: 1 });
    const theirs = await retention.run(other, { dryRun: true });
    expect(removed(theirs)).toEqual(OLD_PER_KIND);

    // failed messages are kept until their own bound, whatever the processed bound says
    await settings.update(
      ws,
      { settings: { retention: { inboxProcessedDays: 1, inboxFailedDays: 90 } } },
      'cli',
    );
    const r = await retention.run(ws);
    expect(r.removed).toMatchObject({ inboxProcessed: 2, inboxFailed: 1 });
    const failed = (await nest.db.query(
      `SELECT webhook_id FROM crm_inbox WHERE workspace_id = $1 AND status = 'failed'`,
      [ws],
    )) as Array<{ webhook_id: string }>;
    expect(failed.map((f) => f.webhook_id)).toEqual(['f-new']);
  });

  it('archives audit entries before deleting them; the log stays append-only for everything else', async () => {
    const ws = await workspace();
    await seed(ws);
    const report = await retention.run(ws);
    expect(report.archived).toEqual([expect.stringContaining(join('archive', 'audit', ws))]);
    const files = readdirSync(join(retention.archiveDir, ws));
    expect(files).toHaveLength(1);
    const lines = gunzipSync(readFileSync(join(retention.archiveDir, ws, files[0])))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; subject: string });
    expect(lines).toEqual([expect.objectContaining({ action: 'test.old', subject: 'a' })]);

    // outside the job's transaction, and for recent entries even inside it, the trigger still refuses
    await expect(
      nest.db.query(`DELETE FROM audit_log WHERE workspace_id = $1 AND action = 'test.new'`, [ws]),
    ).rejects.toThrow(/append-only/);
    await expect(
      nest.db.transaction(async (tx) => {
        await tx.query(`SELECT set_config('callplan.audit_retention', 'on', true)`);
        await tx.query(`DELETE FROM audit_log WHERE workspace_id = $1 AND action = 'retention.run'`, [ws]);
      }),
    ).rejects.toThrow(/append-only/);
    await expect(
      nest.db.transaction(async (tx) => {
        await tx.query(`SELECT set_config('callplan.audit_retention', 'on', true)`);
        await tx.query(`UPDATE audit_log SET actor = 'x' WHERE workspace_id = $1`, [ws]);
      }),
    ).rejects.toThrow(/append-only/);
  });

  it('runs as the daily job on the maintenance queue', async () => {
    const ws = await workspace();
    await seed(ws);
    const queue = nest.app.get<JobQueue<'maintenance'>>(queueToken(QUEUES.maintenance));
    await queue.add('retention', { workspaceId: ws });
    await until(
      'the retention job to record its run',
      async () => (await retention.lastRun(ws)) !== null,
      90_000,
    );
    expect((await counts(nest.db, ws)).inbox).toBe(3);
    expect(existsSync(join(retention.archiveDir, ws))).toBe(true);
  });
  it('goes through more rows than one batch, archiving each audit entry once', async () => {
    const ws = await workspace();
    await nest.db.query(
      `INSERT INTO crm_inbox (workspace_id, webhook_id, signed_at, event_count, payload_enc, status, processed_at)
       SELECT $1, 'm' || i, now(), 1, '\\x00', 'processed', now() - interval '31 days' FROM generate_series(1, $2) i`,
      [ws, BATCH_ROWS * 2 + 345],
    );
    await nest.db.query(
      `INSERT INTO audit_log (workspace_id, actor, action, created_at)
       SELECT $1, 'cli', 'bulk', now() - interval '401 days' - make_interval(secs => i) FROM generate_series(1, $2) i`,
      [ws, BATCH_ROWS + 500],
    );
    const report = await retention.run(ws);
    expect(report.removed).toMatchObject({ inboxProcessed: BATCH_ROWS * 2 + 345, audit: BATCH_ROWS + 500 });
    const ids = report.archived.flatMap((f) =>
      gunzipSync(readFileSync(f))
        .toString('utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: string }).id),
    );
    expect(ids).toHaveLength(BATCH_ROWS + 500);
    expect(new Set(ids).size).toBe(ids.length);
    expect((await counts(nest.db, ws)).inbox).toBe(0);
  });

  it('drops the tables a scoring run left behind a day after it ended; attached score partitions stay', async () => {
    const ws = await workspace();
    const run = async (status: string, endedHoursAgo: number) => {
      const [r] = (await nest.db.query(
        `INSERT INTO score_runs (workspace_id, as_of, horizon_days, status, finished_at)
         VALUES ($1, current_date, 365, $2, now() - make_interval(hours => $3)) RETURNING id`,
        [ws, status, endedHoursAgo],
      )) as Array<{ id: string }>;
      return r.id.replace(/-/g, '');
    };
    const killed = await run('failed', 30);
    const recent = await run('failed', 1);
    const served = await run('completed', 30);
    await nest.db.query(`CREATE UNLOGGED TABLE score_inputs_r${killed}_0 (id bigint)`);
    await nest.db.query(`CREATE TABLE customer_scores_r${killed} (LIKE customer_scores)`);
    await nest.db.query(`CREATE UNLOGGED TABLE score_inputs_r${recent}_0 (id bigint)`);
    const servedId = served.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
    await nest.db.query(
      `CREATE TABLE customer_scores_r${served} PARTITION OF customer_scores FOR VALUES IN ('${servedId}')`,
    );
    const exists = async (t: string) =>
      ((await nest.db.query(`SELECT to_regclass($1) IS NOT NULL AS e`, [t])) as Array<{ e: boolean }>)[0].e;

    const dry = await retention.runAll({ dryRun: true });
    expect(dry.scoreTables).toEqual([`customer_scores_r${killed}`, `score_inputs_r${killed}_0`]);
    expect(await exists(`score_inputs_r${killed}_0`)).toBe(true);

    const done = await retention.runAll();
    expect(done.scoreTables).toEqual(dry.scoreTables);
    expect(await exists(`score_inputs_r${killed}_0`)).toBe(false);
    expect(await exists(`customer_scores_r${killed}`)).toBe(false);
    expect(await exists(`score_inputs_r${recent}_0`)).toBe(true);
    expect(await exists(`customer_scores_r${served}`)).toBe(true);
  });
});
