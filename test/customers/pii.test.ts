import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { PII_CIPHER } from '../../src/customers/pii/pii.tokens';
import { CsvImportService } from '../../src/ingest/csv/csv-import.service';
import { PiiCipher } from '../../src/customers/pii/pii';
import { ENCRYPTED_COLUMNS, PiiRotationService } from '../../src/customers/pii/pii-rotation.service';
import { RecordSyncService } from '../../src/ingest/sync/record-sync.service';
import { SyncEvent } from '../../src/ingest/sync/sync-events';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { createTestContext, testConfig } from '../support/test-app';
import { useTestApp } from '../support/use-test-app';

/** Personal data: masking by role, erasure that replays cannot undo, the audit trail, key rotation. */
describe('PII: masking, erasure, audit, key rotation (PostgreSQL, HTTP)', () => {
  const k1 = `v1:${randomBytes(32).toString('base64')}`;
  const k2 = `v2:${randomBytes(32).toString('base64')}`;
  const hashKey = randomBytes(32).toString('base64');
  const keysEnv = (keys: string) => ({ env: { PII_ENCRYPTION_KEYS: keys, PII_HASH_KEY: hashKey } });
  const dir = mkdtempSync(join(tmpdir(), 'callplan-pii-'));
  const file = (name: string, lines: string[]) => {
    const path = join(dir, name);
    writeFileSync(path, lines.join('\n') + '\n');
    return path;
  };
  const nest = useTestApp({ http: true, workers: false, ...keysEnv(k1) });
  let ws: string;
  const ids: Record<string, string> = {};
  const key: Record<string, string> = {};
  const repId: Record<string, string> = {};

  const customerFile = file('customers.csv', [
    'external_id,name,email,phone,country,owner_rep,created_at,personality',
    'c-1,Chen Jie,chen.jie@example.com,13800138000,CN,rep-1,2025-01-02,rational',
    'c-3,Nobody Owns,unowned@example.com,,CN,,2025-01-03,',
  ]);
  const interactionFile = file('interactions.csv', [
    'external_id,customer_external_id,occurred_at,kind,outcome,note',
    'i-1,c-1,2026-01-05T10:00:00Z,call,reached,"Chen Jie prefers calls after 6pm, wife is Li Na"',
  ]);
  const customerEvent = (updatedAt: string, name: string): SyncEvent => ({
    type: 'customer.upserted',
    data: {
      externalId: 'c-2',
      updatedAt,
      kind: 'business',
      name,
      email: 'buyer@acme.example.com',
      phone: '+8613900139000',
      region: 'East China',
      country: 'CN',
      industry: 'retail',
      size: null,
      sourceChannel: null,
      ownerRepExternalId: 'rep-3',
      createdAt: '2025-02-01T00:00:00Z',
      contacts: [
        {
          externalId: 'p-1',
          name: 'Zhou Min',
          title: 'Buyer',
          email: 'zhou.min@acme.example.com',
          phone: '+8613900139001',
          isPrimary: true,
        },
      ],
    },
  });

  beforeAll(async () => {
    ws = (await nest.app.get(WorkspacesService).ensure({ slug: 'pii' })).id;
    const importer = nest.app.get(CsvImportService);
    const imp = (kind: 'reps' | 'customers' | 'orders' | 'interactions', path: string) =>
      importer.import({ workspaceId: ws, kind, file: path });
    await imp(
      'reps',
      file('reps.csv', [
        'external_id,name,role,team,manager_external_id',
        'mgr-1,Wang Fang,manager,team-1,',
        'rep-1,Li Na,rep,team-1,mgr-1',
        'mgr-2,Zhang Wei,manager,team-2,',
        'rep-3,Liu Yang,rep,team-2,mgr-2',
      ]),
    );
    await imp('customers', customerFile);
    await imp(
      'orders',
      file('orders.csv', [
        'external_id,customer_external_id,placed_at,amount,currency,status',
        'o-1,c-1,2026-01-05T10:00:00Z,120.50,CNY,paid',
        'o-2,c-1,2026-02-05T10:00:00Z,80,CNY,paid',
      ]),
    );
    await imp('interactions', interactionFile);
    await nest.app
      .get(RecordSyncService)
      .applyBatch(ws, 'crm', [customerEvent('2026-01-01T00:00:00Z', 'Acme Ltd')]);
    for (const r of await nest.db.query(`SELECT id, external_id FROM customers WHERE workspace_id = $1`, [
      ws,
    ]))
      ids[r.external_id] = String(r.id);
    for (const r of await nest.db.query(`SELECT id, external_id FROM reps WHERE workspace_id = $1`, [ws]))
      repId[r.external_id] = r.id;
    const apiKeys = nest.app.get(ApiKeysService);
    const make = async (name: string, role: 'admin' | 'integration' | 'rep' | 'manager', rep?: string) =>
      (key[name] = (await apiKeys.create({ workspaceId: ws, name, role, repId: rep && repId[rep] })).key);
    await make('admin', 'admin');
    await make('integration', 'integration');
    await make('rep1', 'rep', 'rep-1');
    await make('rep3', 'rep', 'rep-3');
    await make('mgr1', 'manager', 'mgr-1');
    await make('mgr2', 'manager', 'mgr-2');
    // a finished scoring run with a score for c-1 (what GET /v1/customers/{id} shows beside the record)
    const [run] = await nest.db.query(
      `INSERT INTO score_runs (workspace_id, as_of, horizon_days, status) VALUES ($1, '2026-11-24', 365, 'completed')
       RETURNING id`,
      [ws],
    );
    await nest.db.query(
      `INSERT INTO customer_scores (run_id, customer_id, workspace_id, recency_days, frequency, monetary, r_score, f_score,
         m_score, rfm_segment, abc_class, value_tier, frequency_class, lifecycle, p_alive, clv, churn_risk, priority)
       VALUES ($1, $2, $3, 30, 2, 20050, 4, 3, 2, 'potential_loyalist', 'B', 'potential', 'low', 'active', 0.9, 50000,
         0.1, 0.7)`,
      [run.id, ids['c-1'], ws],
    );
    await nest.db.query(`UPDATE workspaces SET current_score_run_id = $2 WHERE id = $1`, [ws, run.id]);
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
  });

  const http = () => request(nest.app.getHttpServer());
  const get = (who: string, id: string) =>
    http().get(`/v1/customers/${id}`).set('authorization', `Bearer ${key[who]}`);
  const erase = (who: string, id: string) =>
    http().post(`/v1/customers/${id}/erase`).set('authorization', `Bearer ${key[who]}`);

  it('shows email and phone to the owner, their manager and admins, masks them for integrations', async () => {
    for (const who of ['admin', 'rep1', 'mgr1']) {
      const res = await get(who, ids['c-1']).expect(200);
      expect(res.body).toMatchObject({
        name: 'Chen Jie',
        email: 'chen.jie@example.com',
        phone: '+8613800138000',
        piiMasked: false,
        sourceIds: [{ source: 'crm', externalId: 'c-1' }],
        orders: { count: 2, paid: 2, paidRevenue: [{ currency: 'CNY', amountMinor: '20050' }] },
        interactions: { count: 1 },
        scores: {
          rfm: '432',
          abcClass: 'B',
          valueTier: 'potential',
          lifecycle: 'active',
          clv: '50000',
          priority: 0.7,
        },
      });
    }
    const masked = await get('integration', ids['c-1']).expect(200);
    expect(masked.body).toMatchObject({
      piiMasked: true,
      email: 'c*******@example.com',
      phone: '+86*******8000',
    });
    const contacts = await get('integration', ids['c-2']).expect(200);
    expect(contacts.body.contacts).toEqual([
      { name: 'Zhou Min', title: 'Buyer', email: 'z*******@acme.example.com', phone: '+86*******9001' },
    ]);
    // unowned: managers see it masked, reps not at all
    expect((await get('mgr1', ids['c-3']).expect(200)).body.email).toBe('u******@example.com');
    await get('rep1', ids['c-3']).expect(404);
  });

  it('answers 404 for customers out of scope, exactly as for missing ones', async () => {
    for (const [who, id] of [
      ['rep3', ids['c-1']],
      ['mgr2', ids['c-1']],
      ['rep1', ids['c-2']],
      ['admin', '999999999'],
      ['admin', 'abc'],
    ]) {
      const res = await get(who, id).expect(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it('erases personal data for admins and the owner team manager only, keeping what scoring needs', async () => {
    await erase('rep1', ids['c-1']).expect(403);
    await erase('integration', ids['c-1']).expect(403);
    await erase('mgr2', ids['c-1']).expect(404);
    await erase('mgr1', ids['c-3']).expect(403); // unowned: admins only
    const res = await erase('mgr1', ids['c-1']).expect(200);
    expect(res.body).toMatchObject({ customerId: ids['c-1'], erased: true, records: 1, interactionNotes: 1 });
    const again = await erase('admin', ids['c-1']).expect(200);
    expect(again.body).toMatchObject({ erased: false, erasedAt: res.body.erasedAt });
    expect((await erase('admin', ids['c-2']).expect(200)).body).toMatchObject({ contacts: 1 });

    const [c1] = await nest.db.query(
      `SELECT name, email_enc, email_hash, phone_enc, phone_hash, personality, erased_at, country FROM customers WHERE id = $1`,
      [ids['c-1']],
    );
    expect(c1).toMatchObject({
      name: null,
      email_enc: null,
      email_hash: null,
      phone_enc: null,
      phone_hash: null,
      personality: null,
      country: 'CN',
    });
    expect(c1.erased_at).toBeInstanceOf(Date);
    const view = await get('admin', ids['c-1']).expect(200);
    expect(view.body).toMatchObject({
      name: null,
      email: null,
      phone: null,
      erasedAt: expect.any(String),
      orders: { count: 2, paidRevenue: [{ currency: 'CNY', amountMinor: '20050' }] },
      interactions: { count: 1 },
      scores: { valueTier: 'potential', clv: '50000' },
    });
    const [{ notes }] = await nest.db.query(
      `SELECT count(*) FILTER (WHERE note IS NOT NULL)::int AS notes FROM interactions WHERE customer_id = $1`,
      [ids['c-1']],
    );
    expect(notes).toBe(0);
    const [dnc] = await nest.db.query(
      `SELECT kind, reason FROM contact_suppressions WHERE customer_id = $1`,
      [ids['c-1']],
    );
    expect(dnc).toEqual({ kind: 'do_not_call', reason: 'erased' });
  });

  it('does not bring erased data back when an import row or an event is replayed', async () => {
    await nest.app.get(CsvImportService).import({ workspaceId: ws, kind: 'customers', file: customerFile });
    await nest.app
      .get(CsvImportService)
      .import({ workspaceId: ws, kind: 'interactions', file: interactionFile });
    await nest.app.get(RecordSyncService).applyBatch(ws, 'crm', [
      customerEvent('2026-06-01T00:00:00Z', 'Acme Ltd (renamed)'),
      {
        type: 'interaction.created',
        data: {
          externalId: 'i-9',
          customerExternalId: 'c-1',
          occurredAt: '2026-03-01T00:00:00Z',
          updatedAt: '2026-03-01T00:00:00Z',
          kind: 'call',
          outcome: 'reached',
          score: null,
          note: 'Chen Jie again',
          repExternalId: null,
        },
      },
    ]);
    const rows = await nest.db.query(
      `SELECT external_id, name, email_enc, phone_enc, email_hash, personality FROM customers
       WHERE workspace_id = $1 AND external_id IN ('c-1', 'c-2') ORDER BY external_id`,
      [ws],
    );
    for (const r of rows)
      expect(r).toMatchObject({
        name: null,
        email_enc: null,
        phone_enc: null,
        email_hash: null,
        personality: null,
      });
    const [{ notes }] = await nest.db.query(
      `SELECT count(*) FILTER (WHERE note IS NOT NULL)::int AS notes FROM interactions WHERE customer_id = $1`,
      [ids['c-1']],
    );
    expect(notes).toBe(0);
    const [{ n }] = await nest.db.query(`SELECT count(*)::int AS n FROM contacts WHERE customer_id = $1`, [
      ids['c-2'],
    ]);
    expect(n).toBe(0);
  });

  it('audits erasures without personal data; managers read their team, admins everything, page by page', async () => {
    const admin = await http()
      .get('/v1/audit-log')
      .query({ action: 'customer.erased' })
      .set('authorization', `Bearer ${key.admin}`)
      .expect(200);
    expect(admin.body.items.map((e: { subject: string }) => e.subject)).toEqual([
      `customer:${ids['c-2']}`,
      `customer:${ids['c-1']}`,
    ]);
    expect(admin.body.items[1].actor).toBe(`rep:${repId['mgr-1']}`);
    const everything = JSON.stringify(
      await nest.db.query(`SELECT actor, action, subject, details FROM audit_log WHERE workspace_id = $1`, [
        ws,
      ]),
    );
    for (const secret of ['Chen', 'chen.jie', '13800138000', 'Zhou', 'Acme'])
      expect(everything).not.toContain(secret);

    const mgr1 = await http().get('/v1/audit-log').set('authorization', `Bearer ${key.mgr1}`).expect(200);
    expect(mgr1.body.items.map((e: { subject: string }) => e.subject)).toContain(`customer:${ids['c-1']}`);
    expect(mgr1.body.items.map((e: { subject: string }) => e.subject)).not.toContain(
      `customer:${ids['c-2']}`,
    );
    await http().get('/v1/audit-log').set('authorization', `Bearer ${key.rep1}`).expect(403);
    await http().get('/v1/audit-log').set('authorization', `Bearer ${key.integration}`).expect(403);

    const page1 = await http()
      .get('/v1/audit-log')
      .query({ limit: 1 })
      .set('authorization', `Bearer ${key.admin}`)
      .expect(200);
    expect(page1.body.items).toHaveLength(1);
    const page2 = await http()
      .get('/v1/audit-log')
      .query({ limit: 1, before: page1.body.nextBefore })
      .set('authorization', `Bearer ${key.admin}`)
      .expect(200);
    expect(Number(page2.body.items[0].id)).toBeLessThan(Number(page1.body.items[0].id));
    await http()
      .get('/v1/audit-log')
      .query({ limit: 100000 })
      .set('authorization', `Bearer ${key.admin}`)
      .expect(400);
  });

  it('rotates every ciphertext to the newest key in resumable batches; the old key can then go', async () => {
    const encryptedColumns: Array<{ t: string; c: string }> = await nest.db.query(
      `SELECT table_name AS t, column_name AS c FROM information_schema.columns
       WHERE table_schema = 'public' AND data_type = 'bytea' AND column_name LIKE '%\\_enc' ORDER BY 1, 2`,
    );
    expect(encryptedColumns).toEqual(
      ENCRYPTED_COLUMNS.flatMap((e) => e.columns.map((c) => ({ t: e.table, c }))).sort((a, b) =>
        a.t === b.t ? a.c.localeCompare(b.c) : a.t.localeCompare(b.t),
      ),
    );
    // more rows under v1, so that batches of 2 take several rounds
    await nest.app.get(CsvImportService).import({
      workspaceId: ws,
      kind: 'customers',
      file: file('more.csv', [
        'external_id,email,phone,country',
        ...[...Array(9).keys()].map((i) => `m-${i},m${i}@example.com,1380013900${i},CN`),
      ]),
    });
    const plainBefore = await decryptAll(nest.app);

    let rotating: INestApplicationContext | undefined;
    let onlyV2: INestApplicationContext | undefined;
    try {
      rotating = await createTestContext(testConfig(nest.databaseUrl, keysEnv(`${k2},${k1}`)), {
        workers: false,
      });
      const rotation = rotating.get(PiiRotationService);
      const dry = await rotation.rotate({ dryRun: true });
      // c-3's email and the 9 new emails and phones (c-1 and c-2 are erased)
      expect(dry.found.customers).toEqual({ v1: 19 });
      let batches = 0;
      await expect(
        rotation.rotate({
          batchSize: 2,
          onProgress: () => {
            if (++batches === 3) throw new Error('killed mid-run');
          },
        }),
      ).rejects.toThrow('killed mid-run');
      const resumed = await rotation.rotate({ batchSize: 2 });
      expect(resumed.rotated).toBeGreaterThan(0);
      expect(resumed.rotated).toBeLessThan(dry.found.customers.v1);
      expect((await rotation.rotate({ dryRun: true })).found).toEqual({});

      onlyV2 = await createTestContext(testConfig(nest.databaseUrl, keysEnv(k2)), { workers: false });
      expect(await decryptAll(onlyV2)).toEqual(plainBefore);
    } finally {
      await rotating?.close();
      await onlyV2?.close();
    }
  });

  /** Every ciphertext of every encrypted column, decrypted with the context's keys. */
  async function decryptAll(ctx: INestApplicationContext): Promise<string[]> {
    const pii = ctx.get<PiiCipher>(PII_CIPHER);
    const out: string[] = [];
    for (const t of ENCRYPTED_COLUMNS) {
      for (const c of t.columns) {
        const rows = await nest.db.query(
          `SELECT ${t.key}::text AS k, ${c} AS v FROM ${t.table} WHERE ${c} IS NOT NULL ORDER BY 1`,
        );
        for (const r of rows) out.push(`${t.table}.${c}.${r.k}=${pii.decrypt(r.v)}`);
      }
    }
    return out;
  }
});
