import { editDistance, resolveCsvHeader, suggest } from './csv-header';

describe('resolveCsvHeader', () => {
  it('maps foreign columns (the same cases the old resolver covered) and joins `A + B`', () => {
    const ok = resolveCsvHeader('orders', ['Id', 'Cust', 'When', 'Total', 'Cur'], {
      map: {
        external_id: 'Id',
        customer_external_id: 'Cust',
        placed_at: 'When',
        amount: 'Total',
        currency: 'Cur',
      },
    });
    expect(ok.ok && ok.columns.get('amount')).toBe(3);
    expect(ok.ok && ok.missingOptional).toEqual(['status']);
    const joined = resolveCsvHeader('customers', ['Record ID', 'First Name', 'Last Name'], {
      map: { external_id: 'Record ID', name: 'First Name + Last Name' },
    });
    expect(joined.ok && joined.columns.get('name')).toEqual([1, 2]);
  });

  it('reads `updated_at` (any spelling) as source_updated_at; sync columns are never listed as left empty', () => {
    const r = resolveCsvHeader('customers', ['external_id', 'Updated At', 'Do Not Call']);
    expect(r.ok && r.columns.get('source_updated_at')).toBe(1);
    expect(r.ok && r.columns.get('do_not_call')).toBe(2);
    const plain = resolveCsvHeader('customers', ['external_id', 'name']);
    expect(plain.ok && plain.missingOptional).not.toContain('source_updated_at');
    expect(plain.ok && plain.missingOptional).not.toContain('do_not_call');
    // both the canonical name and its alias: the alias is an unknown column
    expect(resolveCsvHeader('customers', ['external_id', 'source_updated_at', 'updated_at']).ok).toBe(false);
  });

  it('refuses header typos with the nearest known name, and a missing required column', () => {
    const r = resolveCsvHeader('customers', ['external_id', 'name', 'ownr_rep', 'emial']);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => [p.column, p.problem, p.suggestion])).toEqual([
      ['ownr_rep', 'unknown_column', 'owner_rep'],
      ['emial', 'unknown_column', 'email'],
    ]);
    expect(r.problems[0].message).toBe('unknown column "ownr_rep" (did you mean "owner_rep"?)');
    const noId = resolveCsvHeader('customers', ['name', 'owner_rep']);
    expect(!noId.ok && noId.problems.map((p) => `${p.problem} ${p.column}`)).toEqual([
      'missing_column external_id',
    ]);
  });

  it('refuses a --map naming a column the file lacks or an unknown target, and duplicate columns', () => {
    const r = resolveCsvHeader('customers', ['CustomerNo', 'FullName'], {
      map: { external_id: 'CustomerNo', name: 'Full Name', colour: 'x' },
    });
    expect(!r.ok && r.problems.map((p) => `${p.problem} ${p.column} ${p.suggestion ?? ''}`.trim())).toEqual([
      'map_source_missing Full Name FullName',
      'map_target_unknown colour',
      // and the column the map meant, left unused, is itself unknown
      'unknown_column FullName Full Name',
    ]);
    const dup = resolveCsvHeader('reps', ['external_id', 'name', 'name']);
    expect(!dup.ok && dup.problems[0].message).toBe('column "name" appears twice (columns 2 and 3)');
  });

  it('reads canonical names written differently, and lists ignored columns when asked to', () => {
    const r = resolveCsvHeader('customers', ['External ID', 'EMAIL', 'Lifecycle Stage'], {
      ignoreUnknown: true,
    });
    expect(r.ok && [...r.columns]).toEqual([
      ['external_id', 0],
      ['email', 1],
    ]);
    expect(r.ok && r.ignored).toEqual(['Lifecycle Stage']);
    const strict = resolveCsvHeader('customers', ['external_id', 'Lifecycle Stage']);
    expect(!strict.ok && strict.problems[0].message).toMatch(
      /unknown column "Lifecycle Stage" \(customers columns: /,
    );
  });
});

describe('suggest / editDistance', () => {
  it('counts a swap of neighbours as one edit and suggests only near names', () => {
    expect(editDistance('emial', 'email')).toBe(1);
    expect(editDistance('ownr_rep', 'owner_rep')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(suggest('placed at', ['placed_at', 'amount'])).toEqual({ suggestion: 'placed_at' });
    expect(suggest('zzzz', ['placed_at', 'amount'])).toEqual({});
  });
});
