import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { RejectWriter } from './reject-writer';

describe('RejectWriter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rejects-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes line, severity, column, reason and row, with formula cells neutralised', async () => {
    const path = join(dir, 'r.csv');
    const w = new RejectWriter(path);
    w.reject(7, [{ column: 'name', reason: '=HYPERLINK("http://x","y")' }], { name: '=1+1', 'a,b': 'q"t' });
    w.warn(9, { column: '@owner', reason: '+86 is not a phone' });
    await w.close();
    const rows = parse(readFileSync(path, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(rows).toEqual([
      {
        line: '7',
        severity: 'rejected',
        column: 'name',
        reason: `'=HYPERLINK("http://x","y")`,
        row: JSON.stringify({ name: '=1+1', 'a,b': 'q"t' }),
      },
      { line: '9', severity: 'warning', column: `'@owner`, reason: `'+86 is not a phone`, row: '' },
    ]);
    expect(w.rejectedRows).toBe(1);
    expect(w.warnings).toBe(1);
  });
});
