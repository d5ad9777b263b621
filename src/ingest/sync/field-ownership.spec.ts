import {
  crmValueWins,
  DEFAULT_FIELD_OWNERSHIP,
  fieldOwnershipIssues,
  FieldOwnershipError,
  resolveFieldOwnership,
} from './field-ownership';

describe('field ownership settings', () => {
  it('defaults: Callplan owns the owner and the personality', () => {
    expect(resolveFieldOwnership(undefined)).toEqual({ owner: 'callplan', personality: 'callplan' });
    expect(resolveFieldOwnership(null)).toEqual(DEFAULT_FIELD_OWNERSHIP);
  });

  it('overrides per field', () => {
    expect(resolveFieldOwnership({ owner: 'crm' })).toEqual({ owner: 'crm', personality: 'callplan' });
    expect(resolveFieldOwnership({ personality: 'newest' })).toEqual({
      owner: 'callplan',
      personality: 'newest',
    });
  });

  it('names each bad field: unknown owner, a CRM-only field, an unknown field, not an object', () => {
    expect(fieldOwnershipIssues({ owner: 'rep', name: 'callplan', emial: 'crm' })).toEqual([
      'owner: must be one of crm, callplan, newest, got "rep"',
      'name: is always owned by the CRM (Callplan never edits it); settable: owner, personality',
      'emial: unknown field; settable: owner, personality',
    ]);
    expect(fieldOwnershipIssues(['crm'])).toEqual(['(root): must be an object']);
    expect(() => resolveFieldOwnership({ owner: 1 })).toThrow(FieldOwnershipError);
  });
});

describe('crmValueWins', () => {
  const callplanAt = (setAt: number | null) => ({ setBy: 'callplan' as const, setAt });
  it('crm: the CRM value always wins', () => {
    expect(crmValueWins('crm', callplanAt(100), 50)).toBe(true);
  });
  it('callplan: a value Callplan set is never overwritten; others are', () => {
    expect(crmValueWins('callplan', callplanAt(100), 500)).toBe(false);
    expect(crmValueWins('callplan', { setBy: 'csv', setAt: 100 }, 50)).toBe(true);
    expect(crmValueWins('callplan', { setBy: null, setAt: null }, 50)).toBe(true);
  });
  it('newest: the later of the CRM version and the Callplan edit', () => {
    expect(crmValueWins('newest', callplanAt(100), 101)).toBe(true);
    expect(crmValueWins('newest', callplanAt(100), 100)).toBe(false);
    expect(crmValueWins('newest', callplanAt(null), 1)).toBe(true);
  });
});
