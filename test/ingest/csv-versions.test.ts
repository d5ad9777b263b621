import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEvent } from '../../src/ingest/events/crm-event.schema';
import { CsvImportService } from '../../src/ingest/csv/csv-import.service';
import { RecordSyncService } from '../../src/ingest/sync/record-sync.service';
import { SyncEvent } from '../../src/ingest/sync/sync-events';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { ev, t } from '../fake-crm/crm-events';
import { useTestApp } from '../support/use-test-app';

/**
 * CSV rows with a CRM version (`source_updated_at` / `updated_at` / a mapped column) against webhook versions, and
 * the CSV's `do_not_call` column, through the real importer and record sync (docs/crm-sync.md "Field ownership").
 */
describe('customers CSV: source versions and do-not-call against CRM events (PostgreSQL)', () => {
  const nest = useTestApp({ workers: false });
  let dir: string;
  let importer: CsvImportService;
  let sync: RecordSyncService;
  let n = 0;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'csv-versions-'));
    importer = nest.app.get(CsvImportService);
    sync = nest.app.get(RecordSyncService);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (lines: string[]) => {
    const path = join(dir, `f${++n}.csv`);
    writeFileSync(path, lines.join('\n') + '\n');
    return path;
  };
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[]) =>
    nest.db.query(sql, params) as Promise<T[]>;

  async function workspace(): Promise<string> {
    const ws = await nest.app.get(WorkspacesService).ensure({ slug: `versions-${++n}` });
    await importer.import({
      workspaceId: ws.id,
      kind: 'reps',
      file: file(['external_id,name', 'R1,Rep 1', 'R2,Rep 2']),
    });
    return ws.id;
  }
  const customer = async (ws: string, externalId: string) => {
    const [c] = await q<{ name: string; owner: string | null; version: string | null }>(
      `SELECT c.name, r.external_id AS owner, to_char(c.source_updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS version
       FROM customers c LEFT JOIN reps r ON r.id = c.owner_rep_id
       WHERE c.workspace_id = $1 AND c.external_id = $2`,
      [ws, externalId],
    );
    return c;
  };
  const dnc = (ws: string, c: string) =>
    q<{ set_by: string }>(
      `SELECT x.set_by FROM contact_suppressions x JOIN customers c ON c.id = x.customer_id
       WHERE c.workspace_id = $1 AND c.external_id = $2 AND x.kind = 'do_not_call' ORDER BY x.set_by`,
      [ws, c],
    );
  const importCustomers = (ws: string, lines: string[], map?: Record<string, string>) =>
    importer.import({ workspaceId: ws, kind: 'customers', file: file(lines), map, dedupe: false });
  const t2s = (m: number) => t(m).replace('.000Z', 'Z');

  it('a row older than the webhook version is skipped and counted; a newer one applies and becomes the version', async () => {
    const ws = await workspace();
    await sync.applyBatch(
      ws,
      'crm',
      toSync([ev.customer('C1', t(2), { name: 'Acme (webhook T2)', ownerRepExternalId: 'R1' })]),
    );

    // T1 < T2 (header alias `updated_at`): the webhook's values stay; a new customer in the same file is inserted
    const older = await importCustomers(ws, [
      'external_id,name,owner_rep,updated_at',
      `C1,Acme (csv T1),R2,${t(1)}`,
      `C2,Beta (csv T1),R2,${t(1)}`,
    ]);
    expect(older).toMatchObject({ inserted: 1, updated: 0, unchanged: 0, older: 1, conflicts: 0 });
    expect(older.notices.join('\n')).toMatch(/1 row\(s\) not applied: older \(source_updated_at\)/);
    expect(await customer(ws, 'C1')).toEqual({ name: 'Acme (webhook T2)', owner: 'R1', version: t2s(2) });
    expect(await customer(ws, 'C2')).toEqual({ name: 'Beta (csv T1)', owner: 'R2', version: t2s(1) });

    // T3 > T2, through a mapped column (what --source-version-column does): applied, and T3 is the stored version
    const newer = await importCustomers(
      ws,
      ['external_id,name,owner_rep,Last Modified', `C1,Acme (csv T3),R2,${t(3)}`],
      { source_updated_at: 'Last Modified' },
    );
    expect(newer).toMatchObject({ inserted: 0, updated: 1, older: 0 });
    expect(await customer(ws, 'C1')).toEqual({ name: 'Acme (csv T3)', owner: 'R2', version: t2s(3) });
    // the owner counts as set by the import as of the row's version, not of the import
    const [prov] = await q<{ owner_set_by: string; at: boolean }>(
      `SELECT owner_set_by, owner_set_at = $3::timestamptz AS at FROM customers WHERE workspace_id = $1 AND external_id = $2`,
      [ws, 'C1', t(3)],
    );
    expect(prov).toEqual({ owner_set_by: 'csv', at: true });

    // a webhook version older than the imported one is now stale
    const stale = await sync.applyBatch(
      ws,
      'crm',
      toSync([ev.customer('C1', t(2), { name: 'Acme (late webhook)' })]),
    );
    expect(stale).toMatchObject({ customersWritten: 0, customersStale: 1 });
    expect((await customer(ws, 'C1')).name).toBe('Acme (csv T3)');

    // the same file again: nothing older, nothing changed
    expect(
      await importCustomers(ws, [
        'external_id,name,owner_rep,source_updated_at',
        `C1,Acme (csv T3),R2,${t(3)}`,
      ]),
    ).toMatchObject({ updated: 0, unchanged: 1, older: 0 });

    // a row without a version applies as of the import (as before) and keeps the stored version
    const unversioned = await importCustomers(ws, ['external_id,name,owner_rep', 'C1,Acme (no version),R2']);
    expect(unversioned).toMatchObject({ updated: 1, older: 0 });
    expect(await customer(ws, 'C1')).toEqual({ name: 'Acme (no version)', owner: 'R2', version: t2s(3) });
    // and a file without the new columns does not list them as left empty
    expect(unversioned.columns.missingOptional).not.toContain('source_updated_at');
    expect(unversioned.columns.missingOptional).not.toContain('do_not_call');

    // a bad version is a rejected row naming the column
    const bad = await importCustomers(ws, ['external_id,name,source_updated_at', 'C9,Gamma,yesterday']);
    expect(bad).toMatchObject({ rejected: 1, inserted: 0 });
  });

  it("do_not_call: true adds the CRM's, false lifts only the CRM's; a rep's stays and is a conflict", async () => {
    const ws = await workspace();
    // CRM do-not-call from the file, in every spelling
    const first = await importCustomers(ws, [
      'external_id,name,do_not_call',
      'C1,One,yes',
      'C2,Two,',
      'C3,Three,TRUE',
      'C4,Four,maybe',
    ]);
    expect(first).toMatchObject({ inserted: 3, rejected: 1, conflicts: 0 });
    expect(await dnc(ws, 'C1')).toEqual([{ set_by: 'crm' }]);
    expect(await dnc(ws, 'C2')).toEqual([]);
    expect(await dnc(ws, 'C3')).toEqual([{ set_by: 'crm' }]);

    // a rep's do-not-call on C2 (as the worklist's do_not_call outcome writes it: set_by defaults to Callplan)
    await q(
      `INSERT INTO contact_suppressions (workspace_id, customer_id, kind, reason, created_by)
       SELECT $1, c.id, 'do_not_call', 'asked not to be called', r.id FROM customers c, reps r
       WHERE c.workspace_id = $1 AND c.external_id = 'C2' AND r.workspace_id = $1 AND r.external_id = 'R1'`,
      [ws],
    );
    // false: the CRM's on C1 is lifted, the rep's on C2 stays (a doNotCall conflict); empty changes nothing (C3)
    const second = await importCustomers(ws, [
      'external_id,name,do_not_call',
      'C1,One,0',
      'C2,Two,false',
      'C3,Three,',
    ]);
    expect(second).toMatchObject({ rejected: 0, conflicts: 1 });
    expect(await dnc(ws, 'C1')).toEqual([]);
    expect(await dnc(ws, 'C2')).toEqual([{ set_by: 'callplan' }]);
    expect(await dnc(ws, 'C3')).toEqual([{ set_by: 'crm' }]);
    expect(
      await q(
        `SELECT k.field, k.crm_value, k.crm_source, k.kept_value, k.kept_source FROM customer_field_conflicts k
         JOIN customers c ON c.id = k.customer_id WHERE k.workspace_id = $1 AND c.external_id = 'C2'`,
        [ws],
      ),
    ).toEqual([
      {
        field: 'doNotCall',
        crm_value: 'false',
        crm_source: 'csv',
        kept_value: 'true',
        kept_source: 'callplan',
      },
    ]);
    // true on the rep's: no second suppression
    await importCustomers(ws, ['external_id,name,do_not_call', 'C2,Two,1']);
    expect(await dnc(ws, 'C2')).toEqual([{ set_by: 'callplan' }]);

    // an older row's flag is not applied either (webhook at T5, CSV at T4)
    await sync.applyBatch(ws, 'crm', toSync([ev.customer('C5', t(5), { name: 'Five' })]));
    const older = await importCustomers(ws, [
      'external_id,name,do_not_call,source_updated_at',
      `C5,Five,true,${t(4)}`,
    ]);
    expect(older).toMatchObject({ older: 1 });
    expect(await dnc(ws, 'C5')).toEqual([]);
    await importCustomers(ws, ['external_id,name,do_not_call,source_updated_at', `C5,Five,true,${t(6)}`]);
    expect(await dnc(ws, 'C5')).toEqual([{ set_by: 'crm' }]);
  });
});

function toSync(wire: Parameters<typeof parseEvent>[0][]): SyncEvent[] {
  return wire.map((w) => {
    const r = parseEvent(w);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    return r.event;
  });
}
