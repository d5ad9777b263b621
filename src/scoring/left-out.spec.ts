import fc from 'fast-check';
import {
  LEFT_OUT_REASONS,
  LeftOutContext,
  leftOutReport,
  leftOutWarnings,
  OrderTallyRow,
  WARNED_REASONS,
} from './left-out';

const ctx: LeftOutContext = {
  currency: 'CNY',
  asOf: '2026-11-23',
  timezone: 'Asia/Shanghai',
  backtest: false,
};

const row = (
  reason: OrderTallyRow['reason'],
  orders: number | string,
  currency = 'CNY',
  original: string | null = null,
): OrderTallyRow => ({ reason, currency, original_currency: original, orders });

describe('leftOutReport', () => {
  it('counts each reason, the other currencies and the converted orders', () => {
    const report = leftOutReport(
      [
        row('used', '900'),
        row('used', 30, 'CNY', 'EUR'),
        row('used', 5, 'CNY', 'USD'),
        row('otherCurrency', 40, 'USD'),
        row('otherCurrency', 2, 'JPY'),
        row('cancelled', 7),
        row('cancelled', 1, 'USD'),
        row('futureDated', 3),
        row('deletedCustomer', 4),
      ],
      ctx,
    );
    expect(report).toEqual({
      orders: 57,
      share: 0.0575,
      totalOrders: 992,
      usedOrders: 935,
      byReason: {
        deletedOrder: 0,
        deletedCustomer: 4,
        mergedCustomer: 0,
        otherCurrency: 42,
        cancelled: 8,
        refunded: 0,
        futureDated: 3,
      },
      otherCurrencies: { USD: 40, JPY: 2 },
      converted: { orders: 35, byCurrency: { EUR: 30, USD: 5 } },
      warnedShare: 0.0494,
    });
  });

  it('an empty workspace has nothing left out and no warning', () => {
    const report = leftOutReport([], ctx);
    expect(report).toMatchObject({ orders: 0, share: 0, totalOrders: 0, warnedShare: 0 });
    expect(leftOutWarnings(report, ctx)).toEqual([]);
  });

  it('trims char(3) padding from currencies', () => {
    expect(leftOutReport([row('otherCurrency', 1, 'US ')], ctx).otherCurrencies).toEqual({ US: 1 });
  });
});

describe('leftOutWarnings', () => {
  it('warns above 1 % of the orders with each warned reason, its count and what to do', () => {
    const report = leftOutReport(
      [row('used', 97), row('otherCurrency', 2, 'USD'), row('futureDated', 1), row('cancelled', 5)],
      ctx,
    );
    const [warning, ...more] = leftOutWarnings(report, ctx);
    expect(more).toEqual([]);
    expect(warning).toMatch(/^3 of 105 orders \(2\.9 %\) were left out/);
    expect(warning).toMatch(/2 in another currency than the workspace's CNY \(USD 2\): load rates with/);
    expect(warning).toMatch(/1 placed after the end of the as-of day 2026-11-23 \(Asia\/Shanghai\)/);
    // cancelled orders are counted in the report, not in the warning
    expect(warning).not.toMatch(/cancel/);
  });

  it('does not warn at exactly 1 %, nor for cancelled, refunded and deleted orders however many', () => {
    expect(
      leftOutWarnings(leftOutReport([row('used', 99), row('otherCurrency', 1, 'USD')], ctx), ctx),
    ).toEqual([]);
    const crmDecisions = leftOutReport(
      [row('used', 50), row('cancelled', 20), row('refunded', 20), row('deletedOrder', 10)],
      ctx,
    );
    expect(crmDecisions.share).toBe(0.5);
    expect(leftOutWarnings(crmDecisions, ctx)).toEqual([]);
  });

  it('a backtest does not warn about orders after its as-of day: it leaves them out on purpose', () => {
    const rows = [row('used', 50), row('futureDated', 50)];
    const backtest = { ...ctx, backtest: true };
    expect(leftOutWarnings(leftOutReport(rows, backtest), backtest)).toEqual([]);
    expect(leftOutWarnings(leftOutReport(rows, ctx), ctx)).toHaveLength(1);
  });

  it('property: reasons sum to the left-out count, used + left out = all, a warning iff warned > 1 %', () => {
    const reason = fc.constantFrom<OrderTallyRow['reason']>('used', ...LEFT_OUT_REASONS);
    const rows = fc.array(
      fc.record({
        reason,
        currency: fc.constantFrom('CNY', 'USD', 'EUR'),
        original_currency: fc.constantFrom(null, 'USD', 'JPY'),
        orders: fc.nat(10_000),
      }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(rows, fc.boolean(), (tally, backtest) => {
        const c = { ...ctx, backtest };
        const report = leftOutReport(tally, c);
        const sumReasons = LEFT_OUT_REASONS.reduce((s, r) => s + report.byReason[r], 0);
        expect(sumReasons).toBe(report.orders);
        expect(report.orders + report.usedOrders).toBe(tally.reduce((s, r) => s + r.orders, 0));
        expect(Object.values(report.otherCurrencies).reduce((s, n) => s + n, 0)).toBe(
          report.byReason.otherCurrency,
        );
        const warned = WARNED_REASONS.filter((r) => !(backtest && r === 'futureDated')).reduce(
          (s, r) => s + report.byReason[r],
          0,
        );
        const expectWarning = report.totalOrders > 0 && warned / report.totalOrders > 0.01;
        expect(leftOutWarnings(report, c).length).toBe(expectWarning ? 1 : 0);
      }),
    );
  });
});
