import { describeMove, formatMoney, MoveFacts } from './rebalance-reasons';

const fill = (accounts: number, accountFill: number, valueFill: number) => ({
  accounts,
  value: 0,
  accountFill,
  valueFill,
});

describe('describeMove', () => {
  const names = { from: 'Li Wei', to: 'Zhang San' };

  it('explains balance moves with both reps figures, in English and Chinese', () => {
    const m: MoveFacts = {
      reason: 'balance_value',
      tier: 'general',
      expectedValue: 124_000,
      contactedRecently: false,
      from: fill(60, 1.2, 1.35),
      to: fill(40, 0.8, 0.6),
    };
    expect(describeMove(m, names, 'en', 'CNY')).toBe(
      'Li Wei carried 135% of their share of expected value, Zhang San 60%; a general account (expected value CN¥1,240.00), no recent contact, so no live relationship is broken.',
    );
    expect(describeMove(m, names, 'zh-CN', 'CNY')).toContain('Li Wei 的预期价值为其应得份额的 135%');
  });

  it('names the reason for orphans, returns and the pool', () => {
    const base = {
      tier: 'core' as const,
      expectedValue: 0,
      contactedRecently: false,
      from: null,
      to: fill(3, 0.5, 0.4),
    };
    expect(describeMove({ ...base, reason: 'owner_inactive' }, names, 'en', 'CNY')).toBe(
      'Li Wei is inactive; Zhang San had the most room (40% of their share of value, 50% of accounts).',
    );
    expect(describeMove({ ...base, reason: 'previous_owner' }, names, 'en', 'CNY')).toContain(
      'who owned it before',
    );
    expect(
      describeMove({ ...base, reason: 'no_eligible_rep' }, { from: 'Li Wei', to: null }, 'zh-CN', 'CNY'),
    ).toBe('Li Wei 已停用，团队没有在岗销售：退回团队公海。');
    expect(
      describeMove({ ...base, reason: 'from_pool' }, { from: null, to: 'Zhang San' }, 'en', 'CNY'),
    ).toMatch(/^From the team pool; Zhang San had the most room/);
  });

  it('formats minor units with the currency digits', () => {
    expect(formatMoney(124_000, 'CNY', 'zh-CN')).toBe('¥1,240.00');
    expect(formatMoney(1_240, 'JPY', 'en')).toBe('¥1,240');
  });
});
