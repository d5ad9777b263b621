import fc from 'fast-check';
import {
  currencyExponent,
  MAX_ORDER_AMOUNT_MAJOR,
  parseDecimal,
  parseTimestamp,
  RowContext,
  validateCustomer,
  validateOrder,
} from './csv-rows';

describe('parseDecimal', () => {
  it('converts major units to exact minor units for any amount with at most `exp` decimals', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 14n }), fc.integer({ min: 0, max: 3 }), (units, exp) => {
        const s = units.toString().padStart(exp + 1, '0');
        const text = exp === 0 ? s : `${s.slice(0, -exp)}.${s.slice(-exp)}`;
        expect(parseDecimal(text, exp)).toBe(units);
      }),
    );
  });

  it('accepts trailing zeros beyond the exponent and rejects real extra precision or junk', () => {
    expect(parseDecimal('12.500', 2)).toBe(1250n);
    expect(parseDecimal('12.345', 2)).toBeNull();
    expect(parseDecimal('1e5', 2)).toBeNull();
    expect(parseDecimal('12,50', 2)).toBeNull();
    expect(parseDecimal('-3', 2)).toBe(-300n);
  });
});

describe('parseTimestamp', () => {
  it('accepts dates and zoned date-times, rejects impossible or unzoned ones', () => {
    expect(parseTimestamp('2026-02-28')?.toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(parseTimestamp('2026-02-28T10:00:00+08:00')?.toISOString()).toBe('2026-02-28T02:00:00.000Z');
    expect(parseTimestamp('2026-02-30')).toBeNull();
    expect(parseTimestamp('2026-02-28T10:00:00')).toBeNull();
    expect(parseTimestamp('yesterday')).toBeNull();
    expect(parseTimestamp('1850-01-01')).toBeNull();
  });

  it('reads the common "…T10:11:12Z" shape without the Date parser, with the same result', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1850, max: 2250 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        (y, mo, d, h, mi, sec) => {
          const p2 = (n: number) => String(n).padStart(2, '0');
          const text = `${y}-${p2(mo)}-${p2(d)}T${p2(h)}:${p2(mi)}:${p2(sec)}Z`;
          const viaDate = new Date(text);
          const valid =
            !Number.isNaN(viaDate.getTime()) &&
            viaDate.toISOString() === `${text.slice(0, -1)}.000Z` &&
            y >= 1900 &&
            y <= 2200;
          expect(parseTimestamp(text)?.getTime() ?? null).toBe(valid ? viaDate.getTime() : null);
        },
      ),
    );
    expect(parseTimestamp('2024-02-29T00:00:00Z')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseTimestamp('2100-02-29T00:00:00Z')).toBeNull();
  });
});

describe('validateOrder', () => {
  const row = {
    external_id: 'o1',
    customer_external_id: 'c1',
    placed_at: '2026-01-01',
    amount: '10',
    currency: 'JPY',
    status: '',
  };

  it('uses the currency exponent and defaults the status to paid', () => {
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(validateOrder(row)).toEqual({
      ok: true,
      row: {
        externalId: 'o1',
        customerExternalId: 'c1',
        placedAt: '2026-01-01T00:00:00.000Z',
        amountMinor: 10n,
        currency: 'JPY',
        status: 'paid',
        reversal: false,
        reversesExternalId: null,
        creditNote: false,
        original: null,
      },
      warnings: [],
    });
  });

  it('reads a reversal: refunded by default, the order it names, never paid', () => {
    const ok = (raw: Record<string, string>) => {
      const v = validateOrder({ ...row, ...raw });
      if (!v.ok) throw new Error(JSON.stringify(v.problems));
      return [v.row.status, v.row.reversal, v.row.reversesExternalId];
    };
    expect(ok({ reversal: 'yes' })).toEqual(['refunded', true, null]);
    expect(ok({ reverses: 'o0' })).toEqual(['refunded', true, 'o0']);
    expect(ok({ reverses: 'o0', status: 'cancelled' })).toEqual(['cancelled', true, 'o0']);
    expect(ok({ reversal: 'false', status: 'refunded' })).toEqual(['refunded', false, null]);
    const bad = validateOrder({ ...row, reversal: '1', status: 'paid' });
    expect(bad.ok ? [] : bad.problems).toEqual([
      { column: 'status', reason: 'a reversal is refunded or cancelled, not paid' },
    ]);
    const contradiction = validateOrder({ ...row, reversal: 'no', reverses: 'o0' });
    expect(contradiction.ok ? [] : contradiction.problems.map((p) => p.column)).toEqual(['reverses']);
  });

  it('reads a negative amount as a reversal of |amount|: refunded unless it says cancelled, naming what it reverses', () => {
    const ok = (raw: Record<string, string>) => {
      const v = validateOrder({ ...row, ...raw });
      if (!v.ok) throw new Error(JSON.stringify(v.problems));
      return [v.row.amountMinor, v.row.status, v.row.reversal, v.row.reversesExternalId];
    };
    expect(validateOrder({ ...row, amount: '-10' })).toMatchObject({ ok: true, row: { creditNote: true } });
    expect(validateOrder({ ...row, amount: '10', reversal: 'yes' })).toMatchObject({
      ok: true,
      row: { creditNote: false },
    });
    expect(ok({ amount: '-10' })).toEqual([10n, 'refunded', true, null]);
    expect(ok({ amount: '-10', status: 'cancelled' })).toEqual([10n, 'cancelled', true, null]);
    expect(ok({ amount: '-10', status: 'Refunded', reverses: 'o0' })).toEqual([10n, 'refunded', true, 'o0']);
    expect(ok({ amount: '-10', reversal: 'yes' })).toEqual([10n, 'refunded', true, null]);
    // zero, signed or not, stays an order of nothing (no reversal)
    expect(ok({ amount: '0' })).toEqual([0n, 'paid', false, null]);
    expect(ok({ amount: '-0' })).toEqual([0n, 'paid', false, null]);
    // the bound applies to |amount|
    const huge = validateOrder({ ...row, amount: `-${MAX_ORDER_AMOUNT_MAJOR + 1}` });
    expect(huge.ok ? [] : huge.problems).toEqual([
      { column: 'amount', reason: `exceeds ${MAX_ORDER_AMOUNT_MAJOR}` },
    ]);
  });

  it('rejects a negative amount the row says is no reversal, or paid, naming the column', () => {
    const problems = (raw: Record<string, string>) => {
      const v = validateOrder({ ...row, ...raw });
      return v.ok ? [] : v.problems;
    };
    expect(problems({ amount: '-10', reversal: 'false' })).toEqual([
      {
        column: 'reversal',
        reason: 'is false, but the amount is negative (a negative amount is a refund or cancellation)',
      },
    ]);
    expect(problems({ amount: '-10', reversal: 'no', status: 'refunded' }).map((p) => p.column)).toEqual([
      'reversal',
    ]);
    expect(problems({ amount: '-10', status: 'paid' })).toEqual([
      {
        column: 'status',
        reason:
          'is paid, but the amount is negative (a negative amount is a refund or cancellation: status refunded or cancelled)',
      },
    ]);
    expect(problems({ amount: '-10', status: 'paid', reverses: 'o0' }).map((p) => p.column)).toEqual([
      'status',
    ]);
  });

  it('converts a negative amount in another currency as |amount|, keeping the original positive', () => {
    const context: RowContext = {
      currency: {
        workspaceCurrency: 'EUR',
        convert: (_currency, amountMinor) => ({ amountMinor: amountMinor * 2n }),
      },
    };
    const v = validateOrder({ ...row, amount: '-10' }, new Date('2026-06-01T00:00:00Z'), context);
    expect(v.ok && [v.row.amountMinor, v.row.currency, v.row.original, v.row.reversal]).toEqual([
      20n,
      'EUR',
      { amountMinor: 10n, currency: 'JPY' },
      true,
    ]);
  });

  it('names every bad column at once', () => {
    const v = validateOrder({ ...row, amount: '-1', currency: 'ZZZ', status: 'lost', placed_at: '' });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.problems.map((p) => p.column).sort()).toEqual(['currency', 'placed_at', 'status']);
  });
});

describe('validateCustomer: source_updated_at and do_not_call', () => {
  it('reads the flag in every spelling, empty as unknown, anything else as a problem naming the column', () => {
    for (const [v, want] of [
      ['true', true],
      ['YES', true],
      ['1', true],
      ['false', false],
      ['No', false],
      ['0', false],
      ['', null],
    ] as const) {
      const r = validateCustomer({ external_id: 'C1', do_not_call: v });
      expect(r.ok && r.row.doNotCall).toBe(want);
    }
    expect(validateCustomer({ external_id: 'C1', do_not_call: 'maybe' })).toEqual({
      ok: false,
      problems: [{ column: 'do_not_call', reason: 'must be true, false, yes, no, 1 or 0 (got "maybe")' }],
    });
  });

  it('reads the version as an instant; a bad one is a problem naming the column', () => {
    const r = validateCustomer({ external_id: 'C1', source_updated_at: '2026-05-01T10:00:00+08:00' });
    expect(r.ok && r.row.sourceUpdatedAt).toBe('2026-05-01T02:00:00.000Z');
    const bad = validateCustomer({ external_id: 'C1', source_updated_at: 'yesterday' });
    expect(!bad.ok && bad.problems[0].column).toBe('source_updated_at');
  });
});

describe('source_updated_at', () => {
  it('refuses a version more than 5 minutes ahead of the clock, naming the column', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    const row = (v: string) => validateCustomer({ external_id: 'C1', source_updated_at: v }, { now });
    expect(row('2026-06-01T00:04:00Z').ok).toBe(true);
    const typo = row('2062-06-01T00:00:00Z');
    expect(typo.ok).toBe(false);
    if (!typo.ok)
      expect(typo.problems).toEqual([
        { column: 'source_updated_at', reason: '"2062-06-01T00:00:00Z" is in the future' },
      ]);
    expect(row('2026-06-01T01:00:00Z').ok).toBe(false);
  });
});
