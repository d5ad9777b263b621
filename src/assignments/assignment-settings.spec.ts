import fc from 'fast-check';
import {
  assignmentSettings,
  DEFAULT_POOL_POLICY,
  judgeClaim,
  patchPoolSettings,
  poolPolicy,
  SettingsError,
} from './assignment-settings';

const NOW = new Date('2026-11-24T09:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const none = { core: 0, potential: 0, general: 0 };

describe('workspace settings', () => {
  it('fills defaults and keeps what the workspace set', () => {
    expect(poolPolicy({})).toEqual(DEFAULT_POOL_POLICY);
    const p = poolPolicy({ pool: { followUpDays: { core: null }, dailyClaimLimit: 5 } });
    expect(p.followUpDays).toEqual({ core: null, potential: 45, general: 60 });
    expect(p.dailyClaimLimit).toBe(5);
    expect(assignmentSettings({ assignments: { workingDays: 22 } })).toMatchObject({
      workingDays: 22,
      rebalanceTolerance: 0.15,
    });
  });

  it('rejects unknown keys, bad values and a reminder that would come after the release, naming the field', () => {
    expect(() => poolPolicy({ pool: { followUpDay: 3 } })).toThrow(SettingsError);
    expect(() => poolPolicy({ pool: { dailyClaimLimit: -1 } })).toThrow(/pool.dailyClaimLimit/);
    expect(() => poolPolicy({ pool: { sweepCron: 'every day' } })).toThrow(/sweepCron/);
    expect(() => poolPolicy({ pool: { followUpDays: { general: 2 } } })).toThrow(/followUpDays.general/);
    expect(() => assignmentSettings({ assignments: { rebalanceTolerance: 3 } })).toThrow(
      /rebalanceTolerance/,
    );
  });

  it('patches the stored settings field by field', () => {
    const stored = { followUpDays: { core: 20 }, dailyClaimLimit: 3 };
    expect(patchPoolSettings(stored, { followUpDays: { general: 90 } })).toEqual({
      followUpDays: { core: 20, general: 90 },
      holdingCap: {},
      dailyClaimLimit: 3,
    });
    expect(() => patchPoolSettings(stored, { reminderDaysBefore: 25 })).toThrow(/followUpDays.core/);
  });
});

describe('judgeClaim', () => {
  const base = { policy: DEFAULT_POOL_POLICY, holdings: none, claimedToday: 0, now: NOW };

  it('allows claims within every limit', () => {
    expect(judgeClaim({ ...base, candidates: [{ id: '1', tier: 'core', lapsedFromMeAt: null }] })).toEqual({
      ok: true,
    });
  });

  it('enforces the daily claim limit, all or nothing', () => {
    const candidates = Array.from({ length: 3 }, (_, i) => ({
      id: `${i}`,
      tier: 'general' as const,
      lapsedFromMeAt: null,
    }));
    const v = judgeClaim({ ...base, claimedToday: 18, candidates });
    expect(v).toMatchObject({ ok: false, code: 'daily_claim_limit', details: { remaining: 2 } });
  });

  it('enforces the holding cap per tier, counting what the rep already holds', () => {
    const v = judgeClaim({
      ...base,
      holdings: { core: 49, potential: 0, general: 0 },
      candidates: [
        { id: '1', tier: 'core', lapsedFromMeAt: null },
        { id: '2', tier: 'core', lapsedFromMeAt: null },
      ],
    });
    expect(v).toMatchObject({ ok: false, code: 'holding_cap', details: { tier: 'core', cap: 50, held: 49 } });
    const uncapped = {
      ...DEFAULT_POOL_POLICY,
      holdingCap: { ...DEFAULT_POOL_POLICY.holdingCap, core: null },
    };
    expect(
      judgeClaim({
        ...base,
        policy: uncapped,
        holdings: { core: 10_000, potential: 0, general: 0 },
        candidates: [{ id: '1', tier: 'core', lapsedFromMeAt: null }],
      }),
    ).toEqual({ ok: true });
  });

  it('refuses to give back an account that lapsed from the same rep within the cooldown', () => {
    const v = judgeClaim({
      ...base,
      candidates: [{ id: '7', tier: 'general', lapsedFromMeAt: daysAgo(10) }],
    });
    expect(v).toMatchObject({ ok: false, code: 'reclaim_cooldown', details: { customerIds: ['7'] } });
    expect(
      judgeClaim({ ...base, candidates: [{ id: '7', tier: 'general', lapsedFromMeAt: daysAgo(31) }] }),
    ).toEqual({
      ok: true,
    });
  });

  it('refuses everything when the pool is switched off', () => {
    const v = judgeClaim({ ...base, policy: { ...DEFAULT_POOL_POLICY, enabled: false }, candidates: [] });
    expect(v).toMatchObject({ ok: false, code: 'pool_disabled' });
  });

  it('never lets a rep go past the daily limit or a cap, whatever the request', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.array(fc.constantFrom('core', 'potential', 'general'), { maxLength: 30 }),
        fc.record({ core: fc.nat(60), potential: fc.nat(200), general: fc.nat(600) }),
        (claimedToday, tiers, holdings) => {
          const candidates = tiers.map((tier, i) => ({ id: `${i}`, tier, lapsedFromMeAt: null }));
          const v = judgeClaim({ ...base, claimedToday, holdings, candidates });
          if (!v.ok) return;
          expect(claimedToday + candidates.length).toBeLessThanOrEqual(DEFAULT_POOL_POLICY.dailyClaimLimit);
          for (const t of ['core', 'potential', 'general'] as const) {
            const adding = tiers.filter((x) => x === t).length;
            if (adding) expect(holdings[t] + adding).toBeLessThanOrEqual(DEFAULT_POOL_POLICY.holdingCap[t]!);
          }
        },
      ),
    );
  });
});
