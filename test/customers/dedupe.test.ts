import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { PII_CIPHER } from '../../src/customers/pii/pii.tokens';
import { CsvImportService } from '../../src/ingest/csv/csv-import.service';
import { ImportKind } from '../../src/ingest/csv/csv-rows';
import { DedupeJobs } from '../../src/customers/dedupe/dedupe.jobs';
import { DedupeService } from '../../src/customers/dedupe/dedupe.service';
import { writeCrmCsvs } from '../../src/generator/crm-csv-writer';
import { iterateCrm } from '../../src/generator/crm-generator';
import { PiiCipher } from '../../src/customers/pii/pii';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';

/** One customer view on a generated CRM: the generator's injected near-duplicates are the ground truth. */
describe('duplicate detection and merges (PostgreSQL, HTTP)', () => {
  const GEN = { customers: 3000, seed: 5, asOf: new Date('2026-11-24T00:00:00Z') };
  const nest = useTestApp({ http: true });
  let ws: string;
  let dir: string;
  let keys: { admin: string; manager: string; rep: string };
  let managerTeamReps: string[];
  /** duplicate's external id → its original's */
  const truth = new Map<string, string>();

  /** A fingerprint of everything a merge moves: which customer each record belongs to. */
  const state = async () =>
    nest.db.query(
      `SELECT
         (SELECT md5(string_agg(id || ':' || coalesce(merged_into_id::text, '-'), ',' ORDER BY id)) FROM customers WHERE workspace_id = $1) AS customers,
         (SELECT md5(string_agg(id || ':' || customer_id, ',' ORDER BY id)) FROM orders WHERE workspace_id = $1) AS orders,
         (SELECT md5(string_agg(id || ':' || customer_id, ',' ORDER BY id)) FROM interactions WHERE workspace_id = $1) AS interactions,
         (SELECT count(*)::int FROM customers WHERE workspace_id = $1 AND merged_into_id IS NULL) AS live`,
      [ws],
    );
  let before: unknown;

  beforeAll(async () => {
    ws = (await nest.app.get(WorkspacesService).ensure({ slug: 'dedupe' })).id;
    dir = mkdtempSync(join(tmpdir(), 'callplan-dedupe-'));
    await writeCrmCsvs({ ...GEN, outDir: dir });
    for (const batch of iterateCrm(GEN)) {
      if (batch.type === 'customer' && batch.duplicateOf)
        truth.set(batch.customer.external_id, batch.duplicateOf);
    }
    const importer = nest.app.get(CsvImportService);
    for (const kind of ['reps', 'customers', 'orders', 'interactions'] as ImportKind[]) {
      await importer.import({ workspaceId: ws, kind, file: join(dir, `${kind}.csv`), dedupe: false });
    }
    before = await state();

    const reps: Array<{ id: string; external_id: string; role: string; team_id: string }> =
      await nest.db.query(
        `SELECT id, external_id, role, team_id FROM reps WHERE workspace_id = $1 ORDER BY external_id`,
        [ws],
      );
    const manager = reps.find((r) => r.role === 'manager') as (typeof reps)[number];
    const rep = reps.find((r) => r.role === 'rep' && r.team_id !== manager.team_id) as (typeof reps)[number];
    managerTeamReps = reps.filter((r) => r.team_id === manager.team_id).map((r) => r.id);
    const apiKeys = nest.app.get(ApiKeysService);
    keys = {
      admin: (await apiKeys.create({ workspaceId: ws, name: 'admin', role: 'admin' })).key,
      manager: (await apiKeys.create({ workspaceId: ws, name: 'mgr', role: 'manager', repId: manager.id }))
        .key,
      rep: (await apiKeys.create({ workspaceId: ws, name: 'rep', role: 'rep', repId: rep.id })).key,
    };
  }, 60_000);

  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const http = () => request(nest.app.getHttpServer());
  const allMerges = async (key: string) => {
    const items: Array<{
      id: string;
      winnerExternalId: string;
      loserExternalId: string;
      undoneAt: string | null;
    }> = [];
    let before: string | null = null;
    do {
      const page: request.Response = await http()
        .get('/v1/merges')
        .query({ limit: 25, ...(before ? { before } : {}) })
        .set('authorization', `Bearer ${key}`)
        .expect(200);
      items.push(...page.body.items);
      before = page.body.nextBefore;
    } while (before);
    return items;
  };

  it('merges exactly the injected duplicates into their original, and nothing else', async () => {
    expect(truth.size).toBeGreaterThan(30);
    const report = await nest.app.get(DedupeService).run(ws);
    expect(report).toMatchObject({ candidates: truth.size, merged: truth.size, blocked: 0, failed: 0 });
    const merges: Array<{ loser: string; winner: string; reason: string }> = await nest.db.query(
      `SELECT l.external_id AS loser, w.external_id AS winner, m.reason FROM customer_merges m
       JOIN customers l ON l.id = m.loser_id JOIN customers w ON w.id = m.winner_id WHERE m.workspace_id = $1`,
      [ws],
    );
    expect(new Map(merges.map((m) => [m.loser, m.winner]))).toEqual(truth);
    expect(new Set(merges.map((m) => m.reason))).toEqual(
      new Set(['same_email_and_phone', 'same_email', 'same_phone']),
    );
    // the duplicates' own orders now belong to the one customer; their source ids still resolve to it
    const [{ stray }] = await nest.db.query(
      `SELECT count(*)::int AS stray FROM orders o JOIN customers c ON c.id = o.customer_id
       WHERE o.workspace_id = $1 AND c.merged_into_id IS NOT NULL`,
      [ws],
    );
    expect(stray).toBe(0);
    expect((await state())[0].live).toBe((before as Array<{ live: number }>)[0].live - truth.size);
    expect(await nest.app.get(DedupeService).run(ws)).toMatchObject({ candidates: 0, merged: 0 });
  });

  it('lists merges to admins and, for their team, to managers; never to reps', async () => {
    await http().get('/v1/merges').set('authorization', `Bearer ${keys.rep}`).expect(403);
    await http().get('/v1/merges').expect(401);
    const all = await allMerges(keys.admin);
    expect(all.map((m) => m.loserExternalId).sort()).toEqual([...truth.keys()].sort());
    const mine = await allMerges(keys.manager);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.length).toBeLessThan(all.length);
    const owners: Array<{ id: string; owners: string[] }> = await nest.db.query(
      `SELECT m.id, ARRAY[w.owner_rep_id, l.owner_rep_id]::text[] AS owners FROM customer_merges m
       JOIN customers w ON w.id = m.winner_id JOIN customers l ON l.id = m.loser_id WHERE m.id = ANY ($1::uuid[])`,
      [mine.map((m) => m.id)],
    );
    for (const o of owners) expect(o.owners.some((r) => managerTeamReps.includes(r))).toBe(true);
    const foreign = all.find((m) => !mine.some((x) => x.id === m.id)) as { id: string };
    await http()
      .post(`/v1/merges/${foreign.id}/undo`)
      .set('authorization', `Bearer ${keys.manager}`)
      .expect(404);
  });

  it('undo restores the exact prior state, is audited, and dedupe never redoes an undone merge', async () => {
    const all = await allMerges(keys.admin);
    const [first] = all;
    const undone = await http()
      .post(`/v1/merges/${first.id}/undo`)
      .set('authorization', `Bearer ${keys.manager}`)
      .expect((r) => expect([200, 404]).toContain(r.status));
    for (const m of all) {
      if (undone.status === 200 && m.id === first.id) continue;
      await http().post(`/v1/merges/${m.id}/undo`).set('authorization', `Bearer ${keys.admin}`).expect(200);
    }
    await http()
      .post(`/v1/merges/${first.id}/undo`)
      .set('authorization', `Bearer ${keys.admin}`)
      .expect(409)
      .expect((r) => expect(r.body.error.code).toBe('merge_already_undone'));
    expect(await state()).toEqual(before);

    const audit = await http()
      .get('/v1/audit-log')
      .query({ action: 'customer.merge_undone', limit: 500 })
      .set('authorization', `Bearer ${keys.admin}`)
      .expect(200);
    expect(audit.body.items).toHaveLength(truth.size);
    expect(audit.body.items[0].actor).toMatch(/^(rep|key):/);

    expect(await nest.app.get(DedupeService).run(ws)).toMatchObject({ merged: 0, blocked: truth.size });
  });

  it('runs after each customer import, and as a crm-sync job', async () => {
    const [orig] = await nest.db.query(
      `SELECT c.external_id FROM customers c
       WHERE c.workspace_id = $1 AND c.merged_into_id IS NULL AND c.email_enc IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM customer_merges m WHERE m.winner_id = c.id OR m.loser_id = c.id)
       ORDER BY c.id LIMIT 1`,
      [ws],
    );
    const cipher = nest.app.get<PiiCipher>(PII_CIPHER);
    const [{ email_enc, name }] = await nest.db.query(
      `SELECT email_enc, name FROM customers WHERE workspace_id = $1 AND external_id = $2`,
      [ws, orig.external_id],
    );
    const email = cipher.decrypt(email_enc);
    const file = join(dir, 'late-duplicate.csv');
    // the same person: same email written differently, and the name corroborates it (another case and spacing)
    writeFileSync(
      file,
      `external_id,name,email,created_at\nlate-1," ${String(name).toUpperCase()} ","  ${email.toUpperCase()} ",2026-01-01\n` +
        // shares the email but not the name (a family address): proposed for review, never merged
        `late-1b,Someone Else,"${email}",2026-01-02\n`,
    );
    const report = await nest.app.get(CsvImportService).import({ workspaceId: ws, kind: 'customers', file });
    expect(report.dedupe).toMatchObject({ merged: 1, blocked: truth.size, proposed: 1 });
    const [late] = await nest.db.query(
      `SELECT w.external_id AS winner FROM customers c JOIN customers w ON w.id = c.merged_into_id
       WHERE c.workspace_id = $1 AND c.external_id = 'late-1'`,
      [ws],
    );
    expect(late.winner).toBe(orig.external_id);

    // the job: a record that arrived by another path (here: straight SQL) is merged by a queued run
    await nest.db.query(
      `INSERT INTO customers (workspace_id, external_id, kind, name, phone_hash, source_created_at)
       SELECT workspace_id, 'late-2', kind, name, phone_hash, now() FROM customers
       WHERE workspace_id = $1 AND phone_hash IS NOT NULL AND merged_into_id IS NULL
         AND NOT EXISTS (SELECT 1 FROM customer_merges m WHERE m.winner_id = customers.id OR m.loser_id = customers.id)
       ORDER BY id DESC LIMIT 1`,
      [ws],
    );
    await nest.app.get(DedupeJobs).enqueue(ws, 'test');
    const deadline = Date.now() + 20_000;
    let merged = false;
    while (!merged && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      const [row] = await nest.db.query(
        `SELECT merged_into_id FROM customers WHERE workspace_id = $1 AND external_id = 'late-2'`,
        [ws],
      );
      merged = row.merged_into_id !== null;
    }
    expect(merged).toBe(true);
  });
});
