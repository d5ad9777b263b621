import { buildCustomerFacts, DEFAULT_FACT_OPTIONS, noOrders } from '../playbooks/customer-facts';
import type { Reason } from './ranking';
import {
  formatMinor,
  outcomeLabel,
  reasonLocale,
  reasonsLine,
  reasonText,
  reasonWithFacts,
} from './reason-text';

const en = { locale: 'en', currency: 'CNY', timeZone: 'Asia/Shanghai', listDate: '2026-11-25' };
const zh = { ...en, locale: 'zh-CN' };

describe('reason text', () => {
  it('renders the issue example in both locales', () => {
    const reasons: Array<Pick<Reason, 'code' | 'facts'>> = [
      { code: 'overdue_vs_cycle', facts: { cycleDays: 30, daysSilent: 52 } },
      { code: 'high_value_at_risk', facts: { atRiskMinor: 124_000 } },
    ];
    expect(reasonsLine(reasons, en)).toBe(
      'bought every ~30 days, now 52 days silent; expected value ¥1,240 at risk',
    );
    expect(reasonsLine(reasons, zh)).toBe('平均约30天下单一次，已52天未下单；预计¥1,240的价值面临流失风险');
  });

  it('shows follow-ups with their times in the workspace zone', () => {
    const callback = { code: 'callback_due' as const, facts: { at: '2026-11-25T06:30:00Z', overdue: 0 } };
    expect(reasonText(callback, en)).toBe('asked to be called back at 14:30');
    expect(reasonText(callback, zh)).toBe('客户约定 14:30 回电');
    const late = { code: 'callback_due' as const, facts: { at: '2026-11-24T06:30:00Z', overdue: 1 } };
    expect(reasonText(late, en)).toBe('asked to be called back on Nov 24 at 14:30 (overdue)');
    const retry = {
      code: 'retry_no_answer' as const,
      facts: { lastAttemptAt: '2026-11-24T03:00:00Z', attempt: 2, maxAttempts: 3 },
    };
    expect(reasonText(retry, en)).toBe('no answer on Nov 24; attempt 2 of 3');
    expect(reasonText(retry, zh)).toBe('11月24日未接通；第2次尝试（共3次）');
  });

  it('covers every other code', () => {
    const cases: Array<[Parameters<typeof reasonText>[0], string]> = [
      [{ code: 'pinned', facts: { note: 'renewal' } }, 'pinned by your manager: renewal'],
      [
        { code: 'win_back', facts: { daysSilent: 140, atRiskMinor: 200_000 } },
        'no order for 140 days; ¥2,000 to win back',
      ],
      [
        { code: 'high_expected_value', facts: { valueMinor: 33_000, days: 30 } },
        'expected to buy ¥330 in the next 30 days',
      ],
      [
        { code: 'likely_to_buy', facts: { probability: 0.624, days: 90 } },
        'likely to buy: 62% chance of an order in the next 90 days',
      ],
      [{ code: 'likely_to_buy', facts: {} }, 'likely to buy soon'],
      [
        { code: 'growth_potential', facts: { clvMinor: 800_000, paceMinor: 300_000 } },
        'room to grow: forecast ¥8,000 vs ¥3,000 at the current pace',
      ],
      [{ code: 'prospect', facts: { daysSinceInteraction: 12 } }, 'prospect, last contact 12 days ago'],
      [{ code: 'prospect', facts: { daysSinceInteraction: null } }, 'prospect, not contacted recently'],
      [{ code: 'recent_complaint', facts: { at: '2026-11-12T02:00:00Z' } }, 'complaint on Nov 12'],
      [
        { code: 'snooze_ended', facts: { until: '2026-11-24', reason: 'trip' } },
        'back from snooze (until Nov 24): trip',
      ],
      [
        { code: 'last_outcome', facts: { outcome: 'not_interested', at: '2026-11-20T02:00:00Z' } },
        'last call on Nov 20: not interested',
      ],
      [
        { code: 'urgent_complaint', facts: { at: '2026-11-25T02:12:00Z' } },
        'urgent: complaint on Nov 25 at 10:12',
      ],
      [
        { code: 'urgent_large_order', facts: { amountMinor: 1_200_000, lifecycle: 'at_risk' } },
        'urgent: large order ¥12,000 from an at-risk customer',
      ],
      [{ code: 'in_portfolio', facts: { daysSilent: null } }, 'your account'],
      [{ code: 'high_cancellation_rate', facts: {} }, 'cancels or returns many of their orders'],
    ];
    for (const [reason, text] of cases) {
      expect(reasonText(reason, en)).toBe(text);
      expect(reasonText(reason, zh)).not.toMatch(/[a-z]{4,}_/); // no raw codes in Chinese text
    }
  });

  it('renders likely_to_buy with its probability, or plainly for a priority reason without facts', () => {
    const reason = { code: 'likely_to_buy' as const, facts: { probability: 0.624, days: 90 } };
    expect(reasonText(reason, zh)).toBe('很可能下单：未来90天下单概率62%');
    expect(reasonText({ code: 'likely_to_buy', facts: {} }, zh)).toBe('近期很可能下单');
    // out-of-range probabilities are clamped, not printed as "130%"
    expect(reasonText({ code: 'likely_to_buy', facts: { probability: 1.3, days: 30 } }, en)).toBe(
      'likely to buy: 100% chance of an order in the next 30 days',
    );
  });

  it('says a high cancellation rate in Chinese too', () => {
    expect(reasonText({ code: 'high_cancellation_rate', facts: {} }, zh)).toBe('订单取消或退货比例高');
  });

  it('formats money in major units and picks locales', () => {
    expect(formatMinor(12_345, 'USD', 'en')).toBe('$123');
    expect(formatMinor(1_240, 'JPY', 'en')).toBe('¥1,240');
    expect(reasonLocale('zh')).toBe('zh-CN');
    expect(reasonLocale('zh-Hans-CN')).toBe('zh-CN');
    expect(reasonLocale('de')).toBe('en');
    expect(outcomeLabel('no_answer', 'zh-CN')).toBe('未接听');
  });
});

describe('reasons with the customer’s facts', () => {
  const facts = buildCustomerFacts(
    {
      ...noOrders('CNY'),
      orderCount: 6,
      orderDays: 2,
      firstOrderDay: '2026-11-21',
      firstOrderMinor: 100,
      lastOrderDay: '2026-11-22',
      lastOrderMinor: 100,
    },
    { listDate: '2026-12-08', ...DEFAULT_FACT_OPTIONS },
  );

  it('says the real cycle, not the ranking’s floor, and the same silence as the talk track', () => {
    // the ranking floors a 1-day cycle to 7 for its maths and counts silence from the score run
    const ranked = { code: 'overdue_vs_cycle' as const, facts: { cycleDays: 7, daysSilent: 15 } };
    const reason = reasonWithFacts(ranked, facts);
    expect(reason.facts).toEqual({ cycleDays: 1, frequent: 1, daysSilent: 16 });
    expect(reasonText(reason, en)).toBe('buys several times a week, now 16 days silent');
    expect(reasonText(reason, zh)).toBe('平时每周多次下单，已16天未下单');
    const winBack = reasonWithFacts(
      { code: 'win_back' as const, facts: { daysSilent: 15, atRiskMinor: 100 } },
      facts,
    );
    expect(reasonText(winBack, en)).toBe('no order for 16 days; ¥1 to win back');
  });

  it('leaves reasons without a silence, and customers without orders, as ranked', () => {
    const pinned = { code: 'pinned' as const, facts: { note: null } };
    expect(reasonWithFacts(pinned, facts)).toBe(pinned);
    const none = buildCustomerFacts(noOrders('CNY'), { listDate: '2026-12-08', ...DEFAULT_FACT_OPTIONS });
    const ranked = { code: 'overdue_vs_cycle' as const, facts: { cycleDays: 30, daysSilent: 52 } };
    expect(reasonWithFacts(ranked, none)).toBe(ranked);
  });
});
