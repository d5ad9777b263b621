import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OwnershipWriter } from '../../src/assignments/ownership-writer.service';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { Transactions } from '../../src/database/transactions';
import { parseEvent } from '../../src/ingest/events/crm-event.schema';
import { CsvImportService } from '../../src/ingest/csv/csv-import.service';
import { PersonalityService } from '../../src/personality/personality.service';
import { FieldConflictView } from '../../src/ingest/sync/field-conflicts.service';
import { RecordSyncService } from '../../src/ingest/sync/record-sync.service';
import { SyncEvent } from '../../src/ingest/sync/sync-events';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { ev, t } from '../fake-crm/crm-events';
import { useTestApp } from '../support/use-test-app';

/**
 * Field ownership through the real importer, sync and Callplan writers: what Callplan decided survives a
 * re-import and a sync, is listed as a conflict, and the value it replaced is in the history.
 */
describe('field ownership: re-imports and syncs keep what Callplan decided (PostgreSQL, HTTP)', () => {
  const nest = useTestApp({ http: true, workers: false });
  let dir: string;
  let importer: CsvImportService;
  let n = 0;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'field-ownership-'));
    importer = nest.app.get(CsvImportService);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (text: string) => {
    const path = join(dir, `f${++n}.csv`);
    writeFileSync(path, text);
    return path;
  };

  async function workspace(reps: string[]): Promise<string> {
    const ws = await nest.app.get(WorkspacesService).ensure({ slug: `owners-${++n}` });
    await importer.import({
      workspaceId: ws.id,
      kind: 'reps',
      file: file(['external_id,name', ...reps.map((r) => `${r},Rep ${r}`)].join('\n') + '\n'),
    });
    return ws.id;
  }

  const customersCsv = (rows: Array<{ id: string; name: string; owner: string; personality?: string }>) =>
    file(
      [
        'external_id,name,owner_rep,personality',
        ...rows.map((r) => `${r.id},${r.name},${r.owner},${r.personality ?? ''}`),
      ].join('\n') + '\n',
    );

  const q = <T = Record<string, unknown>>(sql: string, params: unknown[]) =>
    nest.db.query(sql, params) as Promise<T[]>;

  const customerIds = async (ws: string) =>
    new Map(
      (
        await q<{ id: string; external_id: string }>(
          `SELECT id, external_id FROM customers WHERE workspace_id = $1`,
          [ws],
        )
      ).map((r) => [r.external_id, r.id]),
    );

  it('a rebalance of 100 accounts survives the re-import of the original CSV: conflicts listed, CRM value in history', async () => {
    const ws = await workspace(['R1', 'R2', 'R3']);
    const rows = Array.from({ length: 100 }, (_, i) => ({
      id: `C${String(i).padStart(3, '0')}`,
      name: `Customer ${i}`,
      owner: i % 2 ? 'R1' : 'R2',
    }));
    const original = customersCsv(rows);
    const first = await importer.import({
      workspaceId: ws,
      kind: 'customers',
      file: original,
      dedupe: false,
    });
    expect(first).toMatchObject({ inserted: 100, conflicts: 0 });

    const ids = await customerIds(ws);
    const [r3] = await q<{ id: string }>(
      `SELECT id FROM reps WHERE workspace_id = $1 AND external_id = 'R3'`,
      [ws],
    );
    await nest.app.get(Transactions).run((tx) =>
      nest.app.get(OwnershipWriter).apply(tx, {
        workspaceId: ws,
        reason: 'rebalance',
        actor: 'test',
        changes: rows.map((r) => ({ customerId: ids.get(r.id)!, toRepId: r3.id })),
      }),
    );

    const again = await importer.import({
      workspaceId: ws,
      kind: 'customers',
      file: original,
      dedupe: false,
    });
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 100, conflicts: 100 });
    expect(again.notices.join('\n')).toMatch(
      /100 CRM value\(s\) not applied because Callplan owns the field/,
    );

    const owners = await q<{ owner: string; n: number }>(
      `SELECT r.external_id AS owner, count(*)::int AS n FROM customers c JOIN reps r ON r.id = c.owner_rep_id
       WHERE c.workspace_id = $1 GROUP BY 1`,
      [ws],
    );
    expect(owners).toEqual([{ owner: 'R3', n: 100 }]);

    // the history of each account: the CRM's owner (from the CSV) replaced by Callplan's, both sources and times
    const history = await q<Record<string, unknown>>(
      `SELECT c.external_id, h.old_value, h.new_value, h.old_source, h.new_source, h.old_at IS NOT NULL AS old_at,
         h.new_at IS NOT NULL AS new_at
       FROM customer_field_history h JOIN customers c ON c.id = h.customer_id
       WHERE h.workspace_id = $1 AND h.field = 'owner' ORDER BY c.external_id`,
      [ws],
    );
    expect(history).toHaveLength(100);
    expect(history[1]).toEqual({
      external_id: 'C001',
      old_value: 'R1',
      new_value: 'R3',
      old_source: 'csv',
      new_source: 'callplan',
      old_at: true,
      new_at: true,
    });

    // listed over HTTP, one per account, with the refused CRM value and the kept one
    const { key } = await nest.app
      .get(ApiKeysService)
      .create({ workspaceId: ws, name: 'admin', role: 'admin' });
    const res = await fetch(`${nest.url}/v1/sync/conflicts?limit=1000`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { total: number; items: FieldConflictView[] };
    expect(body.total).toBe(100);
    expect(new Set(body.items.map((i) => i.customer.externalId)).size).toBe(100);
    const c1 = body.items.find((i) => i.customer.externalId === 'C001')!;
    expect(c1).toMatchObject({
      field: 'owner',
      crm: { value: 'R1', source: 'csv' },
      kept: { value: 'R3', source: 'callplan' },
      occurrences: 1,
    });
    const page = await fetch(`${nest.url}/v1/sync/conflicts?limit=5&field=owner`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(((await page.json()) as { items: unknown[] }).items).toHaveLength(5);
    const bad = await fetch(`${nest.url}/v1/sync/conflicts?field=name`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(bad.status).toBe(400);
    const { key: repKey } = await nest.app
      .get(ApiKeysService)
      .create({ workspaceId: ws, name: 'manager', role: 'manager', repId: r3.id });
    expect(
      (await fetch(`${nest.url}/v1/sync/conflicts`, { headers: { authorization: `Bearer ${repKey}` } }))
        .status,
    ).toBe(403);

    // the customer view shows who set the owner and the change with both sources
    const view = await fetch(`${nest.url}/v1/customers/${ids.get('C001')}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(await view.json()).toMatchObject({
      owner: { externalId: 'R3' },
      fieldSources: { owner: { setBy: 'callplan' } },
      fieldHistory: [
        { field: 'owner', old: { value: 'R1', source: 'csv' }, new: { value: 'R3', source: 'callplan' } },
      ],
    });

    // a second re-import refuses again: still one conflict per account, counted twice
    await importer.import({ workspaceId: ws, kind: 'customers', file: original, dedupe: false });
    const [counted] = await q<{ n: number; occ: number }>(
      `SELECT count(*)::int AS n, min(occurrences)::int AS occ FROM customer_field_conflicts WHERE workspace_id = $1`,
      [ws],
    );
    expect(counted).toEqual({ n: 100, occ: 2 });
  });

  it('a rep tags "rational": a re-import with "stable" keeps it, a later CRM change of the name still applies', async () => {
    const ws = await workspace(['R1']);
    await importer.import({
      workspaceId: ws,
      kind: 'customers',
      file: customersCsv([{ id: 'C1', name: 'Acme', owner: 'R1', personality: 'stable' }]),
      dedupe: false,
    });
    const id = (await customerIds(ws)).get('C1')!;
    await nest.app
      .get(Transactions)
      .run((tx) =>
        nest.app
          .get(PersonalityService)
          .tagFromOutcome({ workspaceId: ws, keyId: 'test', role: 'admin', repId: null }, id, 'rational', tx),
      );

    const report = await importer.import({
      workspaceId: ws,
      kind: 'customers',
      file: customersCsv([{ id: 'C1', name: 'Acme Trading', owner: 'R1', personality: 'stable' }]),
      dedupe: false,
    });
    expect(report).toMatchObject({ updated: 1, conflicts: 1 });
    const [row] = await q<{ name: string; personality: string; personality_set_by: string }>(
      `SELECT name, personality, personality_set_by FROM customers WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({ name: 'Acme Trading', personality: 'rational', personality_set_by: 'callplan' });

    // a webhook version (newer) changes the name; the owner it names is the same: no conflict
    const sync = nest.app.get(RecordSyncService);
    const applied = await sync.applyBatch(
      ws,
      'crm',
      toSync([ev.customer('C1', t(1), { name: 'Acme Ltd', ownerRepExternalId: 'R1' })]),
    );
    expect(applied).toMatchObject({ customersWritten: 1, conflicts: 0 });
    const [after] = await q<{ name: string; personality: string }>(
      `SELECT name, personality FROM customers WHERE id = $1`,
      [id],
    );
    expect(after).toEqual({ name: 'Acme Ltd', personality: 'rational' });

    const history = await q<Record<string, unknown>>(
      `SELECT field, old_value, new_value, old_source, new_source FROM customer_field_history
       WHERE customer_id = $1 ORDER BY id`,
      [id],
    );
    expect(history).toEqual([
      {
        field: 'personality',
        old_value: 'stable',
        new_value: 'rational',
        old_source: 'csv',
        new_source: 'callplan',
      },
    ]);
  });

  it('per workspace: owner "crm" lets the CRM overwrite an assignment (history kept), "newest" compares times', async () => {
    const ws = await workspace(['R1', 'R2']);
    const sync = nest.app.get(RecordSyncService);
    await sync.applyBatch(ws, 'crm', toSync([ev.customer('C1', t(1), { ownerRepExternalId: 'R1' })]));
    const id = (await customerIds(ws)).get('C1')!;
    const reps = new Map(
      (
        await q<{ id: string; external_id: string }>(
          `SELECT id, external_id FROM reps WHERE workspace_id = $1`,
          [ws],
        )
      ).map((r) => [r.external_id, r.id]),
    );
    const assign = (rep: string) =>
      nest.app.get(Transactions).run((tx) =>
        nest.app.get(OwnershipWriter).apply(tx, {
          workspaceId: ws,
          reason: 'manual',
          actor: 'test',
          changes: [{ customerId: id, toRepId: reps.get(rep)! }],
        }),
      );
    const owner = async () =>
      (
        await q<{ ext: string }>(
          `SELECT r.external_id AS ext FROM customers c JOIN reps r ON r.id = c.owner_rep_id WHERE c.id = $1`,
          [id],
        )
      )[0].ext;
    const setOwnership = (v: unknown) =>
      q(`UPDATE workspaces SET settings = jsonb_set(settings, '{fieldOwnership}', $2::jsonb) WHERE id = $1`, [
        ws,
        JSON.stringify(v),
      ]);

    await assign('R2');
    // default (callplan): a newer CRM version keeps R2 and lists the conflict
    expect(
      await sync.applyBatch(ws, 'crm', toSync([ev.customer('C1', t(2), { ownerRepExternalId: 'R1' })])),
    ).toMatchObject({ conflicts: 1 });
    expect(await owner()).toBe('R2');

    // newest: a CRM version older than the assignment (t(3) is in 2026-… but the assignment is now) loses…
    await setOwnership({ owner: 'newest' });
    await sync.applyBatch(ws, 'crm', toSync([ev.customer('C1', t(3), { ownerRepExternalId: 'R1' })]));
    expect(await owner()).toBe('R2');
    // …one newer than it wins
    const later = new Date(Date.now() + 120_000).toISOString(); // within the 5-minute clock skew a version may have
    await sync.applyBatch(ws, 'crm', toSync([ev.customer('C1', later, { ownerRepExternalId: 'R1' })]));
    expect(await owner()).toBe('R1');

    // crm: the CRM's newest always applies; the assignment it replaces is in the history
    await setOwnership({ owner: 'crm' });
    await assign('R2');
    const latest = new Date(Date.now() + 240_000).toISOString(); // newer than `later`, within the clock skew
    await sync.applyBatch(ws, 'crm', toSync([ev.customer('C1', latest, { ownerRepExternalId: 'R1' })]));
    expect(await owner()).toBe('R1');
    const [last] = await q<Record<string, unknown>>(
      `SELECT old_value, new_value, old_source, new_source FROM customer_field_history
       WHERE customer_id = $1 AND field = 'owner' ORDER BY id DESC LIMIT 1`,
      [id],
    );
    expect(last).toEqual({ old_value: 'R2', new_value: 'R1', old_source: 'callplan', new_source: 'crm' });
  });

  it("do-not-call: the CRM's is applied and lifted by the CRM; a rep's is never lifted by a sync (a conflict)", async () => {
    const ws = await workspace(['R1']);
    const sync = nest.app.get(RecordSyncService);
    const apply = (c: string, at: number, doNotCall: boolean | undefined) =>
      sync.applyBatch(
        ws,
        'crm',
        toSync([ev.customer(c, t(at), doNotCall === undefined ? {} : { doNotCall })]),
      );
    const dnc = (c: string) =>
      q<{ set_by: string }>(
        `SELECT x.set_by FROM contact_suppressions x JOIN customers c ON c.id = x.customer_id
         WHERE c.workspace_id = $1 AND c.external_id = $2 AND x.kind = 'do_not_call' ORDER BY x.set_by`,
        [ws, c],
      );

    // the CRM's flag: applied, kept by a version without the flag, lifted by the CRM's "false"
    await apply('C1', 1, true);
    expect(await dnc('C1')).toEqual([{ set_by: 'crm' }]);
    await apply('C1', 2, undefined);
    expect(await dnc('C1')).toEqual([{ set_by: 'crm' }]);
    await apply('C1', 3, true);
    expect(await dnc('C1')).toEqual([{ set_by: 'crm' }]);
    await apply('C1', 4, false);
    expect(await dnc('C1')).toEqual([]);

    // a rep's do-not-call: the CRM's "false" leaves it and is listed as a conflict
    await apply('C2', 1, undefined);
    const id = (await customerIds(ws)).get('C2')!;
    // as the worklist's do_not_call outcome writes it (no set_by: the column's default says Callplan)
    await q(
      `INSERT INTO contact_suppressions (workspace_id, customer_id, kind, reason, created_by)
       SELECT $1, $2, 'do_not_call', 'asked not to be called', id FROM reps WHERE workspace_id = $1 AND external_id = 'R1'`,
      [ws, id],
    );
    expect(await apply('C2', 2, false)).toMatchObject({ conflicts: 1 });
    expect(await dnc('C2')).toEqual([{ set_by: 'callplan' }]);
    // and a CRM "true" adds no second suppression
    await apply('C2', 3, true);
    expect(await dnc('C2')).toEqual([{ set_by: 'callplan' }]);
    const conflicts = await q(
      `SELECT field, crm_value, kept_value, kept_source FROM customer_field_conflicts WHERE customer_id = $1`,
      [id],
    );
    expect(conflicts).toEqual([
      { field: 'doNotCall', crm_value: 'false', kept_value: 'true', kept_source: 'callplan' },
    ]);
  });

  it('rejects invalid field ownership settings over PATCH (422, field paths) /v1/workspace', async () => {
    const ws = await workspace(['R1']);
    const { key } = await nest.app
      .get(ApiKeysService)
      .create({ workspaceId: ws, name: 'admin', role: 'admin' });
    const res = await fetch(`${nest.url}/v1/workspace`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ settings: { fieldOwnership: { owner: 'rep', name: 'callplan' } } }),
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { details: Array<{ path: string }> } };
    expect(JSON.stringify(body.error)).toContain('settings.fieldOwnership.owner');
    expect(JSON.stringify(body.error)).toContain('settings.fieldOwnership.name');
    const ok = await fetch(`${nest.url}/v1/workspace`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ settings: { fieldOwnership: { owner: 'newest' } } }),
    });
    expect(ok.status).toBe(200);
  });
});

function toSync(wire: Parameters<typeof parseEvent>[0][]): SyncEvent[] {
  return wire.map((w) => {
    const r = parseEvent(w);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    return r.event;
  });
}
