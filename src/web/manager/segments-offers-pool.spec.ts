import type { OfferView } from '../../offers/offers.service';
import { offersView, poolView, segmentView } from './segments-offers-pool';

const offer = (over: Partial<OfferView> & { usage: OfferView['usage'] }): OfferView => ({
  code: 'gift',
  version: 1,
  state: 'active',
  terms: {
    title: { en: 'Gift set', 'zh-CN': '礼盒' },
    description: { en: 'a gift set', 'zh-CN': '赠送礼盒' },
    tiers: ['core'],
    priority: 1,
  },
  archivedAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

describe('RFM segments, offers’ budget use and the pool on the manager dashboard', () => {
  it('lists segments in the catalog’s order, the unsegmented last and without a code to filter by', () => {
    const view = segmentView(
      [
        { segment: 'lost', customers: 5, clv: '1000' },
        { segment: null, customers: 2, clv: '0' },
        { segment: 'champions', customers: 3, clv: '250000' },
        { segment: 'at_risk', customers: 0, clv: '0' },
      ],
      'zh-CN',
      'CNY',
    );
    expect(view.segments.map((s) => [s.code, s.label, s.customers])).toEqual([
      ['champions', '重要价值', 3],
      ['lost', '已流失', 5],
      [null, '未分群', 2],
    ]);
    expect(view.segments[0].share).toBe('30%');
    expect(view.chart.items[0]).toMatchObject({ name: '重要价值', value: 3, code: 'champions' });
    expect(view.chart.items[0].detail).toContain('2,500');
    expect(JSON.stringify(view)).not.toMatch(/"name":"[a-z]+_[a-z]/);
  });

  it('shows each offer’s use against its count and money budgets, no share without a budget', () => {
    const view = offersView(
      [
        offer({ usage: { redemptions: 30, redeemedMinor: 15_000, remaining: 70, remainingMinor: null } }),
        offer({
          code: 'old',
          state: 'exhausted',
          usage: { redemptions: 10, redeemedMinor: 50_000, remaining: 0, remainingMinor: 0 },
        }),
        offer({
          code: 'gone',
          state: 'archived',
          usage: { redemptions: 0, redeemedMinor: 0, remaining: null, remainingMinor: null },
        }),
      ],
      'en',
      'CNY',
    );
    expect(view.rows.map((r) => r.code)).toEqual(['gift', 'old']);
    expect(view.rows[0]).toMatchObject({
      stateLabel: 'active',
      redemptions: '30 of 100',
      countShare: 30,
      moneyShare: null,
    });
    expect(view.rows[0].money).toMatch(/^CN¥150\.00 \(no limit\)$/);
    expect(view.rows[1]).toMatchObject({ stateLabel: 'budget used up', countShare: 100, moneyShare: 100 });
    expect(view.chart.categories).toEqual(['Gift set (active)', 'Gift set (budget used up)']);
    const unlimited = offer({
      usage: { redemptions: 4, redeemedMinor: 0, remaining: null, remainingMinor: null },
    });
    expect(offersView([unlimited], 'en', 'CNY')).toMatchObject({
      rows: [{ redemptions: '4 (no limit)' }],
      chart: { categories: [], count: [], money: [] },
    });
    // a zero budget is a full one; titles and states in Chinese
    const zero = offer({ usage: { redemptions: 0, redeemedMinor: 0, remaining: 0, remainingMinor: null } });
    expect(offersView([zero], 'zh-CN', 'CNY').rows[0]).toMatchObject({
      title: '礼盒',
      stateLabel: '进行中',
      countShare: 100,
    });
  });

  it('says the pool in words', () => {
    const summary = {
      enabled: true,
      accounts: 12,
      teamPool: 4,
      oldestReleasedAt: new Date(),
      claims: 3,
      days: 7,
    };
    expect(poolView(summary, '2026-11-30', 'zh-CN')).toEqual({
      enabled: true,
      accounts: 12,
      teamPool: 4,
      oldest: '2026-11-30',
      claims: 3,
      claimsLabel: '近 7 天团队领取数',
    });
  });
});
