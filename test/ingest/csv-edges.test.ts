import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { CsvImportService, ImportReport } from '../../src/ingest/csv/csv-import.service';
import { CurrencyRatesService } from '../../src/ingest/csv/currency-rates.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useTestApp } from '../support/use-test-app';

const FIXTURES = join(__dirname, '..', 'fixtures', 'csv');
const fixture = (name: string) => join(FIXTURES, name);

describe('CSV import edges: encodings, headers, local times, currencies, presets (PostgreSQL)', () => {
  const nest = useTestApp({ workers: false });
  let importer: CsvImportService;
  let workspaceId: string;
  const dir = mkdtempSync(join(tmpdir(), 'callplan-csv-edges-'));
  const file = (name: string, text: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const rejectsOf = (report: ImportReport) =>
    (
      parse(readFileSync(report.rejectFile as string, 'utf8'), { columns: true }) as Array<
        Record<string, string>
      >
    ).map((r) => `${r.line} ${r.severity} ${r.column}: ${r.reason}`);
  const customers = (source: string) =>
    nest.db.query(
      `SELECT external_id, name, kind, region, country, industry FROM customers
       WHERE workspace_id = $1 AND source = $2 ORDER BY external_id`,
      [workspaceId, source],
    );

  beforeAll(async () => {
    importer = nest.app.get(CsvImportService);
    workspaceId = (await nest.app.get(WorkspacesService).ensure({ slug: 'csv-edges' })).id;
    await importer.import({
      workspaceId,
      kind: 'reps',
      rejectFile: join(dir, 'reps.rejects.csv'),
      file: file(
        'reps.csv',
        [
          'external_id,name,email',
          'rep-1,Li Na,li.na@example.com',
          'rep-2,Wang Fang,wang.fang@example.com',
          'rep-3,Zhang Wei,zhang.wei.1@example.com',
          'rep-4,Zhang Wei,zhang.wei.2@example.com',
        ].join('\n'),
      ),
    });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe.each([
    ['mixed', ['utf8', 'utf8-bom', 'utf16le', 'gb18030']],
    ['latin', ['utf8', 'utf8-bom', 'utf16le', 'gb18030', 'windows1252']],
  ])('the %s fixture', (set, encodings) => {
    it(`imports to identical rows from ${encodings.join(', ')}`, async () => {
      const results = [];
      for (const enc of encodings) {
        const report = await importer.import({
          workspaceId,
          kind: 'customers',
          file: fixture(`${set}.${enc}.csv`),
          source: `${set}-${enc}`,
          rejectFile: join(dir, `${set}-${enc}.rejects.csv`),
          dedupe: false,
        });
        expect(report).toMatchObject({ rejected: 0, warnings: 0 });
        expect(report.encoding.name).toBe(
          {
            utf8: 'utf-8',
            'utf8-bom': 'utf-8',
            utf16le: 'utf-16le',
            gb18030: 'gb18030',
            windows1252: 'windows-1252',
          }[enc],
        );
        results.push(await customers(`${set}-${enc}`));
      }
      const utf8 = results[0];
      expect(utf8.length).toBeGreaterThanOrEqual(3);
      for (const rows of results) expect(rows).toEqual(utf8);
      expect(utf8.map((r: { name: string }) => r.name)).toContain('Café Müller');
      if (set === 'mixed') expect(utf8[0]).toMatchObject({ name: 'Café Müller', region: '北京' });
      const [{ n }] = await nest.db.query(
        `SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1
           AND (name LIKE '%' || chr(65533) || '%' OR region LIKE '%' || chr(65533) || '%')`,
        [workspaceId],
      );
      expect(n).toBe(0);
    });
  });

  it('refuses undecodable bytes with line and column, importing nothing', async () => {
    const attempt = importer.import({
      workspaceId,
      kind: 'customers',
      file: fixture('damaged.utf8.csv'),
      source: 'damaged',
      rejectFile: join(dir, 'damaged.rejects.csv'),
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'undecodable_csv',
      status: 422,
      details: { line: 4, column: 10, encoding: 'utf-8' },
      message: expect.stringMatching(/^damaged\.utf8\.csv: line 4, column 10: bytes that cannot be decoded/),
    });
    expect(await customers('damaged')).toEqual([]);

    // a Windows-1252 file forced to UTF-8: refused at its first accent, with a hint
    await expect(
      importer.import({
        workspaceId,
        kind: 'customers',
        file: fixture('latin.windows1252.csv'),
        encoding: 'utf-8',
        rejectFile: join(dir, 'forced.rejects.csv'),
      }),
    ).rejects.toMatchObject({
      code: 'undecodable_csv',
      details: { line: 2, column: 10 },
      message: expect.stringContaining('read as utf-8 (as asked)'),
    });
  });

  it('rejects a row with a NUL character (line and column) and keeps the others', async () => {
    const report = await importer.import({
      workspaceId,
      kind: 'customers',
      file: fixture('nul.csv'),
      source: 'nul',
      rejectFile: join(dir, 'nul.rejects.csv'),
    });
    expect(report).toMatchObject({ rows: 3, rejected: 1, inserted: 2 });
    expect(rejectsOf(report)).toEqual([
      '3 rejected name: contains a NUL character (U+0000) at character 5; PostgreSQL cannot store it',
    ]);
    expect((await customers('nul')).map((r: { external_id: string }) => r.external_id)).toEqual([
      'nul-1',
      'nul-3',
    ]);
  });

  it('refuses header typos with a suggestion, a --map to a missing column, and reports missing optional ones', async () => {
    const typo = file('typo.csv', 'external_id,name,ownr_rep,emial\nt-1,Tian,rep-1,t@example.com\n');
    await expect(importer.import({ workspaceId, kind: 'customers', file: typo })).rejects.toMatchObject({
      code: 'invalid_csv_header',
      message:
        'typo.csv: line 1: unknown column "ownr_rep" (did you mean "owner_rep"?); unknown column "emial" (did you mean "email"?) (header: external_id,name,ownr_rep,emial)',
      details: [
        { column: 'ownr_rep', problem: 'unknown_column', suggestion: 'owner_rep' },
        { column: 'emial', problem: 'unknown_column', suggestion: 'email' },
      ],
    });
    const noOwner = file('no-id.csv', 'name,owner_rep\nTian,rep-1\n');
    await expect(importer.import({ workspaceId, kind: 'customers', file: noOwner })).rejects.toMatchObject({
      message: expect.stringContaining('missing required column(s): external_id'),
    });
    const foreign = file('foreign.csv', 'CustomerNo,FullName\nf-1,Fu Lin\n');
    await expect(
      importer.import({
        workspaceId,
        kind: 'customers',
        file: foreign,
        map: { external_id: 'CustomerNo', name: 'Full Name' },
      }),
    ).rejects.toMatchObject({
      code: 'invalid_csv_header',
      message: expect.stringContaining('--map name=Full Name: the file has no column "Full Name"'),
    });
    const minimal = await importer.import({
      workspaceId,
      kind: 'customers',
      file: file('minimal.csv', 'external_id,name\nm-1,Ma Li\n'),
      source: 'minimal',
      rejectFile: join(dir, 'minimal.rejects.csv'),
    });
    expect(minimal.columns.missingOptional).toEqual([
      'kind',
      'email',
      'phone',
      'region',
      'country',
      'industry',
      'owner_rep',
      'created_at',
      'personality',
    ]);
    expect(minimal.notices[0]).toBe(
      'optional column(s) not in the file, left empty: kind, email, phone, region, country, industry, owner_rep, created_at, personality',
    );
  });

  it('reads date-times without an offset in the workspace time zone, and --date-format', async () => {
    await importer.import({
      workspaceId,
      kind: 'customers',
      file: file('tz-customers.csv', 'external_id\ntz-1\n'),
      source: 'tz',
      rejectFile: join(dir, 'tz.rejects.csv'),
    });
    const orders = file(
      'tz-orders.csv',
      [
        'external_id,customer_external_id,placed_at,amount,currency',
        'tz-o1,tz-1,1997-01-01T00:00:00,10,CNY',
        'tz-o2,tz-1,2023-05-01 10:12,10,CNY',
        'tz-o3,tz-1,2023-05-01T10:12:00+00:00,10,CNY',
        'tz-o4,tz-1,05/01/2023 10:12,10,CNY',
      ].join('\n'),
    );
    const report = await importer.import({
      workspaceId,
      kind: 'orders',
      file: orders,
      source: 'tz',
      dateFormat: 'MM/DD/YYYY HH:mm',
      rejectFile: join(dir, 'tz-orders.rejects.csv'),
    });
    expect(report).toMatchObject({ rejected: 0, localTimes: { timeZone: 'Asia/Shanghai', values: 3 } });
    expect(report.notices).toContain(
      '3 date/time value(s) without an offset read as local time in Asia/Shanghai (format MM/DD/YYYY HH:mm)',
    );
    const rows = await nest.db.query(
      `SELECT external_id, to_char(placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS utc FROM orders
       WHERE workspace_id = $1 AND source = 'tz' ORDER BY external_id`,
      [workspaceId],
    );
    expect(rows).toEqual([
      { external_id: 'tz-o1', utc: '1996-12-31T16:00' },
      { external_id: 'tz-o2', utc: '2023-05-01T02:12' },
      { external_id: 'tz-o3', utc: '2023-05-01T10:12' },
      { external_id: 'tz-o4', utc: '2023-05-01T02:12' },
    ]);
  });

  it('rejects orders in another currency until a rate table converts them, keeping the original', async () => {
    await importer.import({
      workspaceId,
      kind: 'customers',
      file: file('fx-customers.csv', 'external_id\nfx-1\n'),
      source: 'fx',
      rejectFile: join(dir, 'fx.rejects.csv'),
    });
    const orders = file(
      'fx-orders.csv',
      [
        'external_id,customer_external_id,placed_at,amount,currency',
        'fx-o1,fx-1,2024-03-01T10:00:00Z,12.34,USD',
        'fx-o2,fx-1,2024-03-01T10:00:00Z,1000,JPY',
        'fx-o3,fx-1,2024-03-01T10:00:00Z,5,CNY',
        'fx-o4,fx-1,2023-03-01T10:00:00Z,1,USD',
      ].join('\n'),
    );
    const opts = { workspaceId, kind: 'orders' as const, file: orders, source: 'fx' };
    const before = await importer.import({ ...opts, rejectFile: join(dir, 'fx-1.rejects.csv') });
    expect(before).toMatchObject({ inserted: 1, rejected: 3, currency: { workspace: 'CNY', converted: 0 } });
    expect(rejectsOf(before)[0]).toMatch(
      /^2 rejected currency: USD is not the workspace currency \(CNY\) and the workspace has no USD rate/,
    );

    const rates = nest.app.get(CurrencyRatesService);
    await expect(
      rates.load(
        workspaceId,
        file('bad-rates.csv', 'currency,valid_from,rate\nUSD,2024-01-01,7.1\nXYZ,2024-13-01,-1\n'),
        'test',
      ),
    ).rejects.toMatchObject({
      code: 'invalid_rates',
      message: expect.stringContaining('line 3, currency: unknown currency "XYZ"'),
    });
    expect(await rates.list(workspaceId)).toEqual([]);
    const loaded = await rates.load(
      workspaceId,
      file('rates.csv', 'currency,valid_from,rate\nUSD,2024-01-01,7.1\nJPY,2024-01-01,0.05\n'),
      'test',
    );
    expect(loaded).toEqual({ loaded: 2, currencies: ['JPY', 'USD'] });

    const after = await importer.import({ ...opts, rejectFile: join(dir, 'fx-2.rejects.csv') });
    expect(after).toMatchObject({ inserted: 2, rejected: 1, currency: { workspace: 'CNY', converted: 2 } });
    expect(rejectsOf(after)).toEqual([
      '5 rejected currency: no USD→CNY rate valid on 2023-03-01 (the first is from 2024-01-01)',
    ]);
    const rows = await nest.db.query(
      `SELECT external_id, amount_minor, currency, original_amount_minor, original_currency FROM orders
       WHERE workspace_id = $1 AND source = 'fx' ORDER BY external_id`,
      [workspaceId],
    );
    expect(rows).toEqual([
      {
        external_id: 'fx-o1',
        amount_minor: '8761',
        currency: 'CNY',
        original_amount_minor: '1234',
        original_currency: 'USD',
      },
      {
        external_id: 'fx-o2',
        amount_minor: '5000',
        currency: 'CNY',
        original_amount_minor: '1000',
        original_currency: 'JPY',
      },
      {
        external_id: 'fx-o3',
        amount_minor: '500',
        currency: 'CNY',
        original_amount_minor: null,
        original_currency: null,
      },
    ]);
  });

  it('imports a HubSpot contacts export with --preset hubspot: names joined, owners by name or email', async () => {
    const report = await importer.import({
      workspaceId,
      kind: 'customers',
      file: fixture('hubspot-contacts.csv'),
      preset: 'hubspot',
      source: 'hubspot',
      rejectFile: join(dir, 'hubspot.rejects.csv'),
      dedupe: false,
    });
    expect(report).toMatchObject({ rows: 3, rejected: 0, inserted: 3, warnings: 1 });
    expect(report.columns.ignored).toEqual(['Lifecycle Stage']);
    expect(rejectsOf(report)).toEqual([
      '4 warning owner_rep: "Zhang Wei" matches 2 reps (rep-3 Zhang Wei, rep-4 Zhang Wei); customer kept without an owner',
    ]);
    const rows = await nest.db.query(
      `SELECT c.external_id, c.name, r.external_id AS owner, to_char(c.source_created_at AT TIME ZONE 'UTC', 'HH24:MI') AS created
       FROM customers c LEFT JOIN reps r ON r.id = c.owner_rep_id
       WHERE c.workspace_id = $1 AND c.source = 'hubspot' ORDER BY c.external_id`,
      [workspaceId],
    );
    expect(rows).toEqual([
      { external_id: 'hs-101', name: 'Jie Chen', owner: 'rep-1', created: '02:12' },
      { external_id: 'hs-102', name: 'Fang', owner: 'rep-2', created: '01:00' },
      { external_id: 'hs-103', name: 'Lei Zhao', owner: null, created: '10:30' },
    ]);
  });
});
