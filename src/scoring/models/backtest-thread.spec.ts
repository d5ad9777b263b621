import { backtest, backtestHorizons } from './backtest';
import { backtestInThread } from './backtest-thread';
import { CALIBRATION_END_DAY, readCdnowPurchaseDays } from './cdnow.testdata';

describe('backtestInThread', () => {
  it('gives the backtest of this thread, to the bit (CDNOW, an eighth of the customers)', async () => {
    const byCustomer = new Map<number, number[]>();
    for (const d of readCdnowPurchaseDays()) {
      if (d.customerId % 8 !== 0 || d.day > CALIBRATION_END_DAY) continue;
      byCustomer.set(d.customerId, [...(byCustomer.get(d.customerId) ?? []), d.day]);
    }
    const histories = [...byCustomer.keys()]
      .sort((a, b) => a - b)
      .map((id) => ({ days: byCustomer.get(id)!.sort((a, b) => a - b) }));
    const first = Math.min(...histories.map((h) => h.days[0]));
    const opts = {
      cutoffDay: CALIBRATION_END_DAY,
      horizons: backtestHorizons(CALIBRATION_END_DAY - first, 91),
      unitDays: 7,
      forecastDays: 91,
    };
    const here = backtest(histories, opts);
    const there = await backtestInThread(histories, opts);
    expect(there).toEqual(here);
    // toEqual treats numbers with Object.is, so every figure is the same double
    expect(there.candidates.length).toBe(3);
  });
});
