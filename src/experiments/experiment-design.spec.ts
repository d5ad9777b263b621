import fc from 'fast-check';
import {
  armEffect,
  armOf,
  assignmentUnit,
  parseDesign,
  runningArmOf,
  withBuckets,
} from './experiment-design';

const TODAY = '2027-03-10';
const OFFERS = new Set(['WINBACK15']);
const VARIANTS = new Set(['default', 'warm', 'direct']);
const twoTracks = {
  name: 'tracks',
  arms: [
    { key: 'warm', weight: 0.5, strategy: { type: 'talk_track', variant: 'warm' } },
    { key: 'direct', weight: 0.5, strategy: { type: 'talk_track', variant: 'direct' } },
  ],
};

describe('parseDesign', () => {
  it('accepts an A/B of two talk-track variants starting today, the first arm as control', () => {
    const { design } = parseDesign(twoTracks, TODAY, OFFERS, VARIANTS);
    expect(design).toMatchObject({ startsOn: TODAY, endsOn: null, control: 'warm' });
    expect(design!.arms.map((a) => [a.bucketFrom, a.bucketTo])).toEqual([
      [0, 0.5],
      [0.5, 1],
    ]);
  });

  it('refuses a start in the past with its field path and code (the bug: a past start reported a "lift")', () => {
    const { issues } = parseDesign({ ...twoTracks, startsOn: '2027-03-09' }, TODAY, OFFERS, VARIANTS);
    expect(issues).toEqual([expect.objectContaining({ path: 'startsOn', code: 'start_in_past' })]);
  });

  it('refuses weights that do not sum to 1, duplicate keys, unknown offers, an unknown control', () => {
    const { issues } = parseDesign(
      {
        name: 'x',
        control: 'nope',
        arms: [
          { key: 'a', weight: 0.3, strategy: { type: 'offer', offerCode: 'NOPE' } },
          { key: 'a', weight: 0.3, strategy: { type: 'list' } },
        ],
      },
      TODAY,
      OFFERS,
      VARIANTS,
    );
    expect(issues.map((i) => `${i.path} ${i.code}`).sort()).toEqual([
      'arms weights_sum',
      'arms.0.strategy.offerCode unknown_offer',
      'arms.1.key duplicate_arm',
      'control unknown_arm',
    ]);
  });

  it('refuses a talk-track arm whose variant the workspace does not define, naming the arm; default needs none', () => {
    const { issues } = parseDesign(
      {
        name: 'x',
        arms: [
          { key: 'usual', weight: 0.5, strategy: { type: 'talk_track', variant: 'default' } },
          { key: 'bold', weight: 0.5, strategy: { type: 'talk_track', variant: 'bold' } },
        ],
      },
      TODAY,
      OFFERS,
      VARIANTS,
    );
    expect(issues).toEqual([
      { path: 'arms.1.strategy.variant', code: 'unknown_variant', message: 'no talk-track variant bold' },
    ]);
  });

  it('accepts weights typed as 0.333 + 0.333 + 0.334 and an offer arm of the catalog or with no offer', () => {
    const { design } = parseDesign(
      {
        name: 'offers',
        arms: [
          { key: 'none', weight: 0.333, strategy: { type: 'offer', offerCode: null } },
          { key: 'winback', weight: 0.333, strategy: { type: 'offer', offerCode: 'WINBACK15' } },
          { key: 'usual', weight: 0.334, strategy: { type: 'list' } },
        ],
        control: 'usual',
      },
      TODAY,
      OFFERS,
      VARIANTS,
    );
    expect(design!.arms[2].bucketTo).toBe(1);
  });

  it('reads the old holdoutShare form as holdout (control, first slice) and lists', () => {
    const { design } = parseDesign({ name: 'h', holdoutShare: 0.1 }, TODAY, OFFERS, VARIANTS);
    expect(design!.control).toBe('holdout');
    expect(design!.arms.map((a) => [a.key, a.bucketFrom, a.bucketTo])).toEqual([
      ['holdout', 0, 0.1],
      ['lists', 0.1, 1],
    ]);
  });

  it('refuses bad shapes with the path of the field: unknown strategy, extra fields, ends before start', () => {
    const bad = parseDesign(
      { name: 'x', arms: [{ key: 'a', weight: 0.5, strategy: { type: 'magic' } }] },
      TODAY,
      OFFERS,
      VARIANTS,
    );
    expect(bad.issues[0]).toMatchObject({ code: 'invalid_field' });
    expect(bad.issues.map((i) => i.path)).toContain('arms.0.strategy.type');
    expect(parseDesign({ ...twoTracks, extra: 1 }, TODAY, OFFERS, VARIANTS).issues[0].code).toBe(
      'invalid_field',
    );
    expect(
      parseDesign({ ...twoTracks, startsOn: '2027-04-01', endsOn: '2027-03-31' }, TODAY, OFFERS, VARIANTS)
        .issues,
    ).toEqual([expect.objectContaining({ path: 'endsOn', code: 'ends_before_start' })]);
    expect(
      parseDesign({ ...twoTracks, startsOn: '2027-02-30' }, TODAY, OFFERS, VARIANTS).issues[0].code,
    ).toBe('invalid_date');
  });
});

describe('assignment', () => {
  it('is deterministic and follows the weights (70/20/10 over 20,000 customers within 1.5 points)', () => {
    const arms = withBuckets([
      { key: 'a', weight: 0.7, strategy: { type: 'list' } },
      { key: 'b', weight: 0.2, strategy: { type: 'holdout' } },
      { key: 'c', weight: 0.1, strategy: { type: 'talk_track', variant: 'v' } },
    ]);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let id = 1; id <= 20_000; id++)
      counts[armOf('e5d1c7a6-0000-4000-8000-000000000001', String(id), arms).key]++;
    expect(counts.a / 20_000).toBeCloseTo(0.7, 1);
    expect(Math.abs(counts.b / 20_000 - 0.2)).toBeLessThan(0.015);
    expect(Math.abs(counts.c / 20_000 - 0.1)).toBeLessThan(0.015);
  });

  it('every unit falls in [0, 1) and in exactly one arm, whatever the weights', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 8 }),
        fc.uuid(),
        fc.bigInt({ min: 1n, max: 2n ** 62n }),
        (ws, experimentId, customerId) => {
          const arms = withBuckets(
            ws.map((w, i) => ({ key: `k${i}`, weight: w, strategy: { type: 'list' } })),
          );
          const u = assignmentUnit(experimentId, String(customerId));
          expect(u).toBeGreaterThanOrEqual(0);
          expect(u).toBeLessThan(1);
          expect(arms.filter((a) => u >= a.bucketFrom && u < a.bucketTo)).toHaveLength(1);
        },
      ),
    );
  });

  it('an arm changes only what its strategy names', () => {
    expect(armEffect({ type: 'list' })).toEqual({});
    expect(armEffect({ type: 'holdout' })).toEqual({});
    expect(armEffect({ type: 'offer', offerCode: null })).toEqual({ offerCode: null });
    expect(armEffect({ type: 'talk_track', variant: 'warm' })).toEqual({ talkTrackVariant: 'warm' });
  });

  it('assigns through the running experiment as armOf does, and to nothing when none runs', () => {
    const arms = withBuckets(twoTracks.arms as Parameters<typeof withBuckets>[0]);
    const running = [{ id: 'e-1', arms }];
    for (const customerId of ['1', '2', '3', '40', '500']) {
      expect(runningArmOf(running, customerId)).toEqual({
        experimentId: 'e-1',
        arm: armOf('e-1', customerId, arms),
      });
    }
    expect(runningArmOf([], '1')).toBeNull();
  });
});
