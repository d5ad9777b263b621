import fc from 'fast-check';
import {
  canonicalJson,
  ChildState,
  compareLifecycles,
  compareVersions,
  groupChildStates,
  Lifecycle,
  newestByKey,
  newestLifecycleByKey,
  planChildren,
  Version,
} from './sync-rules';

const v = (minute: number, digest = 'aa'): Version => ({
  at: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
  digest,
});
const life = (minute: number, deleted: boolean): Lifecycle => ({ at: v(minute).at, deleted });
const state = (
  externalId: string,
  version: Version | null,
  customer: string | null,
  lifecycle: Lifecycle | null = null,
): ChildState<{ n: string }> => ({
  externalId,
  data: version ? { n: `${externalId}@${version.at}${version.digest}` } : null,
  customerExternalId: customer,
  version,
  lifecycle,
});

describe('versions and lifecycles', () => {
  it('orders versions by time, then digest; a missing version is the oldest', () => {
    expect(compareVersions(v(1), v(2))).toBeLessThan(0);
    expect(compareVersions(v(1, 'bb'), v(1, 'aa'))).toBeGreaterThan(0);
    expect(compareVersions(v(1), v(1))).toBe(0);
    expect(compareVersions(null, v(0))).toBeLessThan(0);
  });

  it('lets a delete beat a restore of the same instant', () => {
    expect(compareLifecycles(life(1, true), life(1, false))).toBeGreaterThan(0);
    expect(compareLifecycles(life(1, true), life(2, false))).toBeLessThan(0);
  });

  it('reduces to the same winners whatever the input order (fast-check)', () => {
    const version = fc.record({ at: fc.integer({ min: 0, max: 3 }), digest: fc.constantFrom('aa', 'bb') });
    const item = fc.record({ key: fc.constantFrom('a', 'b'), version, deleted: fc.boolean() });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 12 }), fc.func(fc.integer()), (items, rank) => {
        const shuffled = [...items].sort((x, y) => rank(x) - rank(y));
        // equal versions are the same record, so only the winning version is compared
        const winners = (list: typeof items) =>
          JSON.stringify(
            [
              ...newestByKey(
                list,
                (i) => i.key,
                (i) => v(i.version.at, i.version.digest),
              ),
            ]
              .map(([k, i]) => [k, i.version.at, i.version.digest])
              .sort(),
          );
        const lifecycles = (list: typeof items) =>
          JSON.stringify(
            [
              ...newestLifecycleByKey(
                list.map((i) => ({ key: i.key, lifecycle: life(i.version.at, i.deleted) })),
              ),
            ]
              .map(([k, l]) => [k, l.at, l.deleted])
              .sort(),
          );
        expect(winners(shuffled)).toBe(winners(items));
        expect(lifecycles(shuffled)).toBe(lifecycles(items));
      }),
    );
  });

  it('serialises records canonically', () => {
    expect(canonicalJson({ b: 1, a: [{ d: null, c: 'x' }], e: undefined })).toBe(
      '{"a":[{"c":"x","d":null}],"b":1}',
    );
  });
});

describe('planChildren', () => {
  const customers = new Map([['c1', '101']]);

  it('writes the newest version whose customer resolves, when newer than the stored row', () => {
    const plan = planChildren(
      groupChildStates([state('o1', v(1), 'c1'), state('o1', v(3), 'c1'), state('o1', v(2), 'c1')]),
      customers,
      new Map([['o1', { version: v(2), lifecycle: null }]]),
    );
    expect(plan.writes.map((w) => [w.state.version?.at, w.customerId])).toEqual([[v(3).at, '101']]);
    expect(plan.stale).toBe(2);
    expect(plan.park).toEqual([]);
  });

  it('parks the newest version per unknown customer, beside writing an older resolvable one', () => {
    const plan = planChildren(
      groupChildStates([
        state('o1', v(1), 'c1'),
        state('o1', v(2), 'c9'),
        state('o1', v(3), 'c8'),
        state('o1', v(0), 'c8'),
      ]),
      customers,
      new Map(),
    );
    expect(plan.writes.map((w) => w.state.version?.at)).toEqual([v(1).at]);
    expect(plan.park.map((p) => [p.state.customerExternalId, p.state.version?.at, p.reason]).sort()).toEqual([
      ['c8', v(3).at, 'unknown_customer'],
      ['c9', v(2).at, 'unknown_customer'],
    ]);
  });

  it('does not park versions older than the stored row', () => {
    const plan = planChildren(
      groupChildStates([state('o1', v(1), 'c9')]),
      customers,
      new Map([['o1', { version: v(2), lifecycle: null }]]),
    );
    expect(plan.park).toEqual([]);
    expect(plan.stale).toBe(1);
  });

  it('applies delete/restore to rows, and parks them as tombstones when there is no row yet', () => {
    const onRow = planChildren(
      groupChildStates([state('o1', null, null, life(5, true)), state('o1', null, null, life(4, false))]),
      customers,
      new Map([['o1', { version: v(1), lifecycle: life(3, false) }]]),
    );
    expect(onRow.lifecycles).toEqual([{ externalId: 'o1', lifecycle: life(5, true) }]);
    const stale = planChildren(
      groupChildStates([state('o1', null, null, life(2, true))]),
      customers,
      new Map([['o1', { version: v(1), lifecycle: life(3, false) }]]),
    );
    expect(stale.lifecycles).toEqual([]);
    const tombstone = planChildren(
      groupChildStates([state('o2', null, null, life(5, true))]),
      customers,
      new Map(),
    );
    expect(tombstone.park).toEqual([
      {
        state: expect.objectContaining({ externalId: 'o2', data: null, lifecycle: life(5, true) }),
        reason: 'not_yet_created',
      },
    ]);
    const created = planChildren(
      groupChildStates([state('o3', null, null, life(5, true)), state('o3', v(1), 'c1')]),
      customers,
      new Map(),
    );
    expect(created.writes).toHaveLength(1);
    expect(created.lifecycles).toEqual([{ externalId: 'o3', lifecycle: life(5, true) }]);
    expect(created.park).toEqual([]);
  });
});
