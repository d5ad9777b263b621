import fc from 'fast-check';
import { KeyPair, planDedupe } from './dedupe-plan';

const pair = (a: number, b: number, names: [string | null, string | null], more: Partial<KeyPair> = {}) => ({
  a: String(a),
  b: String(b),
  sameEmail: true,
  samePhone: false,
  bornA: a,
  bornB: b,
  namesA: [names[0]],
  namesB: [names[1]],
  blocked: false,
  ...more,
});

describe('planDedupe', () => {
  it('merges a shared key with compatible names into the oldest record', () => {
    const plan = planDedupe([pair(1, 2, ['李娜', 'Li Na'], { bornA: 50, bornB: 10, samePhone: true })]);
    expect(plan.merges).toEqual([{ winnerId: '2', loserId: '1', reason: 'same_email_and_phone' }]);
    expect(plan.review).toEqual([]);
  });

  it('only proposes a shared key with different names (the family email, the switchboard)', () => {
    const plan = planDedupe([
      pair(1, 2, ['李娜', '王强']),
      pair(3, 4, ['北京安泰制造有限公司', '上海华盛贸易有限公司'], { sameEmail: false, samePhone: true }),
      pair(5, 6, ['Li Na', null]),
    ]);
    expect(plan.merges).toEqual([]);
    expect(plan.review).toEqual([
      { a: '1', b: '2', sameEmail: true, samePhone: false },
      { a: '3', b: '4', sameEmail: false, samePhone: true },
      { a: '5', b: '6', sameEmail: true, samePhone: false },
    ]);
  });

  it('only proposes one name on a shared phone when both have emails and share none (two people, one name)', () => {
    const plan = planDedupe([
      pair(1, 2, ['王伟', '王伟'], { sameEmail: false, samePhone: true, emailsDiffer: true }),
      pair(3, 4, ['Li Na', 'LI NA'], { sameEmail: false, samePhone: true, emailsDiffer: false }),
    ]);
    expect(plan.merges).toEqual([{ winnerId: '3', loserId: '4', reason: 'same_phone' }]);
    expect(plan.review).toEqual([{ a: '1', b: '2', sameEmail: false, samePhone: true }]);
  });

  it('proposes between the customers that stand after the merges, once per pair', () => {
    // 1 ~ 2 (same person), 3 shares a family phone with both
    const plan = planDedupe([
      pair(1, 2, ['李娜', ' 李娜 ']),
      pair(1, 3, ['李娜', '王强'], { sameEmail: false, samePhone: true }),
      pair(2, 3, [' 李娜 ', '王强'], { sameEmail: false, samePhone: true }),
    ]);
    expect(plan.merges).toEqual([{ winnerId: '1', loserId: '2', reason: 'same_email' }]);
    expect(plan.review).toEqual([{ a: '1', b: '3', sameEmail: false, samePhone: true }]);
  });

  it('never merges or proposes a pair a person separated', () => {
    const plan = planDedupe([
      pair(1, 2, ['Li Na', 'li na'], { blocked: true }),
      pair(3, 4, ['a', 'b'], { blocked: true }),
    ]);
    expect(plan).toEqual({
      merges: [],
      review: [],
      blocked: [{ winnerId: '1', loserId: '2', reason: 'same_email' }],
    });
  });

  it('after a person undid both merges of a group, its other members are not merged with each other', () => {
    // 1 ← 2 and 1 ← 3 were undone; 2 and 3 share the key too but were never merged with each other
    const plan = planDedupe([
      pair(1, 2, ['Li Na', 'li na'], { blocked: true }),
      pair(1, 3, ['Li Na', '李娜'], { blocked: true }),
      pair(2, 3, ['li na', '李娜']),
    ]);
    expect(plan.merges).toEqual([]);
    expect(plan.blocked).toHaveLength(2);
  });

  it('each loser is merged once, into the oldest member of its group, and no merged pair is also proposed', () => {
    const names = ['Li Na', 'LI NA', '李娜', 'Wang Qiang', null];
    const arb = fc.array(
      fc.record({
        a: fc.integer({ min: 1, max: 12 }),
        b: fc.integer({ min: 1, max: 12 }),
        na: fc.constantFrom(...names),
        nb: fc.constantFrom(...names),
      }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(arb, (raw) => {
        const seen = new Set<string>();
        const pairs = raw
          .filter((r) => r.a !== r.b)
          .map((r) => (r.a < r.b ? r : { ...r, a: r.b, b: r.a }))
          .filter((r) => !seen.has(`${r.a}|${r.b}`) && seen.add(`${r.a}|${r.b}`))
          .map((r) => pair(r.a, r.b, [r.na, r.nb]));
        const plan = planDedupe(pairs);
        const losers = plan.merges.map((m) => m.loserId);
        expect(new Set(losers).size).toBe(losers.length);
        for (const m of plan.merges) {
          expect(Number(m.winnerId)).toBeLessThan(Number(m.loserId)); // born = id here
          expect(losers).not.toContain(m.winnerId);
        }
        for (const r of plan.review) {
          expect(losers).not.toContain(r.a);
          expect(losers).not.toContain(r.b);
        }
      }),
    );
  });
});
