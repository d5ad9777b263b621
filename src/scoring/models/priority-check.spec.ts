import { priorityCheck, priorityCheckSentence, splitSpend, topShareCapture } from './priority-check';

describe('topShareCapture', () => {
  it('is the share of the value held by the top 10 % by score, ties in input order', () => {
    const score = [1, 9, 5, 9, 0, 0, 0, 0, 0, 0, 0];
    const value = [10, 0, 0, 30, 0, 0, 0, 0, 0, 0, 60];
    // 11 customers: the top ceil(1.1) = 2 are indices 1 and 3 (tie in input order)
    expect(topShareCapture(score, value)).toBeCloseTo(0.3, 12);
    expect(topShareCapture(score, value, 0.5)).toBeCloseTo(0.4, 12);
    expect(topShareCapture([1, 2], [0, 0])).toBeNull();
  });
});

describe('splitSpend', () => {
  it('sums what was known at the split and the spend of the horizon after it', () => {
    const { customers, holdout } = splitSpend(
      [
        { days: [10, 20, 30, 45], amounts: [100, 50, 70, 999] },
        { days: [35], amounts: [5] },
        { days: [5], amounts: [40] },
      ],
      30,
      40,
    );
    expect(customers).toEqual([
      { index: 0, transactions: 3, monetary: 220, repeatMean: 60, ageDays: 20, recencyDays: 0 },
      { index: 2, transactions: 1, monetary: 40, repeatMean: null, ageDays: 25, recencyDays: 25 },
    ]);
    // day 45 is after the end of the horizon; customer 1 had not bought by the split
    expect(Array.from(holdout)).toEqual([0, 0]);
  });
});

describe('priorityCheck', () => {
  // 20 customers split at day 100: the even ones bought recently (2 days) and spend little after; the odd ones are
  // big, older buyers (3 days), the later ones a little bigger before and after the split
  const histories = Array.from({ length: 20 }, (_, i) =>
    i % 2 === 0
      ? { days: [90, 99, 105], amounts: [10, 10, 10] }
      : { days: [10, 50, 80 - i, 110], amounts: [500, 500, 500 + 10 * i, 1_000 + i] },
  );

  it('measures the priority beside recency, frequency and spend, and says which naive rule is best', () => {
    const check = priorityCheck(histories, {
      cutoffDay: 120,
      horizonDays: 20,
      priorityOf: (c) => c.monetary,
    });
    expect(check.customers).toBe(20);
    expect(check.holdoutRevenue).toBe(10 * 10 + (10 * 1_000 + (1 + 3 + 5 + 7 + 9 + 11 + 13 + 15 + 17 + 19)));
    // recency ranks the small recent buyers first: they bring 20 of the holdout revenue
    expect(check.capture.recency).toBeCloseTo(20 / check.holdoutRevenue, 12);
    // frequency: the odd customers tie at 3 days, input order → customers 1 and 3
    expect(check.capture.frequency).toBeCloseTo((1_001 + 1_003) / check.holdoutRevenue, 12);
    // spend: customers 19 and 17 spent most
    expect(check.capture.monetary).toBeCloseTo((1_019 + 1_017) / check.holdoutRevenue, 12);
    expect(check.bestNaive).toBe('monetary');
    expect(check.worse).toBe(false);
  });

  it('warns when the priority ranks worse than the best naive rule', () => {
    const check = priorityCheck(histories, {
      cutoffDay: 120,
      horizonDays: 20,
      priorityOf: (c) => -c.monetary,
    });
    expect(check.worse).toBe(true);
    expect(priorityCheckSentence(check)).toMatch(
      /^the priority ranks worse than a naive rule: .* by monetary/,
    );
  });
});
