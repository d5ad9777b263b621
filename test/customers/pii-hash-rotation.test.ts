import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DedupeService } from '../../src/customers/dedupe/dedupe.service';
import { PiiCipher } from '../../src/customers/pii/pii';
import { PiiHashRotationService } from '../../src/customers/pii/pii-hash-rotation.service';
import { PII_CIPHER } from '../../src/customers/pii/pii.tokens';
import { CsvImportService } from '../../src/ingest/csv/csv-import.service';
import { RecordSyncService } from '../../src/ingest/sync/record-sync.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { createTestContext, testConfig } from '../support/test-app';
import { useTestDatabase } from '../support/use-test-app';

/**
 * PII_HASH_KEY rotation: the email/phone hashes (what dedupe and wrong-number marks compare) are re-keyed one
 * workspace per transaction while writers keep hashing each workspace with the key its hashes are under; a run that
 * dies mid-way resumes; comparisons work before, during and after.
 */
describe('PII_HASH_KEY rotation (PostgreSQL)', () => {
  const db = useTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'callplan-hash-rotation-'));
  const enc = `v1:${randomBytes(32).toString('base64')}`;
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const hmac = (key: Buffer, v: string) => createHmac('sha256', key).update(v).digest();
  let app: INestApplicationContext | undefined;
  let n = 0;

  const start = async (env: Record<string, string>) => {
    await app?.close();
    app = await createTestContext(testConfig(db.url, { env: { PII_ENCRYPTION_KEYS: enc, ...env } }), {
      workers: false,
    });
    return app;
  };
  // closed before the suite's database is dropped
  beforeAll(() =>
    db.cleanup(async () => {
      await app?.close();
      rmSync(dir, { recursive: true, force: true });
    }),
  );

  const importCustomers = async (a: INestApplicationContext, ws: string, rows: string[]) => {
    const file = join(dir, `c${++n}.csv`);
    writeFileSync(file, ['external_id,name,email,phone', ...rows].join('\n'));
    await a.get(CsvImportService).import({ workspaceId: ws, kind: 'customers', file, dedupe: false });
  };
  /** every stored hash of the workspace checked against the plaintext it hashes, under `key` */
  const hashesUnder = async (a: INestApplicationContext, ws: string, key: Buffer) => {
    const pii = a.get<PiiCipher>(PII_CIPHER);
    const rows: Array<{ e: Buffer | null; eh: Buffer | null; p: Buffer | null; ph: Buffer | null }> = await a
      .get(DataSource)
      .query(
        `SELECT email_enc AS e, email_hash AS eh, phone_enc AS p, phone_hash AS ph FROM customers WHERE workspace_id = $1
         UNION ALL
         SELECT email_enc, email_hash, phone_enc, phone_hash FROM contacts WHERE workspace_id = $1`,
        [ws],
      );
    return rows.every(
      (r) =>
        (r.e === null || hmac(key, pii.decrypt(r.e)).equals(r.eh!)) &&
        (r.p === null || hmac(key, pii.decrypt(r.p)).equals(r.ph!)),
    );
  };
  const merges = async (a: INestApplicationContext, ws: string) => {
    await a.get(DedupeService).run(ws);
    const [{ n: count }] = await a
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM customer_merges WHERE workspace_id = $1 AND undone_at IS NULL`, [
        ws,
      ]);
    return count as number;
  };
  /** wrong-number marks that still match their customer's phone (what the worklist compares) */
  const matchingMarks = async (a: INestApplicationContext, ws: string) => {
    const [{ n: count }] = await a.get(DataSource).query(
      `SELECT count(*)::int AS n FROM contact_suppressions s JOIN customers c ON c.id = s.customer_id
       WHERE s.workspace_id = $1 AND s.kind = 'wrong_number' AND s.phone_hash = c.phone_hash`,
      [ws],
    );
    return count as number;
  };

  it('re-keys per workspace, resumes after a crash, and dedupe and wrong-number marks work throughout', async () => {
    // --- before: everything under K1
    let a = await start({ PII_HASH_KEY: k1.toString('base64') });
    const wsA = (await a.get(WorkspacesService).ensure({ slug: 'hash-a' })).id;
    const wsB = (await a.get(WorkspacesService).ensure({ slug: 'hash-b' })).id;
    await importCustomers(a, wsA, [
      'a1,Li Na,li.na@example.cn,13800138001',
      'a2,Wang Qiang,wq@example.cn,13800138002',
    ]);
    await importCustomers(a, wsB, [
      'b1,Zhao Lei,zl@example.cn,13800138011',
      'b2,Chen Jie,cj@example.cn,13800138012',
    ]);
    await a.get(RecordSyncService).applyBatch(wsA, 'crm', [
      {
        type: 'customer.upserted',
        data: {
          externalId: 'a3',
          updatedAt: '2026-01-01T00:00:00.000Z',
          kind: 'business',
          name: 'Acme',
          email: null,
          phone: null,
          region: null,
          country: null,
          industry: null,
          size: null,
          sourceChannel: null,
          ownerRepExternalId: null,
          doNotCall: undefined,
          createdAt: null,
          contacts: [
            {
              externalId: 'p1',
              name: 'Li Wei',
              title: null,
              email: 'li.wei@acme.cn',
              phone: '+8613900139000',
              isPrimary: true,
            },
          ],
        },
      },
    ]);
    const sql = a.get(DataSource);
    // a wrong-number mark of a1's phone, and one of a number a2 no longer has
    await sql.query(
      `INSERT INTO contact_suppressions (workspace_id, customer_id, kind, phone_hash)
       SELECT workspace_id, id, 'wrong_number', phone_hash FROM customers WHERE workspace_id = $1 AND external_id = 'a1'
       UNION ALL SELECT workspace_id, id, 'wrong_number', $2 FROM customers WHERE workspace_id = $1 AND external_id = 'a2'`,
      [wsA, hmac(k1, '+8613700137000')],
    );
    expect(await hashesUnder(a, wsA, k1)).toBe(true);

    // --- during: PII_HASH_KEY = K2, PII_HASH_KEY_PREVIOUS = K1
    a = await start({ PII_HASH_KEY: k2.toString('base64'), PII_HASH_KEY_PREVIOUS: k1.toString('base64') });
    // a writer before the workspace is re-keyed keeps hashing with K1, so the duplicate is found
    await importCustomers(a, wsA, ['a1-dup,LI NA,Li.Na@Example.cn,']);
    expect(await hashesUnder(a, wsA, k1)).toBe(true);
    expect(await merges(a, wsA)).toBe(1);

    // the run dies inside the second workspace: the first is done, the second rolled back whole
    const rotation = a.get(PiiHashRotationService);
    await expect(
      rotation.rotate({
        batchSize: 1,
        hooks: {
          afterBatch: ({ workspaceId }) => {
            if (workspaceId === wsB) throw new Error('killed mid-workspace');
          },
        },
      }),
    ).rejects.toThrow('killed mid-workspace');
    expect(await hashesUnder(a, wsA, k2)).toBe(true);
    expect(await hashesUnder(a, wsB, k1)).toBe(true);
    expect(await matchingMarks(a, wsA)).toBe(1); // a1's mark was re-keyed with a1's phone
    // writers follow each workspace's key; dedupe finds duplicates in both
    await importCustomers(a, wsA, ['a2-dup,wang qiang,,138 0013 8002']);
    await importCustomers(a, wsB, ['b1-dup,Zhao Lei,ZL@example.cn,']);
    expect(await hashesUnder(a, wsA, k2)).toBe(true);
    expect(await hashesUnder(a, wsB, k1)).toBe(true);
    expect(await merges(a, wsA)).toBe(2);
    expect(await merges(a, wsB)).toBe(1);

    // the next run resumes with what is left
    const resumed = await rotation.rotate({ batchSize: 2 });
    expect(resumed).toMatchObject({ workspaces: 1, rekeyed: 1 });
    expect(await hashesUnder(a, wsB, k2)).toBe(true);
    expect(await rotation.rotate()).toMatchObject({ workspaces: 0, rekeyed: 0 });

    // --- after: PII_HASH_KEY = K2 alone
    a = await start({ PII_HASH_KEY: k2.toString('base64') });
    expect(await a.get(PiiHashRotationService).rotate()).toMatchObject({ workspaces: 0 });
    await importCustomers(a, wsB, ['b2-dup,chen jie,,13800138012']);
    expect(await hashesUnder(a, wsB, k2)).toBe(true);
    expect(await merges(a, wsB)).toBe(2);
    expect(await matchingMarks(a, wsA)).toBe(1);
    const [kept] = await a.get(DataSource).query(
      `SELECT s.phone_hash FROM contact_suppressions s JOIN customers c ON c.id = s.customer_id
       WHERE s.workspace_id = $1 AND c.external_id = 'a2'`,
      [wsA],
    );
    expect(kept.phone_hash.equals(hmac(k1, '+8613700137000'))).toBe(true); // nothing holds that number to re-key it
  }, 120_000);

  it('refuses to run when a workspace is marked with another key and no previous key is set', async () => {
    const a = await start({ PII_HASH_KEY: randomBytes(32).toString('base64') });
    await a.get(WorkspacesService).ensure({ slug: 'hash-c' });
    // hash-a and hash-b carry K2's fingerprint from the test before: their hashes are not under this key
    await expect(a.get(PiiHashRotationService).rotate({ dryRun: true })).rejects.toMatchObject({
      code: 'no_previous_hash_key',
    });
  });
});
