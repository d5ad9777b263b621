import { urgentReason } from './urgent-rules';
import { DEFAULT_WORKLIST_SETTINGS as S } from './worklist-settings';

describe('urgentReason', () => {
  const at = '2026-11-25T02:00:00Z';
  it('makes every complaint urgent', () => {
    expect(
      urgentReason({ kind: 'complaint', at, note: 'late' }, { lifecycle: 'loyal', usualOrderMinor: 100 }, S),
    ).toEqual({
      code: 'urgent_complaint',
      value: 0,
      facts: { at, note: 'late' },
    });
  });

  it('makes large orders urgent only for at-risk or churned customers', () => {
    const big = { kind: 'order' as const, at, amountMinor: 600_000 };
    expect(urgentReason(big, { lifecycle: 'at_risk', usualOrderMinor: 100_000 }, S)?.code).toBe(
      'urgent_large_order',
    );
    expect(urgentReason(big, { lifecycle: 'churned', usualOrderMinor: null }, S)?.facts.lifecycle).toBe(
      'churned',
    );
    expect(urgentReason(big, { lifecycle: 'active', usualOrderMinor: 100_000 }, S)).toBeNull();
    // not large against their own usual order (3 × 300,000) or below the floor
    expect(urgentReason(big, { lifecycle: 'at_risk', usualOrderMinor: 300_000 }, S)).toBeNull();
    expect(
      urgentReason({ ...big, amountMinor: 400_000 }, { lifecycle: 'at_risk', usualOrderMinor: 1_000 }, S),
    ).toBeNull();
  });
});
