import { createScoringPolicy, DEFAULT_SCORING_POLICY, validateScoringPolicy } from './customer-policy';

describe('policy', () => {
  it('exports frozen, valid defaults', () => {
    expect(() => validateScoringPolicy(DEFAULT_SCORING_POLICY)).not.toThrow();
    expect(Object.isFrozen(DEFAULT_SCORING_POLICY)).toBe(true);
    expect(Object.isFrozen(DEFAULT_SCORING_POLICY.priority.weights)).toBe(true);
    expect(DEFAULT_SCORING_POLICY.activeCycleMultiple).toBe(1.5);
    expect(DEFAULT_SCORING_POLICY.churnCycleMultiple).toBe(3);
  });

  it('keeps the largest possible priority of a buyer at 100 points', () => {
    const w = DEFAULT_SCORING_POLICY.priority.weights;
    // second-purchase (1 transaction) and loyal (≥ 4) exclude each other, and loyal has fewer points
    expect(w.loyal).toBeLessThanOrEqual(w.secondPurchase);
    expect(
      w.valueAtRisk + w.expectedValue + w.likelyToBuy + w.growth + w.overdue + w.complaint + w.secondPurchase,
    ).toBe(100);
  });

  it('merges nested overrides and workspace statistics', () => {
    const p = createScoringPolicy(
      { medianCycleDays: 45 },
      { newWithinDays: 14, priority: { weights: { prospect: 0 } } },
    );
    expect(p.newWithinDays).toBe(14);
    expect(p.priority.weights.prospect).toBe(0);
    expect(p.priority.weights.valueAtRisk).toBe(20);
    expect(p.workspace).toEqual({ medianCycleDays: 45, highClvMin: null, referenceValue: null });
  });

  it('rejects contradictory settings, listing each', () => {
    expect(() => createScoringPolicy({}, { activeCycleMultiple: 3, churnCycleMultiple: 2 })).toThrow(
      /activeCycleMultiple must be < churnCycleMultiple/,
    );
    expect(() => createScoringPolicy({}, { atRiskPAlive: 0.05, churnPAlive: 0.1 })).toThrow(/churnPAlive/);
    expect(() => createScoringPolicy({ medianCycleDays: -1 }, { coreMinMScore: 6 })).toThrow(
      /medianCycleDays.*; .*|coreMinMScore.*; .*medianCycleDays/,
    );
  });
});
