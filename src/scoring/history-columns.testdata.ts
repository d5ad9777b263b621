/**
 * A run's input columns made from purchase histories, for specs and the accuracy benchmark: what the chunks' COPY
 * would deliver for those customers (ids 1…n in order).
 */
import { allocateColumns, type InputColumns } from './run-statistics';

/** Each history's days (ascending, non-empty) and, when given, each day's spend; without spend 1,000 a day. */
export function historyColumns(
  histories: ReadonlyArray<{ days: ArrayLike<number>; amounts?: ArrayLike<number> }>,
): InputColumns {
  const cols = allocateColumns(histories.length);
  histories.forEach((h, i) => {
    const amounts = h.amounts;
    cols.customerId[i] = i + 1;
    cols.transactions[i] = h.days.length;
    cols.firstDay[i] = h.days[0];
    cols.lastDay[i] = h.days[h.days.length - 1];
    cols.monetary[i] = amounts ? Array.from(amounts).reduce((a, b) => a + b, 0) : 1000 * h.days.length;
    cols.firstAmount[i] = amounts ? amounts[0] : 1000;
  });
  cols.length = histories.length;
  return cols;
}
