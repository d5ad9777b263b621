import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Client } from 'pg';
import { CsvImportService } from '../../src/ingest/csv/csv-import.service';
import { PII_CIPHER } from '../../src/customers/pii/pii.tokens';
import { PiiCipher } from '../../src/customers/pii/pii';
import { refreshCustomerSummaries } from '../../src/scoring/customer-summaries';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';

describe('CSV import (PostgreSQL, COPY + merge)', () => {
  const nest = useTestApp({ workers: false });
  let importer: CsvImportService;
  let workspaceId: string;
  const dir = mkdtempSync(join(tmpdir(), 'callplan-import-'));
  /** The reject file as `line severity column: reason` strings, easy to compare. */
  const rejectLines = (path: string) =>
    (parse(readFileSync(path, 'utf8'), { columns: true }) as Array<Record<string, string>>).map(
      (r) => `${r.line} ${r.severity} ${r.column}: ${r.reason}`,
    );
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    importer = nest.app.get(CsvImportService);
    workspaceId = (await nest.app.get(WorkspacesService).ensure({ slug: 'import-test' })).id;
    await importer.import({
      workspaceId,
      kind: 'reps',
      file: file(
        'reps.csv',
        'external_id,name,role,team,manager_external_id,daily_capacity,locale\nmgr-1,Wang Fang,manager,team-1,,0,zh-CN\nrep-1,Li Na,rep,team-1,mgr-1,20,zh-CN\n',
      ),
    });
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every valid row, rejects the bad ones with line, column and reason, and encrypts PII', async () => {
    const customers = file(
      'customers.csv',
      [
        'external_id,name,kind,email,phone,region,country,industry,owner_rep,created_at',
        'c-1,Chen Jie,individual, Chen.Jie@Example.com ,+86 138-0013-8000,East China,CN,retail,rep-1,2025-01-02T03:04:05Z',
        'c-2,Acme Ltd,business,buyer@acme.example,13900139000,North China,CN,tech,rep-1,2025-02-01',
        'c-3,Bad Kind,robot,,,,CN,,rep-1,2025-02-01',
        'c-4,Bad Date,individual,,,,CN,,rep-1,2025-02-30',
        'c-5,Unknown Owner,individual,,,,CN,,rep-99,2025-02-01',
        'c-6,No Email,individual,not-an-email,,,CN,,rep-1,',
      ].join('\n'),
    );
    const report = await importer.import({ workspaceId, kind: 'customers', file: customers });
    expect(report).toMatchObject({ rows: 6, rejected: 2, inserted: 4, updated: 0 });
    expect(rejectLines(report.rejectFile as string).sort()).toEqual([
      '4 rejected kind: must be one of individual, business (got "robot")',
      '5 rejected created_at: "2025-02-30" is not a real date or time',
      '6 warning owner_rep: unknown rep "rep-99"; customer kept without an owner',
      '7 warning email: "not-an-email" is not an email address; stored without email',
    ]);

    const rows = await nest.db.query(
      `SELECT external_id, email_enc, email_hash, phone_enc, owner_rep_id IS NOT NULL AS owned FROM customers
       WHERE workspace_id = $1 ORDER BY external_id`,
      [workspaceId],
    );
    expect(rows.map((r: { external_id: string }) => r.external_id)).toEqual(['c-1', 'c-2', 'c-5', 'c-6']);
    const pii = nest.app.get<PiiCipher>(PII_CIPHER);
    expect(pii.decrypt(rows[0].email_enc)).toBe('chen.jie@example.com');
    expect(pii.decrypt(rows[0].phone_enc)).toBe('+8613800138000');
    expect(rows[0].email_hash.equals(pii.hash('chen.jie@example.com'))).toBe(true);
    expect(rows[0].email_enc.toString('latin1')).not.toContain('chen.jie');
    expect(rows[2].owned).toBe(false);
    expect(rows[3].email_enc).toBeNull();
  });

  it('re-importing the same file changes nothing', async () => {
    const path = join(dir, 'customers.csv');
    const before = await nest.db.query(
      `SELECT id, updated_at FROM customers WHERE workspace_id = $1 ORDER BY id`,
      [workspaceId],
    );
    const report = await importer.import({ workspaceId, kind: 'customers', file: path });
    expect(report).toMatchObject({ inserted: 0, updated: 0, unchanged: 4 });
    const after = await nest.db.query(
      `SELECT id, updated_at FROM customers WHERE workspace_id = $1 ORDER BY id`,
      [workspaceId],
    );
    expect(after).toEqual(before);
  });

  it('imports orders in minor units, rejects bad amounts and unknown customers, and can create placeholders', async () => {
    const orders = file(
      'orders.csv',
      [
        'external_id,customer_external_id,placed_at,amount,currency,status',
        'o-1,c-1,2026-01-05T10:00:00Z,1234.50,CNY,paid',
        'o-2,c-1,2026-01-05T15:00:00Z,10,CNY,refunded',
        'o-3,c-2,2026-02-01T10:00:00Z,-5,CNY,paid',
        'o-4,c-2,2026-02-01T10:00:00Z,12.345,CNY,paid',
        'o-5,c-2,2026-02-01T10:00:00Z,99,XXX,paid',
        'o-6,c-404,2026-02-01T10:00:00Z,99,CNY,paid',
        'o-7,c-2,2026-02-01T10:00:00Z,1000,JPY,paid',
        'o-8,c-2,2099-02-01T10:00:00Z,10,CNY,paid',
      ].join('\n'),
    );
    const report = await importer.import({ workspaceId, kind: 'orders', file: orders });
    // o-7 (JPY in a CNY workspace without rates) used to be kept and then ignored by scoring: now it is rejected
    expect(report).toMatchObject({ rows: 8, rejected: 6, inserted: 2 });
    expect(rejectLines(report.rejectFile as string).sort()).toEqual([
      '4 rejected status: is paid, but the amount is negative (a negative amount is a refund or cancellation: status refunded or cancelled)',
      '5 rejected amount: "12.345" is not a decimal amount with at most 2 decimals',
      '6 rejected currency: unknown currency "XXX"',
      '7 rejected customer_external_id: unknown customer "c-404" (import customers first, or use --create-missing-customers)',
      '8 rejected currency: JPY is not the workspace currency (CNY) and the workspace has no JPY rate: scoring counts CNY amounts only (load rates with "callplan currency rates load <csv>", or convert the file)',
      '9 rejected placed_at: "2099-02-01T10:00:00Z" is in the future',
    ]);
    const amounts = await nest.db.query(
      `SELECT external_id, amount_minor, currency, status FROM orders WHERE workspace_id = $1 ORDER BY external_id`,
      [workspaceId],
    );
    expect(amounts).toEqual([
      { external_id: 'o-1', amount_minor: '123450', currency: 'CNY', status: 'paid' },
      { external_id: 'o-2', amount_minor: '1000', currency: 'CNY', status: 'refunded' },
    ]);

    // The rejected unknown-customer row replayed with --create-missing-customers is kept.
    const replay = await importer.import({
      workspaceId,
      kind: 'orders',
      file: orders,
      createMissingCustomers: true,
    });
    expect(replay.rejected).toBe(5);
    const [placeholder] = await nest.db.query(
      `SELECT name FROM customers WHERE workspace_id = $1 AND external_id = 'c-404'`,
      [workspaceId],
    );
    expect(placeholder).toEqual({ name: null });
  });

  it('imports refunds booked as rows of their own (reversal, reverses) and updates them on re-import', async () => {
    const text = (rows: string[]) =>
      ['external_id,customer_external_id,placed_at,amount,currency,status,reversal,reverses', ...rows].join(
        '\n',
      );
    const first = file(
      'reversals.csv',
      text([
        'rv-1,c-1,2026-01-06T10:00:00Z,50,CNY,,,',
        'rv-2,c-1,2026-01-07T10:00:00Z,20,CNY,,,rv-1',
        'rv-3,c-1,2026-01-08T10:00:00Z,5,CNY,cancelled,true,',
        'rv-4,c-1,2026-01-08T10:00:00Z,5,CNY,paid,true,',
      ]),
    );
    const report = await importer.import({ workspaceId, kind: 'orders', file: first });
    expect(report).toMatchObject({ rows: 4, rejected: 1, inserted: 3 });
    expect(rejectLines(report.rejectFile as string)).toEqual([
      '5 rejected status: a reversal is refunded or cancelled, not paid',
    ]);
    const stored = () =>
      nest.db.query(
        `SELECT external_id, status, reversal, reverses_external_id FROM orders
         WHERE workspace_id = $1 AND external_id LIKE 'rv-%' ORDER BY external_id`,
        [workspaceId],
      );
    expect(await stored()).toEqual([
      { external_id: 'rv-1', status: 'paid', reversal: false, reverses_external_id: null },
      { external_id: 'rv-2', status: 'refunded', reversal: true, reverses_external_id: 'rv-1' },
      { external_id: 'rv-3', status: 'cancelled', reversal: true, reverses_external_id: null },
    ]);
    const again = await importer.import({
      workspaceId,
      kind: 'orders',
      file: file('reversals-2.csv', text(['rv-3,c-1,2026-01-08T10:00:00Z,5,CNY,cancelled,true,rv-1'])),
    });
    expect(again).toMatchObject({ rows: 1, rejected: 0, updated: 1 });
    expect((await stored())[2]).toEqual({
      external_id: 'rv-3',
      status: 'cancelled',
      reversal: true,
      reverses_external_id: 'rv-1',
    });
  });

  it('nets credit notes booked with a negative amount against their orders in the customer summaries', async () => {
    // a UK wholesaler's invoices: a credit note is a `C…` invoice with a negative amount, mostly naming no invoice
    const ws = (
      await nest.app.get(WorkspacesService).ensure({
        slug: 'import-credit-notes',
        currency: 'GBP',
        timezone: 'Europe/London',
      })
    ).id;
    await importer.import({
      workspaceId: ws,
      kind: 'customers',
      file: file(
        'credit-customers.csv',
        'external_id,name\n16446,Cancelled at once\n12346,Refunded in full\n17850,Refunded in part\n',
      ),
    });
    const report = await importer.import({
      workspaceId: ws,
      kind: 'orders',
      file: file(
        'credit-orders.csv',
        [
          'external_id,customer_external_id,placed_at,amount,currency,reverses',
          // £168,469.60 cancelled 12 minutes later: only the £2.90 order of another day is left
          '553573,16446,2026-01-08T09:15:00Z,2.90,GBP,',
          '581483,16446,2026-01-09T09:15:00Z,168469.60,GBP,',
          'C581484,16446,2026-01-09T09:27:00Z,-168469.60,GBP,',
          // the only order, refunded in full by a credit note naming it: no purchase at all
          '541431,12346,2026-01-18T10:01:00Z,77183.60,GBP,',
          'C541433,12346,2026-01-18T10:17:00Z,-77183.60,GBP,541431',
          // a partial refund: both days stay purchases, the spend is net
          '536365,17850,2026-01-01T08:26:00Z,139.12,GBP,',
          '536366,17850,2026-01-02T08:28:00Z,22.20,GBP,',
          'C536379,17850,2026-01-03T09:41:00Z,-27.50,GBP,536365',
        ].join('\n'),
      ),
    });
    expect(report).toMatchObject({ rows: 8, rejected: 0, inserted: 8 });
    expect(report.notices).toContain(
      '3 order(s) with a negative amount read as refunds or cancellations of |amount| (reversals, netted against the orders they reverse)',
    );
    const sql = new Client({ connectionString: nest.databaseUrl });
    await sql.connect();
    try {
      await refreshCustomerSummaries(sql, {
        workspaceId: ws,
        timezone: 'Europe/London',
        currency: 'GBP',
        cutoff: '2026-02-01T00:00:00Z',
      });
      const { rows } = await sql.query(
        `SELECT c.external_id, s.transactions, s.first_day::text, s.last_day::text, s.monetary::text AS spend,
                s.orders_placed, s.orders_undone
         FROM customer_summaries s JOIN customers c ON c.id = s.customer_id WHERE s.workspace_id = $1 ORDER BY 1`,
        [ws],
      );
      expect(rows).toEqual([
        {
          external_id: '12346',
          transactions: 0,
          first_day: null,
          last_day: null,
          spend: '0',
          orders_placed: 1,
          orders_undone: 1,
        },
        {
          external_id: '16446',
          transactions: 1,
          first_day: '2026-01-08',
          last_day: '2026-01-08',
          spend: '290',
          orders_placed: 2,
          orders_undone: 1,
        },
        {
          external_id: '17850',
          transactions: 2,
          first_day: '2026-01-01',
          last_day: '2026-01-02',
          spend: String(13912 + 2220 - 2750),
          orders_placed: 2,
          orders_undone: 0,
        },
      ]);
    } finally {
      await sql.end();
    }
  });

  it('maps foreign column names with --map and reports a missing required column clearly', async () => {
    const foreign = file('foreign.csv', 'CustomerNo,FullName,Mail\nx-1,Zhao Lei,zhao@example.com\n');
    const report = await importer.import({
      workspaceId,
      kind: 'customers',
      file: foreign,
      map: { external_id: 'CustomerNo', name: 'FullName', email: 'Mail' },
    });
    expect(report).toMatchObject({ inserted: 1, rejected: 0 });
    await expect(importer.import({ workspaceId, kind: 'customers', file: foreign })).rejects.toMatchObject({
      code: 'invalid_csv_header',
      message: expect.stringContaining('missing required column(s): external_id'),
    });
  });

  it('rejects a malformed CSV without importing part of it', async () => {
    const broken = file('broken.csv', 'external_id,name\n"y-1,unterminated\n');
    await expect(importer.import({ workspaceId, kind: 'customers', file: broken })).rejects.toMatchObject({
      code: 'malformed_csv',
    });
    const [{ n }] = await nest.db.query(
      `SELECT count(*)::int AS n FROM customers WHERE external_id LIKE 'y-%'`,
    );
    expect(n).toBe(0);
  });

  it('keeps the last line of an id given twice, reads multi-line fields, and reports where each row starts', async () => {
    const interactions = file(
      'interactions.csv',
      [
        'external_id,customer_external_id,occurred_at,kind,outcome,score,note',
        'i-2,c-1,2026-01-05T10:00:00Z,call,reached,,"first line',
        'second line, with a comma and a ""quote"""',
        'i-1,c-1,2026-01-06T10:00:00Z,survey,responded,11,out of range',
        'i-1,c-1,2026-01-06T10:00:00Z,survey,responded,9,kept: the last line of i-1',
        'i-3,c-2,2026-01-07T10:00:00Z,visit,,,',
        'i-3,c-2,2026-01-07T10:00:00Z,visit,completed,,the last line of i-3 wins',
      ].join('\r\n'),
    );
    const report = await importer.import({ workspaceId, kind: 'interactions', file: interactions });
    expect(report).toMatchObject({ rows: 5, valid: 4, rejected: 1, inserted: 3, unchanged: 1 });
    expect(rejectLines(report.rejectFile as string)).toEqual([
      '4 rejected score: must be an integer from 0 to 10',
    ]);
    const rows = await nest.db.query(
      `SELECT external_id, score, outcome, note FROM interactions WHERE workspace_id = $1 ORDER BY external_id`,
      [workspaceId],
    );
    expect(rows).toEqual([
      { external_id: 'i-1', score: 9, outcome: 'responded', note: 'kept: the last line of i-1' },
      {
        external_id: 'i-2',
        score: null,
        outcome: 'reached',
        note: 'first line\r\nsecond line, with a comma and a "quote"',
      },
      { external_id: 'i-3', score: null, outcome: 'completed', note: 'the last line of i-3 wins' },
    ]);
  });

  it('reports every row of an unknown customer, however many, and still keeps the others', async () => {
    const lines = ['external_id,customer_external_id,placed_at,amount,currency'];
    for (let i = 0; i < 12_000; i++)
      lines.push(`z-${String(i).padStart(5, '0')},ghost-${i % 7},2026-01-05,1,CNY`);
    lines.push('z-99999,c-2,2026-01-05,1,CNY');
    const report = await importer.import({
      workspaceId,
      kind: 'orders',
      file: file('ghosts.csv', lines.join('\n')),
    });
    expect(report).toMatchObject({ rows: 12_001, valid: 1, rejected: 12_000, inserted: 1 });
    const rejected = rejectLines(report.rejectFile as string);
    expect(rejected).toHaveLength(12_000);
    expect(rejected[11_999]).toMatch(/^12001 rejected customer_external_id: unknown customer "ghost-1"/);
  });

  it('gives the same result chunk by chunk as in one piece, duplicates and unknown customers included', async () => {
    const lines = ['external_id,customer_external_id,placed_at,amount,currency,status'];
    for (let i = 0; i < 1500; i++) {
      const customer = i % 97 === 0 ? `nobody-${i}` : i % 2 ? 'c-1' : 'c-2';
      lines.push(`k-${String(i).padStart(5, '0')},${customer},2026-01-05T10:00:00Z,${i}.5,CNY,paid`);
    }
    // ids that go back: the same order again later in the file (the last line wins), in another chunk
    lines.push(
      'k-00010,c-2,2026-01-06T10:00:00Z,999,CNY,refunded',
      'k-00003,c-1,2026-01-06T10:00:00Z,1,CNY,paid',
    );
    const path = file('chunks.csv', lines.join('\n'));
    const chunked = (await nest.app.get(WorkspacesService).ensure({ slug: 'import-chunks' })).id;
    const whole = (await nest.app.get(WorkspacesService).ensure({ slug: 'import-whole' })).id;
    const customers = file('chunk-customers.csv', 'external_id\nc-1\nc-2\n');
    for (const ws of [chunked, whole])
      await importer.import({ workspaceId: ws, kind: 'customers', file: customers });
    const a = await importer.import({ workspaceId: chunked, kind: 'orders', file: path, chunkChars: 2000 });
    const b = await importer.import({ workspaceId: whole, kind: 'orders', file: path });
    expect(a).toMatchObject({ rows: 1502, rejected: 16, valid: 1486 });
    expect(b).toMatchObject({ rows: 1502, rejected: 16, valid: 1486, inserted: 1484 });
    expect(a.inserted + a.updated).toBeGreaterThanOrEqual(1484);
    expect(rejectLines(a.rejectFile as string)).toEqual(rejectLines(b.rejectFile as string));
    const state = (ws: string) =>
      nest.db.query(
        `SELECT o.external_id, c.external_id AS customer, o.placed_at, o.amount_minor, o.status
         FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.workspace_id = $1 ORDER BY 1`,
        [ws],
      );
    const [sa, sb] = [await state(chunked), await state(whole)];
    expect(sa).toHaveLength(1484);
    expect(sa).toEqual(sb);
    expect(sa.find((o: { external_id: string }) => o.external_id === 'k-00010')).toMatchObject({
      amount_minor: '99900',
      status: 'refunded',
    });
  });
});
