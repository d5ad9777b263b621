import { backtest, backtestHorizons, splitHistories } from './backtest';
import { backtestInThread } from './backtest-thread';
import { CALIBRATION_END_DAY, readCdnowPurchaseDays } from './cdnow.testdata';
import { fitCountModelByName } from './count-models';

describe('backtestInThread', () => {
  it('gives the backtest of this thread and its chosen model’s fit, to the bit (CDNOW, an eighth of the customers)', async () => {
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
    const rows = splitHistories(histories, CALIBRATION_END_DAY).summaries.map((s) => ({
      x: s.x,
      tx: Math.round(s.tx / 7),
      T: Math.round(s.T / 7),
    }));
    const here = backtest(histories, opts);
    const there = await backtestInThread(histories, opts, rows);
    // toEqual compares numbers with Object.is: every figure is the same double
    expect(there.result).toEqual(here);
    expect(there.result.candidates.length).toBe(3);
    const chosen = here.chosen;
    expect(there.candidateFit).toEqual(
      chosen && chosen !== 'bg-nbd' ? { model: chosen, fit: fitCountModelByName(chosen, rows) } : undefined,
    );
  });
});
