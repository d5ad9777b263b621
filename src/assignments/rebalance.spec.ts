import fc from 'fast-check';
import {
  rebalance,
  RebalanceAccount,
  RebalanceOptions,
  RebalanceRep,
  RebalanceResult,
  Tier,
} from './rebalance';

const T = 'team-1';
const rep = (id: string, over: Partial<RebalanceRep> = {}): RebalanceRep => ({
  id,
  teamId: T,
  active: true,
  dailyCapacity: 20,
  ...over,
});
const acct = (id: string, ownerId: string | null, value: number, over: Partial<RebalanceAccount> = {}) => ({
  id,
  ownerId,
  teamId: T,
  tier: 'general' as Tier,
  expectedValue: value,
  ...over,
});
const full: RebalanceOptions = { teamId: T, tolerance: 0.15, mode: 'full' };
const pad = (n: number) => String(n).padStart(4, '0');

/** Owner of every account after applying the moves. */
function ownersAfter(accounts: RebalanceAccount[], result: RebalanceResult): Map<string, string | null> {
  const owners = new Map(accounts.map((a) => [a.id, a.ownerId]));
  for (const m of result.moves) owners.set(m.accountId, m.toRepId);
  return owners;
}

describe('rebalance (examples)', () => {
  it('moves nothing when every rep is within tolerance', () => {
    const reps = [rep('a'), rep('b')];
    const accounts = [acct('1', 'a', 100), acct('2', 'a', 100), acct('3', 'b', 100), acct('4', 'b', 110)];
    const r = rebalance(reps, accounts, full);
    expect(r.moves).toEqual([]);
    expect(r.withinTolerance).toBe(true);
  });

  it("gives a deactivated rep's accounts to the team, none to the inactive rep or another team", () => {
    const reps = [rep('a'), rep('b'), rep('gone', { active: false }), rep('other', { teamId: 'team-2' })];
    const accounts = [
      ...Array.from({ length: 10 }, (_, i) => acct(`a${i}`, 'a', 100)),
      ...Array.from({ length: 10 }, (_, i) => acct(`b${i}`, 'b', 100)),
      ...Array.from({ length: 10 }, (_, i) => acct(`g${i}`, 'gone', 100)),
    ];
    const r = rebalance(reps, accounts, { ...full, mode: 'orphans' });
    expect(r.moves).toHaveLength(10);
    expect(new Set(r.moves.map((m) => m.reason))).toEqual(new Set(['owner_inactive']));
    const to = r.moves.map((m) => m.toRepId);
    expect(to.filter((x) => x === 'a')).toHaveLength(5);
    expect(to.filter((x) => x === 'b')).toHaveLength(5);
    expect(r.after.find((l) => l.repId === 'gone')).toMatchObject({ accounts: 0, eligible: false });
  });

  it('sends an orphan back to its previous owner when they have room', () => {
    const reps = [rep('a'), rep('b'), rep('gone', { active: false })];
    const accounts = [
      acct('1', 'a', 100),
      acct('2', 'b', 100),
      acct('3', 'gone', 100, { previousOwnerId: 'b' }),
    ];
    // without the preference the tie would go to 'a' (same load, lower id)
    const r = rebalance(reps, accounts, { ...full, tolerance: 0.5, mode: 'orphans' });
    expect(r.moves).toEqual([
      expect.objectContaining({ accountId: '3', fromRepId: 'gone', toRepId: 'b', reason: 'previous_owner' }),
    ]);
    const noPreference = rebalance(
      reps,
      [accounts[0], accounts[1], { ...accounts[2], previousOwnerId: null }],
      {
        ...full,
        tolerance: 0.5,
        mode: 'orphans',
      },
    );
    expect(noPreference.moves[0]).toMatchObject({ toRepId: 'a', reason: 'owner_inactive' });
  });

  it('returns accounts to the team pool when the team has no active rep', () => {
    const r = rebalance([rep('gone', { active: false })], [acct('1', 'gone', 5), acct('2', null, 9)], full);
    expect(r.moves).toEqual([
      expect.objectContaining({ accountId: '1', toRepId: null, reason: 'no_eligible_rep' }),
    ]);
  });

  it('gives a new rep a fair share, taking accounts without recent contact and of lower tier first', () => {
    const reps = [rep('a'), rep('new')];
    const accounts = Array.from({ length: 20 }, (_, i) =>
      acct(`c${pad(i)}`, 'a', 100, {
        tier: (['core', 'potential', 'general'] as const)[i % 3],
        contactedRecently: i < 10,
      }),
    );
    const r = rebalance(reps, accounts, full);
    expect(r.withinTolerance).toBe(true);
    const movedIds = new Set(r.moves.map((m) => m.accountId));
    expect(r.moves.every((m) => m.toRepId === 'new' && m.fromRepId === 'a')).toBe(true);
    expect(r.moves.length).toBeGreaterThanOrEqual(8);
    // the ten accounts without recent contact go before any recently contacted one
    const recentMoved = accounts.filter((a) => a.contactedRecently && movedIds.has(a.id)).length;
    const quietMoved = accounts.filter((a) => !a.contactedRecently && movedIds.has(a.id)).length;
    expect(recentMoved === 0 || quietMoved === 10).toBe(true);
    // general before core among the quiet ones
    const quietCoreMoved = accounts.filter(
      (a) => !a.contactedRecently && a.tier === 'core' && movedIds.has(a.id),
    );
    const quietGeneralKept = accounts.filter(
      (a) => !a.contactedRecently && a.tier === 'general' && !movedIds.has(a.id),
    );
    expect(quietCoreMoved.length === 0 || quietGeneralKept.length === 0).toBe(true);
  });

  it('splits by capacity: a rep with twice the capacity gets about twice the accounts and value', () => {
    const reps = [rep('a', { dailyCapacity: 40 }), rep('b', { dailyCapacity: 20 })];
    const accounts = Array.from({ length: 90 }, (_, i) => acct(`c${pad(i)}`, 'b', 100 + (i % 7) * 10));
    const r = rebalance(reps, accounts, full);
    expect(r.withinTolerance).toBe(true);
    const a = r.after.find((l) => l.repId === 'a')!;
    expect(a.accounts).toBeGreaterThanOrEqual(51);
    expect(a.accounts).toBeLessThanOrEqual(69);
  });

  it('never moves pinned accounts for balance', () => {
    const reps = [rep('a'), rep('b')];
    const accounts = Array.from({ length: 10 }, (_, i) => acct(`c${i}`, 'a', 100, { pinned: true }));
    expect(rebalance(reps, accounts, full).moves).toEqual([]);
  });

  it('balances value as well as counts: a rep holding the big accounts gives some up', () => {
    const reps = [rep('a'), rep('b')];
    const accounts = [
      ...Array.from({ length: 20 }, (_, i) => acct(`a${pad(i)}`, 'a', 1000)),
      ...Array.from({ length: 20 }, (_, i) => acct(`b${pad(i)}`, 'b', 100)),
    ];
    const r = rebalance(reps, accounts, full);
    expect(r.withinTolerance).toBe(true);
    expect(r.moves.some((m) => m.reason === 'balance_value')).toBe(true);
  });

  it('stops at maxMoves and ignores accounts of other teams', () => {
    const reps = [rep('a'), rep('b')];
    const accounts = [
      ...Array.from({ length: 30 }, (_, i) => acct(`c${pad(i)}`, 'a', 100)),
      acct('x', 'a', 100, { teamId: 'team-2' }),
    ];
    const r = rebalance(reps, accounts, { ...full, maxMoves: 3 });
    expect(r.moves).toHaveLength(3);
    expect(r.moves.some((m) => m.accountId === 'x')).toBe(false);
  });

  it('rejects a nonsensical tolerance', () => {
    expect(() => rebalance([], [], { ...full, tolerance: -1 })).toThrow(RangeError);
  });
});

// ---- properties ---------------------------------------------------------------------------------------

const tierArb = fc.constantFrom<Tier>('core', 'potential', 'general');
const teamArb = fc.constantFrom('team-1', 'team-2');

const scenario = fc
  .record({
    reps: fc.array(
      fc.record({ teamId: teamArb, active: fc.boolean(), dailyCapacity: fc.integer({ min: 0, max: 40 }) }),
      { minLength: 1, maxLength: 7 },
    ),
    accounts: fc.array(
      fc.record({
        owner: fc.integer({ min: -1, max: 8 }),
        prev: fc.integer({ min: -1, max: 8 }),
        teamId: teamArb,
        tier: tierArb,
        value: fc.integer({ min: 0, max: 100_000 }),
        recent: fc.boolean(),
        pinned: fc.boolean(),
      }),
      { maxLength: 80 },
    ),
    tolerance: fc.double({ min: 0, max: 0.5, noNaN: true }),
    mode: fc.constantFrom<'full' | 'orphans'>('full', 'orphans'),
  })
  .map(({ reps, accounts, tolerance, mode }) => {
    const repList: RebalanceRep[] = reps.map((r, i) => ({ id: `r${i}`, ...r }));
    const ref = (k: number) => (k < 0 ? null : `r${k}`); // ids beyond the list: unknown reps
    const accountList: RebalanceAccount[] = accounts.map((a, i) => ({
      id: `a${pad(i)}`,
      ownerId: ref(a.owner),
      previousOwnerId: ref(a.prev),
      teamId: a.teamId,
      tier: a.tier,
      expectedValue: a.value,
      contactedRecently: a.recent,
      pinned: a.pinned,
    }));
    return {
      reps: repList,
      accounts: accountList,
      options: { teamId: 'team-1', tolerance, mode } as RebalanceOptions,
    };
  });

function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i -= 1) {
    s = (s * 1664525 + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('rebalance (properties)', () => {
  it('never assigns to inactive reps, other teams or unknown reps; moves each account once, from its owner', () => {
    fc.assert(
      fc.property(scenario, ({ reps, accounts, options }) => {
        const r = rebalance(reps, accounts, options);
        const repById = new Map(reps.map((x) => [x.id, x]));
        const accountById = new Map(accounts.map((a) => [a.id, a]));
        const seen = new Set<string>();
        for (const m of r.moves) {
          const a = accountById.get(m.accountId)!;
          expect(a.teamId).toBe(options.teamId);
          expect(m.fromRepId).toBe(a.ownerId);
          expect(seen.has(m.accountId)).toBe(false);
          seen.add(m.accountId);
          if (m.toRepId === null) {
            expect(m.reason).toBe('no_eligible_rep');
          } else {
            const to = repById.get(m.toRepId)!;
            expect(to.active).toBe(true);
            expect(to.teamId).toBe(options.teamId);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('leaves no account of the team with an ineligible owner (no limbo)', () => {
    fc.assert(
      fc.property(scenario, ({ reps, accounts, options }) => {
        const r = rebalance(reps, accounts, options);
        const eligible = new Set(
          reps.filter((x) => x.active && x.teamId === options.teamId).map((x) => x.id),
        );
        const owners = ownersAfter(accounts, r);
        for (const a of accounts.filter((x) => x.teamId === options.teamId)) {
          const owner = owners.get(a.id) ?? null;
          if (owner !== null) expect(eligible.has(owner)).toBe(true);
          if (owner === null && a.ownerId === null && eligible.size > 0)
            throw new Error('pool account left behind');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps relationships: eligible owners keep their accounts in orphans mode, pinned accounts never move', () => {
    fc.assert(
      fc.property(scenario, ({ reps, accounts, options }) => {
        const eligible = new Set(
          reps.filter((x) => x.active && x.teamId === options.teamId).map((x) => x.id),
        );
        const orphansOnly = rebalance(reps, accounts, { ...options, mode: 'orphans' });
        const fullResult = rebalance(reps, accounts, { ...options, mode: 'full' });
        const accountById = new Map(accounts.map((a) => [a.id, a]));
        for (const m of orphansOnly.moves) {
          const owner = accountById.get(m.accountId)!.ownerId;
          expect(owner === null || !eligible.has(owner)).toBe(true);
        }
        for (const m of fullResult.moves) {
          const a = accountById.get(m.accountId)!;
          if (a.pinned && a.ownerId !== null) expect(eligible.has(a.ownerId)).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('moves nothing in full mode when there are no orphans and everyone is within tolerance', () => {
    fc.assert(
      fc.property(scenario, ({ reps, accounts, options }) => {
        const eligible = new Set(
          reps.filter((x) => x.active && x.teamId === options.teamId).map((x) => x.id),
        );
        const mine = accounts.filter((a) => a.teamId === options.teamId);
        fc.pre(mine.every((a) => a.ownerId !== null && eligible.has(a.ownerId)));
        const r = rebalance(reps, accounts, { ...options, mode: 'full' });
        if (r.before.filter((l) => l.eligible).every((l) => l.withinTolerance)) expect(r.moves).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic: the same team in any input order gives the same proposal', () => {
    fc.assert(
      fc.property(scenario, fc.integer(), ({ reps, accounts, options }, seed) => {
        const a = rebalance(reps, accounts, options);
        const b = rebalance(shuffle(reps, seed), shuffle(accounts, seed + 1), options);
        expect(b).toEqual(a);
      }),
      { numRuns: 200 },
    );
  });

  it('ends within tolerance on teams of many small accounts, whatever the starting point', () => {
    const granular = fc
      .record({
        caps: fc.array(fc.integer({ min: 10, max: 40 }), { minLength: 2, maxLength: 6 }),
        perRep: fc.integer({ min: 30, max: 60 }),
        values: fc.array(fc.integer({ min: 100, max: 1000 }), { minLength: 1, maxLength: 50 }),
        skew: fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        tolerance: fc.double({ min: 0.1, max: 0.3, noNaN: true }),
      })
      .map(({ caps, perRep, values, skew, tolerance }) => {
        const reps = caps.map((c, i) => rep(`r${i}`, { dailyCapacity: c }));
        const n = perRep * caps.length;
        const accounts = Array.from({ length: n }, (_, i) =>
          acct(`a${pad(i)}`, `r${skew[i % skew.length] % caps.length}`, values[i % values.length], {
            tier: (['core', 'potential', 'general'] as const)[i % 3],
            contactedRecently: i % 4 === 0,
          }),
        );
        return { reps, accounts, tolerance };
      });
    fc.assert(
      fc.property(granular, ({ reps, accounts, tolerance }) => {
        const r = rebalance(reps, accounts, { teamId: T, tolerance, mode: 'full' });
        expect(r.withinTolerance).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('handles a team of 10,000 accounts quickly', () => {
    const reps = Array.from({ length: 20 }, (_, i) => rep(`r${pad(i)}`, { dailyCapacity: 15 + (i % 5) * 5 }));
    reps.push(rep('newbie'));
    const accounts = Array.from({ length: 10_000 }, (_, i) =>
      acct(`a${String(i).padStart(6, '0')}`, `r${pad(i % 20)}`, 100 + ((i * 7919) % 5000), {
        contactedRecently: i % 3 === 0,
      }),
    );
    const t0 = Date.now();
    const r = rebalance(reps, accounts, full);
    const ms = Date.now() - t0;
    expect(r.withinTolerance).toBe(true);
    expect(ms).toBeLessThan(5000);
  });
});
