import { checkFormAgainstHeader, parseImportForm } from './import-form';

describe('parseImportForm', () => {
  it('reads kind, column map, source and the flag from multipart text fields', () => {
    expect(
      parseImportForm({
        kind: 'customers',
        map: 'external_id=CustomerNo, name = FullName',
        source: 'hubspot',
        createMissingCustomers: 'false',
      }),
    ).toEqual({ kind: 'customers', map: { external_id: 'CustomerNo', name: 'FullName' }, source: 'hubspot' });
    expect(parseImportForm({ kind: 'orders', createMissingCustomers: 'true' })).toEqual({
      kind: 'orders',
      createMissingCustomers: true,
    });
  });

  it('rejects unknown kinds, unknown fields, bad maps and bad sources with the offending field', () => {
    const details = (body: Record<string, unknown>) => {
      try {
        parseImportForm(body);
      } catch (e) {
        return (e as { code: string; details: string[] }).details.join('; ');
      }
      return 'accepted';
    };
    expect(details({ kind: 'robots' })).toMatch(/^kind:/);
    expect(details({ kind: 'orders', extra: '1' })).toMatch(/extra/);
    expect(details({ kind: 'orders', map: 'amount' })).toMatch(/must look like dest=SourceColumn/);
    expect(details({ kind: 'orders', map: 'name=Full' })).toMatch(/"name" is not a orders column/);
    expect(details({ kind: 'orders', source: 'Bad Source!' })).toMatch(/^source:/);
    expect(details({})).toMatch(/^kind:/);
    expect(details({ kind: 'orders', encoding: 'ebcdic' })).toMatch(/^encoding: one of utf-8/);
    expect(details({ kind: 'orders', dateFormat: 'hh:mm' })).toMatch(
      /^dateFormat: date format "hh:mm" needs YYYY/,
    );
    expect(details({ kind: 'orders', preset: 'pipedrive' })).toMatch(/^preset:/);
  });

  it('reads the encoding (by any usual name), date format, preset and the ignore flag', () => {
    expect(
      parseImportForm({
        kind: 'customers',
        encoding: 'GBK',
        dateFormat: 'MM/DD/YYYY HH:mm',
        preset: 'hubspot',
        ignoreUnknownColumns: 'true',
        map: 'name=First Name + Last Name',
      }),
    ).toEqual({
      kind: 'customers',
      encoding: 'gb18030',
      dateFormat: 'MM/DD/YYYY HH:mm',
      preset: 'hubspot',
      ignoreUnknownColumns: true,
      map: { name: 'First Name + Last Name' },
    });
  });

  it('sourceVersionColumn becomes map source_updated_at (customers only, not beside one) and must be in the header', () => {
    expect(parseImportForm({ kind: 'customers', sourceVersionColumn: 'Modified' })).toEqual({
      kind: 'customers',
      map: { source_updated_at: 'Modified' },
      sourceVersionColumn: 'Modified',
    });
    const field = (body: Record<string, unknown>) => {
      try {
        parseImportForm(body);
        return 'accepted';
      } catch (e) {
        const err = e as { status: number; details: Array<{ field: string }> };
        return `${err.status} ${err.details[0].field}`;
      }
    };
    expect(field({ kind: 'orders', sourceVersionColumn: 'Modified' })).toBe('422 sourceVersionColumn');
    expect(field({ kind: 'customers', sourceVersionColumn: 'M', map: 'source_updated_at=N' })).toBe(
      '422 sourceVersionColumn',
    );
    const form = parseImportForm({ kind: 'customers', sourceVersionColumn: 'Modified' });
    expect(() => checkFormAgainstHeader(form, ['\uFEFFexternal_id', 'Modified'])).not.toThrow();
    expect(() => checkFormAgainstHeader(form, ['external_id', 'Modifed'])).toThrow(/no column "Modified"/);
  });
});
