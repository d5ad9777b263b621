import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';

import { generateCrmRows } from './crm-generator';
import { CRM_FILE_NAMES, crmRowsToCsv, toCsv, writeCrmCsvs } from './crm-csv-writer';
import { CRM_TABLES, type CrmTable, INTERACTION_COLUMNS, TABLE_COLUMNS } from './crm-rows';

describe('toCsv', () => {
  const field = fc.oneof(
    fc.string({
      unit: fc.constantFrom('a', 'Z', '1', ' ', ',', '"', '\n', '\r', '王', '=', '-', '\t', '\u3000'),
    }),
    fc.string({ unit: 'binary' }),
  );
  const row = fc
    .array(field, { minLength: INTERACTION_COLUMNS.length, maxLength: INTERACTION_COLUMNS.length })
    .map((fields) => Object.fromEntries(INTERACTION_COLUMNS.map((column, i) => [column, fields[i]])));

  it('is byte for byte what csv-stringify writes, for any fields', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 20 }), fc.boolean(), (rows, header) => {
        expect(toCsv('interactions', rows, header)).toBe(
          stringify(rows, { columns: [...INTERACTION_COLUMNS], header }),
        );
      }),
      { numRuns: 500 },
    );
  });

  it('writes just the header for no rows', () => {
    expect(toCsv('interactions', [], true)).toBe(`${INTERACTION_COLUMNS.join(',')}\n`);
    expect(toCsv('interactions', [], false)).toBe('');
  });
});

describe('writeCrmCsvs', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crm-generator-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function readAll(outDir: string): Promise<{ [T in CrmTable]: string }> {
    const entries = await Promise.all(
      CRM_TABLES.map(
        async (table) => [table, await readFile(join(outDir, CRM_FILE_NAMES[table]), 'utf8')] as const,
      ),
    );
    return Object.fromEntries(entries) as { [T in CrmTable]: string };
  }

  it('writes exactly what generateCrmRows serialises, with the same summary', async () => {
    // large enough that every file takes several buffered writes
    const options = { customers: 3_000, seed: 42 };
    const summary = await writeCrmCsvs({ ...options, outDir: dir });
    const rows = generateCrmRows(options);
    expect(await readAll(dir)).toEqual(crmRowsToCsv(rows));
    expect(summary).toEqual(rows.summary);
    expect((await readdir(dir)).sort()).toEqual(Object.values(CRM_FILE_NAMES).sort());
  });

  it('is byte-identical for the same seed and different for another', async () => {
    const again = join(dir, 'again');
    const other = join(dir, 'other');
    await writeCrmCsvs({ customers: 500, seed: 7, outDir: dir });
    await writeCrmCsvs({ customers: 500, seed: 7, outDir: again });
    await writeCrmCsvs({ customers: 500, seed: 8, outDir: other });
    const first = await readAll(dir);
    expect(await readAll(again)).toEqual(first);
    const different = await readAll(other);
    for (const table of ['customers', 'orders', 'interactions'] as const)
      expect(different[table]).not.toBe(first[table]);
  });

  it('round-trips through an RFC 4180 parser, quotes, commas and Chinese included', async () => {
    const options = { customers: 1_000, seed: 9 };
    await writeCrmCsvs({ ...options, outDir: dir });
    const rows = generateCrmRows(options);
    const files = await readAll(dir);
    for (const table of CRM_TABLES) {
      const parsed = parse(files[table], { columns: true, relax_column_count: false, bom: false }) as unknown;
      expect(parsed).toEqual(rows[table]);
      expect(files[table].startsWith(`${TABLE_COLUMNS[table].join(',')}\n`)).toBe(true);
    }
    expect(files.interactions).toMatch(/"[^"\n]*""[^"\n]*""/); // a note with embedded quotes
    expect(files.customers).toMatch(/"[^"\n]*, Ltd\."/); // a company name with a comma
    expect(files.customers).toMatch(/[\u4e00-\u9fff]/);
  });

  it('rejects bad options before creating any file', async () => {
    const target = join(dir, 'never');
    await expect(writeCrmCsvs({ customers: -5, seed: 1, outDir: target })).rejects.toThrow(RangeError);
    await expect(readdir(target)).rejects.toThrow();
  });
});
