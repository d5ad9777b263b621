import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { CsvImportService, ImportOptions, ImportReport } from '../../src/ingest/csv/csv-import.service';
import { ImportPath } from '../../src/ingest/csv/import-path';
import { refreshCustomerSummaries } from '../../src/scoring/customer-summaries';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';

/**
 * The bulk path (whole file staged, one anti-join, one INSERT … SELECT) against the incremental one (chunk by
 * chunk): the same files into two workspaces, one per path, and everything they leave compared row for row —
 * orders, customers (placeholders included), the customer-summary change log and the summaries refreshed from
 * it, the reject files byte for byte. Tiny chunks, so that both paths see several chunks and duplicates cross
 * chunk boundaries. All instants fixed: nothing depends on today.
 */
const CUTOFF = '2026-03-01T00:00:00+08:00';

describe('CSV import: bulk and incremental paths leave the same state', () => {
  const nest = useTestApp({ workers: false });
  let importer: CsvImportService;
  let sql: Client;
  const dir = mkdtempSync(join(tmpdir(), 'callplan-bulk-import-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    importer = nest.app.get(CsvImportService);
    sql = new Client({ connectionString: nest.databaseUrl });
    await sql.connect();
    nest.cleanup(() => sql.end());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const pad = (i: number) => String(i).padStart(5, '0');
  const customersCsv = () => {
    const lines = ['external_id,name,kind'];
    for (let c = 0; c < 40; c++) lines.push(`c-${c},Customer ${c},individual`);
    return lines.join('\n');
  };

  /** Good rows, bad rows, unknown customers, refunds, reversals (with and without the order they reverse). */
  const firstFile = () => {
    const lines = ['external_id,customer_external_id,placed_at,amount,currency,status,reversal,reverses'];
    for (let i = 0; i < 700; i++) {
      const customer = i % 53 === 0 ? `ghost-${i % 3}` : `c-${i % 40}`;
      const day = String(1 + (i % 28)).padStart(2, '0');
      const placed = i % 71 === 0 ? 'not a date' : `2026-01-${day}T${String(i % 24).padStart(2, '0')}:15:00Z`;
      const amount = i % 61 === 0 ? '-1' : `${i}.25`;
      const status = i % 17 === 0 ? 'refunded' : i % 29 === 0 ? 'cancelled' : 'paid';
      lines.push(`o-${pad(i)},${customer},${placed},${amount},CNY,${status},,`);
    }
    // credit notes: one naming the order it gives back, one not, one contradicting itself (rejected)
    lines.push('r-00001,c-1,2026-02-02T10:00:00Z,1.25,CNY,refunded,true,o-00001');
    lines.push('r-00002,c-2,2026-02-03T10:00:00Z,5,CNY,cancelled,true,');
    lines.push('r-00003,c-3,2026-02-03T10:00:00Z,5,CNY,cancelled,false,o-00003');
    // credit notes booked with a negative amount: reversals of |amount| (one naming its order, one not); a negative
    // amount said to be no reversal, or paid, is rejected
    lines.push('r-00011,c-11,2026-02-04T10:00:00Z,-11.25,CNY,,,o-00011');
    lines.push('r-00012,c-12,2026-02-04T10:00:00Z,-3,CNY,cancelled,,');
    lines.push('r-00013,c-13,2026-02-04T10:00:00Z,-3,CNY,,false,');
    lines.push('r-00014,c-14,2026-02-04T10:00:00Z,-3,CNY,paid,,');
    // ids that go back, in later chunks: the last line of an id wins
    lines.push('o-00010,c-9,2026-02-06T10:00:00Z,999,CNY,refunded,,');
    lines.push('o-00003,c-3,2026-02-06T10:00:00Z,1,CNY,paid,,');
    lines.push('o-00003,c-4,2026-02-07T10:00:00Z,2,CNY,paid,,');
    lines.push('o-00053,ghost-0,2026-02-07T10:00:00Z,2,CNY,paid,,');
    return lines.join('\n');
  };

  /** Into a workspace that holds the first file: changes, unchanged rows, new rows, new unknown customers. */
  const secondFile = () => {
    const lines = ['external_id,customer_external_id,placed_at,amount,currency,status,reversal,reverses'];
    for (let i = 300; i < 900; i++) {
      const customer = i >= 850 ? `new-${i % 5}` : `c-${i % 40}`;
      const amount = i % 7 === 0 ? `${i + 1}.50` : `${i}.25`;
      const day = String(1 + (i % 28)).padStart(2, '0');
      const status = i % 17 === 0 ? 'refunded' : i % 29 === 0 ? 'cancelled' : 'paid';
      lines.push(
        `o-${pad(i)},${customer},2026-01-${day}T${String(i % 24).padStart(2, '0')}:15:00Z,${amount},CNY,${status},,`,
      );
    }
    lines.push('o-00302,c-2,2026-01-31T10:00:00Z,3,CNY,paid,,');
    lines.push('r-00004,c-5,2026-02-10T10:00:00Z,2.25,CNY,refunded,true,o-00005');
    lines.push('r-00015,c-15,2026-02-10T10:00:00Z,-15.25,CNY,refunded,,o-00015');
    return lines.join('\n');
  };

  async function workspace(slug: string): Promise<string> {
    const id = (await nest.app.get(WorkspacesService).ensure({ slug })).id;
    await importer.import({
      workspaceId: id,
      kind: 'customers',
      file: file(`${slug}-customers.csv`, customersCsv()),
    });
    return id;
  }

  const importOrders = (
    workspaceId: string,
    path: ImportPath,
    name: string,
    extra: Partial<ImportOptions> = {},
  ) =>
    importer.import({
      workspaceId,
      kind: 'orders',
      file: join(dir, name),
      rejectFile: join(dir, `${name}.${path}.rejects.csv`),
      chunkChars: 3000,
      path,
      ...extra,
    });

  const counts = (r: ImportReport) => ({
    rows: r.rows,
    valid: r.valid,
    rejected: r.rejected,
    warnings: r.warnings,
  });

  async function orders(ws: string) {
    const { rows } = await sql.query(
      `SELECT o.source, o.external_id, c.external_id AS customer, o.placed_at, o.amount_minor, o.currency, o.status,
              o.original_amount_minor, o.original_currency, o.reversal, o.reverses_external_id, o.deleted_at
       FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.workspace_id = $1 ORDER BY o.external_id`,
      [ws],
    );
    return rows;
  }

  async function customers(ws: string) {
    const { rows } = await sql.query(
      `SELECT source, external_id, name, kind, merged_into_id IS NULL AS live, deleted_at
       FROM customers WHERE workspace_id = $1 ORDER BY external_id`,
      [ws],
    );
    return rows;
  }

  /** The customers the summary change log names (a set: the incremental path logs a customer once per chunk). */
  async function changeLog(ws: string): Promise<string[]> {
    const { rows } = await sql.query(
      `SELECT DISTINCT c.external_id FROM customer_summary_changes l JOIN customers c ON c.id = l.customer_id
       WHERE l.workspace_id = $1 ORDER BY 1`,
      [ws],
    );
    return rows.map((r: { external_id: string }) => r.external_id);
  }

  async function summaries(ws: string) {
    const { rows } = await sql.query(
      `SELECT c.external_id, s.transactions, s.first_day::text, s.last_day::text, s.monetary, s.first_amount,
              s.last_touch::text, s.complaints_90d, s.last_survey, s.recheck_at, s.refunded_orders, s.last_two_way::text
       FROM customer_summaries s JOIN customers c ON c.id = s.customer_id WHERE s.workspace_id = $1 ORDER BY 1`,
      [ws],
    );
    return rows;
  }

  const refresh = (ws: string) =>
    refreshCustomerSummaries(sql, {
      workspaceId: ws,
      timezone: 'Asia/Shanghai',
      currency: 'CNY',
      cutoff: CUTOFF,
    });

  it('imports the same files into the same orders, customers, summaries and rejects', async () => {
    file('first.csv', firstFile());
    file('second.csv', secondFile());
    const inc = await workspace('paths-incremental');
    const bulk = await workspace('paths-bulk');

    // a first load (plain INSERT), summaries built from it
    const a1 = await importOrders(inc, 'incremental', 'first.csv');
    const b1 = await importOrders(bulk, 'bulk', 'first.csv');
    expect(a1.path).toBe('incremental');
    expect(b1.path).toBe('bulk');
    expect(counts(b1)).toEqual(counts(a1));
    expect(b1.rejected).toBeGreaterThan(20);
    // the last line of each id, once: 700 ids + 4 credit notes, less the rejected ones
    expect(b1).toMatchObject({ inserted: b1.valid - 3, updated: 0 });
    expect(readFileSync(b1.rejectFile as string, 'utf8')).toBe(readFileSync(a1.rejectFile as string, 'utf8'));
    expect(await orders(bulk)).toEqual(await orders(inc));
    const creditNotes = (await orders(bulk))
      .filter((o: { external_id: string }) => /^r-0001[1-4]$/.test(o.external_id))
      .map((o: Record<string, unknown>) => [
        o.external_id,
        o.amount_minor,
        o.status,
        o.reversal,
        o.reverses_external_id,
      ]);
    expect(creditNotes).toEqual([
      ['r-00011', '1125', 'refunded', true, 'o-00011'],
      ['r-00012', '300', 'cancelled', true, null],
    ]);
    expect(readFileSync(b1.rejectFile as string, 'utf8')).toMatch(
      /,rejected,reversal,"?is false, but the amount is negative/,
    );
    expect(readFileSync(b1.rejectFile as string, 'utf8')).toMatch(
      /,rejected,status,"?is paid, but the amount is negative/,
    );
    expect(await changeLog(bulk)).toEqual(await changeLog(inc));
    expect((await refresh(inc)).mode).toBe('build');
    expect((await refresh(bulk)).mode).toBe('build');
    expect(await summaries(bulk)).toEqual(await summaries(inc));

    // into a workspace that has orders (the upsert), with placeholders for unknown customers
    const a2 = await importOrders(inc, 'incremental', 'second.csv', { createMissingCustomers: true });
    const b2 = await importOrders(bulk, 'bulk', 'second.csv', { createMissingCustomers: true });
    expect(counts(b2)).toEqual(counts(a2));
    expect(b2.inserted).toBe(a2.inserted);
    expect(b2.updated).toBe(a2.updated);
    expect(b2.updated).toBeGreaterThan(50);
    expect(await customers(bulk)).toEqual(await customers(inc));
    expect(
      (await customers(bulk)).filter((c: { external_id: string }) => c.external_id.startsWith('new-')),
    ).toHaveLength(5);
    expect(await orders(bulk)).toEqual(await orders(inc));
    expect(
      (await orders(bulk)).find((o: { external_id: string }) => o.external_id === 'r-00015'),
    ).toMatchObject({
      amount_minor: '1525',
      status: 'refunded',
      reversal: true,
      reverses_external_id: 'o-00015',
    });
    const logged = await changeLog(inc);
    expect(logged.length).toBeGreaterThan(30);
    expect(await changeLog(bulk)).toEqual(logged);
    // the summaries the next run reads: refreshed from the log, not rebuilt
    expect((await refresh(inc)).mode).toBe('refresh');
    expect((await refresh(bulk)).mode).toBe('refresh');
    const summarised = await summaries(inc);
    expect(summarised.length).toBeGreaterThan(40);
    expect(await summaries(bulk)).toEqual(summarised);
  });

  it('auto: a small file stays incremental, and the report says why', async () => {
    const ws = await workspace('paths-auto');
    const report = await importOrders(ws, 'incremental', 'first.csv', { path: 'auto' });
    expect(report).toMatchObject({
      path: 'incremental',
      pathReason: expect.stringMatching(/fewer than 200000$/),
    });
    expect(await orders(ws)).toHaveLength(report.inserted);
  });

  it('refuses an undecodable file on both paths and stores nothing (no replacement character)', async () => {
    const inc = await workspace('bytes-incremental');
    const bulk = await workspace('bytes-bulk');
    const good = firstFile().split('\n').slice(0, 400).join('\n');
    writeFileSync(
      join(dir, 'bad-bytes.csv'),
      Buffer.concat([
        Buffer.from(`${good}\no-99999,c-1,2026-01-05T10:00:00Z,1,CNY,paid,,`),
        Buffer.from([0xff, 0x0a]),
      ]),
    );
    for (const [ws, path] of [
      [inc, 'incremental'],
      [bulk, 'bulk'],
    ] as const) {
      await expect(importOrders(ws, path, 'bad-bytes.csv', { encoding: 'utf-8' })).rejects.toMatchObject({
        code: 'undecodable_csv',
      });
      expect(await orders(ws)).toEqual([]);
    }
  });
});
