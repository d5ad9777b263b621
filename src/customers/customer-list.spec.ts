import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { AppError } from '../common/app-error';
import {
  containsPattern,
  csvRecord,
  CustomerListItem,
  decodeListCursor,
  encodeListCursor,
  LIST_SORTS,
  parseListFilters,
} from './customer-list';

const errorOf = (f: () => unknown): AppError => {
  try {
    f();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('no error');
};

describe('parseListFilters', () => {
  it('defaults to priority order with no filters', () => {
    expect(parseListFilters({})).toEqual({
      tiers: null,
      lifecycles: null,
      segments: null,
      owner: null,
      q: null,
      sort: 'priority',
      after: null,
    });
  });

  it('reads comma-separated values once each, and trims q and owner', () => {
    const f = parseListFilters({
      tier: 'core, potential,core',
      lifecycle: 'at_risk',
      q: '  Acme ',
      owner: ' r1 ',
    });
    expect(f.tiers).toEqual(['core', 'potential']);
    expect(f.lifecycles).toEqual(['at_risk']);
    expect(f.q).toBe('Acme');
    expect(f.owner).toBe('r1');
  });

  it.each([
    ['tier', { tier: 'gold' }],
    ['tier', { tier: '' }],
    ['lifecycle', { lifecycle: 'active,zombie' }],
    ['segment', { segment: 'champion' }],
    ['sort', { sort: 'priority desc' }],
    ['owner', { owner: '  ' }],
    ['q', { q: 'x'.repeat(101) }],
    ['cursor', { cursor: 'not a cursor!' }],
    ['cursor', { cursor: encodeListCursor({ sort: 'clv', key: '1', id: '5' }) }], // another sort's cursor
  ])('answers 400 invalid_%s naming the field', (field, raw) => {
    const e = errorOf(() => parseListFilters(raw));
    expect(e.status).toBe(400);
    expect(e.code).toBe(`invalid_${field}`);
    expect(e.details).toMatchObject({ field });
  });
});

describe('list cursors', () => {
  it('round-trip every sort, key and id', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...LIST_SORTS),
        fc.oneof(fc.double({ noNaN: true, min: -1e300, max: 1e300 }).map(String), fc.constant('-Infinity')),
        fc.string({ maxLength: 120 }),
        fc.bigInt({ min: 1n, max: 10n ** 18n - 1n }).map(String),
        (sort, num, text, id) => {
          const key = sort === 'name' ? text : num;
          expect(decodeListCursor(encodeListCursor({ sort, key, id }))).toEqual({ sort, key, id });
        },
      ),
    );
  });

  it('refuses tampered ones', () => {
    const forge = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    expect(decodeListCursor(forge(['priority', '1', '0']))).toBeNull();
    expect(decodeListCursor(forge(['priority', "1'; DROP", '5']))).toBeNull();
    expect(decodeListCursor(forge(['rank', '1', '5']))).toBeNull();
    expect(decodeListCursor(forge({ sort: 'priority' }))).toBeNull();
    expect(decodeListCursor('%%%')).toBeNull();
  });
});

describe('containsPattern', () => {
  it('takes % _ and \\ literally', () => {
    expect(containsPattern('50%_a\\b')).toBe('%50\\%\\_a\\\\b%');
  });
});

describe('csvRecord', () => {
  const item = (over: Partial<CustomerListItem>): CustomerListItem => ({
    id: '1',
    externalId: 'C-1',
    name: 'Acme',
    owner: { id: 'u', externalId: 'rep-1', name: 'Li' },
    tier: 'core',
    lifecycle: 'active',
    segment: 'champions',
    priority: 81.5,
    clv: '1200',
    churnRisk: 0.1,
    lastOrderAt: new Date('2026-11-02T08:15:00Z'),
    ...over,
  });

  it('never hands a spreadsheet a formula in a text cell', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (name, ext, owner) => {
        const text = stringify([
          csvRecord(item({ name, externalId: ext, owner: { id: 'u', externalId: owner, name } })),
        ]);
        const [cells] = parse(text) as string[][];
        for (const i of [1, 2, 3, 4]) expect(cells[i]).not.toMatch(/^[=+\-@\t\r]/);
      }),
    );
  });

  it('neutralises =HYPERLINK( and writes numbers and empty cells plainly', () => {
    const cells = csvRecord(
      item({
        name: '=HYPERLINK("http://evil","x")',
        owner: null,
        tier: null,
        priority: null,
        lastOrderAt: null,
      }),
    );
    expect(cells[2]).toBe('\'=HYPERLINK("http://evil","x")');
    expect(cells.slice(3, 6)).toEqual(['', '', '']);
    expect(cells[8]).toBe('');
    expect(csvRecord(item({}))[8]).toBe('81.5');
    expect(csvRecord(item({}))[11]).toBe('2026-11-02T08:15:00.000Z');
  });
});
