import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { queueBackends } from '../support/test-db';
import { useTestApp } from '../support/use-test-app';

/** Bulk CSV import over HTTP: multipart upload → crm-sync job with progress → report and rejects download. */
describe.each(queueBackends())('POST /v1/imports (queues on $name)', ({ redisUrl }) => {
  const nest = useTestApp({ http: true, redis: redisUrl, env: { IMPORT_MAX_UPLOAD_BYTES: '4096' } });
  let keys: { admin: string; integration: string; rep: string };
  let ws: string;

  beforeAll(async () => {
    ws = (await nest.app.get(WorkspacesService).ensure({ slug: 'imports' })).id;
    const apiKeys = nest.app.get(ApiKeysService);
    keys = {
      admin: (await apiKeys.create({ workspaceId: ws, name: 'admin', role: 'admin' })).key,
      integration: (await apiKeys.create({ workspaceId: ws, name: 'crm', role: 'integration' })).key,
      rep: '',
    };
  });

  const http = () => request(nest.app.getHttpServer());
  const upload = (
    key: string,
    kind: string,
    name: string,
    csv: string | Buffer,
    fields: Record<string, string> = {},
  ) => {
    let req = http().post('/v1/imports').set('authorization', `Bearer ${key}`).field('kind', kind);
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    return req.attach('file', typeof csv === 'string' ? Buffer.from(csv) : csv, name);
  };
  const finished = async (id: string, key = keys.admin) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await http().get(`/v1/imports/${id}`).set('authorization', `Bearer ${key}`).expect(200);
      if (res.body.status === 'completed' || res.body.status === 'failed') return res.body;
      if (Date.now() > deadline) throw new Error(`import ${id} still ${res.body.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('imports through a job with progress, keeps every valid row and serves the rejected ones as CSV', async () => {
    const reps = await upload(
      keys.admin,
      'reps',
      'reps.csv',
      'external_id,name,role,team\nmgr-1,Wang Fang,manager,team-1\nrep-1,Li Na,rep,team-1\n',
    ).expect(202);
    expect(reps.body).toMatchObject({
      kind: 'reps',
      status: expect.stringMatching(/queued|running|completed/),
    });
    expect(await finished(reps.body.id)).toMatchObject({ status: 'completed', report: { inserted: 2 } });
    const [rep] = await nest.db.query(`SELECT id FROM reps WHERE external_id = 'rep-1'`);
    keys.rep = (
      await nest.app.get(ApiKeysService).create({ workspaceId: ws, name: 'r', role: 'rep', repId: rep.id })
    ).key;

    const customers = await upload(
      keys.integration,
      'customers',
      'customers.csv',
      'external_id,name,email,owner_rep\nc-1,Chen Jie,chen@example.com,rep-1\nc-2,Zhao Lei,zhao@example.com,rep-1\n',
    ).expect(202);
    expect(await finished(customers.body.id)).toMatchObject({
      status: 'completed',
      report: { inserted: 2, rejected: 0, dedupe: { merged: 0 } },
      rejectsUrl: null,
    });

    const orders = [
      'external_id,customer_external_id,placed_at,amount,currency,status',
      'o-1,c-1,2026-01-05T10:00:00Z,1234.50,CNY,paid',
      'o-2,c-1,2026-01-06T10:00:00Z,-5,CNY,paid',
      'o-3,c-404,2026-01-07T10:00:00Z,10,CNY,paid',
      'o-4,c-2,2026-01-08T10:00:00Z,10,XXX,paid',
      'o-5,c-2,2026-01-09T10:00:00Z,99.90,CNY,refunded',
    ].join('\n');
    const created = await upload(keys.admin, 'orders', 'orders.csv', orders).expect(202);
    const done = await finished(created.body.id);
    expect(done).toMatchObject({
      status: 'completed',
      fileName: 'orders.csv',
      sizeBytes: Buffer.byteLength(orders),
      // byte counts are integers, as the OpenAPI document says (they were strings from a bigint column)
      progress: {
        phase: 'done',
        percent: 100,
        rows: 5,
        bytesRead: Buffer.byteLength(orders),
        totalBytes: Buffer.byteLength(orders),
      },
      report: { rows: 5, valid: 2, rejected: 3, inserted: 2 },
      rejectsUrl: `/v1/imports/${created.body.id}/rejects`,
    });
    const rejects = await http()
      .get(done.rejectsUrl)
      .set('authorization', `Bearer ${keys.admin}`)
      .expect(200);
    expect(rejects.headers['content-type']).toContain('text/csv');
    const rows = parse(rejects.text, { columns: true }) as Array<Record<string, string>>;
    // a negative amount marked paid contradicts itself (a negative amount is a credit note): rejected at status
    expect(rows.map((r) => `${r.line} ${r.column}`).sort()).toEqual([
      '3 status',
      '4 customer_external_id',
      '5 currency',
    ]);
    const amounts = await nest.db.query(
      `SELECT external_id, amount_minor FROM orders WHERE workspace_id = $1 ORDER BY 1`,
      [ws],
    );
    expect(amounts).toEqual([
      { external_id: 'o-1', amount_minor: '123450' },
      { external_id: 'o-5', amount_minor: '9990' },
    ]);

    // the upload itself is gone once imported; re-importing the same file changes nothing
    const [{ pieces }] = await nest.db.query(
      `SELECT count(*)::int AS pieces FROM import_files WHERE import_id = $1 AND part = 'upload'`,
      [created.body.id],
    );
    expect(pieces).toBe(0);
    const again = await upload(keys.admin, 'orders', 'orders.csv', orders).expect(202);
    expect(await finished(again.body.id)).toMatchObject({
      report: { inserted: 0, updated: 0, unchanged: 2 },
    });

    const audit = await http()
      .get('/v1/audit-log')
      .query({ action: 'import.created' })
      .set('authorization', `Bearer ${keys.admin}`)
      .expect(200);
    expect(audit.body.items).toHaveLength(4);
  });

  it('maps foreign columns and reports a file that is not CSV as a failed import', async () => {
    const mapped = await upload(
      keys.admin,
      'customers',
      'foreign.csv',
      'CustomerNo,FullName\nx-1,Zhou Min\n',
      {
        map: 'external_id=CustomerNo,name=FullName',
        source: 'legacy',
      },
    ).expect(202);
    expect(await finished(mapped.body.id)).toMatchObject({
      status: 'completed',
      options: { source: 'legacy', map: { external_id: 'CustomerNo' } },
      report: { inserted: 1 },
    });
    const broken = await upload(
      keys.admin,
      'customers',
      'broken.csv',
      'external_id,name\n"y-1,unterminated\n',
    );
    expect(await finished(broken.body.id)).toMatchObject({
      status: 'failed',
      error: { code: 'malformed_csv', message: expect.stringContaining('broken.csv') },
    });
  });

  it('sourceVersionColumn names the version column as --source-version-column does; a missing one is a 422 naming the field', async () => {
    const csv = 'external_id,name,Last Modified\nv-1,Old Name,2026-01-02T00:00:00Z\n';
    const ok = await upload(keys.admin, 'customers', 'versions.csv', csv, {
      sourceVersionColumn: 'Last Modified',
    }).expect(202);
    expect(await finished(ok.body.id)).toMatchObject({
      status: 'completed',
      options: { map: { source_updated_at: 'Last Modified' } },
      report: { inserted: 1 },
    });
    const [row] = await nest.db.query(
      `SELECT source_updated_at FROM customers WHERE workspace_id = $1 AND external_id = 'v-1'`,
      [ws],
    );
    expect(row.source_updated_at.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    // an older row of a later file is skipped: the column was really read as the version
    const older = await upload(
      keys.admin,
      'customers',
      'older.csv',
      'external_id,name,Last Modified\nv-1,Older Name,2025-01-01T00:00:00Z\n',
      { sourceVersionColumn: 'Last Modified' },
    ).expect(202);
    expect(await finished(older.body.id)).toMatchObject({ status: 'completed', report: { older: 1 } });

    const typo = await upload(keys.admin, 'customers', 'typo.csv', csv, {
      sourceVersionColumn: 'Last Modfied',
    }).expect(422);
    expect(typo.body.error).toMatchObject({
      code: 'invalid_form_field',
      details: [{ field: 'sourceVersionColumn', column: 'Last Modfied', suggestion: 'Last Modified' }],
    });
    const notCustomers = await upload(keys.admin, 'orders', 'o.csv', csv, {
      sourceVersionColumn: 'Last Modified',
    }).expect(422);
    expect(notCustomers.body.error.details[0].field).toBe('sourceVersionColumn');
  });

  it('detects the encoding (or takes the form field), and fails a file with undecodable bytes naming where', async () => {
    const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'csv', name));
    const gb = await upload(keys.admin, 'customers', 'gb.csv', fixture('mixed.gb18030.csv'), {
      source: 'gb',
    }).expect(202);
    expect(await finished(gb.body.id)).toMatchObject({
      status: 'completed',
      report: { inserted: 3, rejected: 0, encoding: { name: 'gb18030', by: 'content' } },
    });
    const [{ name, region }] = await nest.db.query(
      `SELECT name, region FROM customers WHERE source = 'gb' AND external_id = 'enc-1'`,
    );
    expect({ name, region }).toEqual({ name: 'Café Müller', region: '北京' });
    const forced = await upload(keys.admin, 'customers', 'latin.csv', fixture('latin.windows1252.csv'), {
      source: 'latin',
      encoding: 'latin1',
    }).expect(202);
    expect(await finished(forced.body.id)).toMatchObject({
      status: 'completed',
      options: { encoding: 'windows-1252' },
      report: { inserted: 4, encoding: { name: 'windows-1252', by: 'option' } },
    });
    const damaged = await upload(keys.admin, 'customers', 'damaged.csv', fixture('damaged.utf8.csv')).expect(
      202,
    );
    expect(await finished(damaged.body.id)).toMatchObject({
      status: 'failed',
      error: { code: 'undecodable_csv', details: { line: 4, column: 10, encoding: 'utf-8' } },
    });
    const nul = await upload(keys.admin, 'customers', 'nul.csv', fixture('nul.csv'), {
      source: 'nul',
    }).expect(202);
    expect(await finished(nul.body.id)).toMatchObject({
      status: 'completed',
      report: { inserted: 2, rejected: 1 },
    });
    const bad = await upload(keys.admin, 'customers', 'c.csv', 'external_id\nz-1\n', {
      encoding: 'ebcdic',
      dateFormat: 'DD/MM',
    }).expect(400);
    expect(bad.body.error.details).toEqual([
      expect.stringMatching(/^encoding: one of utf-8/),
      expect.stringMatching(/^dateFormat: date format "DD\/MM" needs YYYY/),
    ]);
  });

  it('refuses wrong roles, missing files, bad fields and oversized uploads, leaving no file behind', async () => {
    await upload(keys.rep, 'customers', 'c.csv', 'external_id\nz-1\n').expect(403);
    await http().post('/v1/imports').field('kind', 'customers').expect(401);
    const noFile = await http()
      .post('/v1/imports')
      .set('authorization', `Bearer ${keys.admin}`)
      .field('kind', 'customers')
      .expect(400);
    expect(noFile.body.error.code).toBe('file_required');
    const badKind = await upload(keys.admin, 'robots', 'c.csv', 'external_id\nz-1\n').expect(400);
    expect(badKind.body.error).toMatchObject({
      code: 'validation_failed',
      details: [expect.stringMatching(/^kind/)],
    });
    const badMap = await upload(keys.admin, 'orders', 'c.csv', 'external_id\nz-1\n', {
      map: 'nope=X',
    }).expect(400);
    expect(badMap.body.error.details[0]).toContain('"nope" is not a orders column');
    const big = await upload(
      keys.admin,
      'customers',
      'big.csv',
      `external_id\n${'z-1\n'.repeat(2000)}`,
    ).expect(413);
    expect(big.body.error.code).toBe('payload_too_large');
    await http()
      .get('/v1/imports/00000000-0000-0000-0000-000000000000')
      .set('authorization', `Bearer ${keys.admin}`)
      .expect(404);
    expect(readdirSync(join(nest.config.dataDir, 'uploads'))).toEqual([]);
  });
});
