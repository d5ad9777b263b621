import { exclusionReport, repsReachingOf } from './publish-report';
import { repShiftOf } from './ranking';
import { resolveWorklistSettings } from './worklist-settings';

describe('exclusionReport', () => {
  it('counts every customer kept off by reason, the rest of the allowed ones as capacity', () => {
    const { excluded, unreachable } = exclusionReport(
      [
        { reason: 'do_not_call', kind: null, country: null, customers: 2, ids: null },
        { reason: 'outside_business_hours', kind: null, country: null, customers: 30, ids: null },
        { reason: 'eligible', kind: null, country: null, customers: 100, ids: null },
        { reason: 'never_reachable', kind: 'individual', country: 'US', customers: 4, ids: ['9', '3'] },
        { reason: 'never_reachable', kind: 'business', country: 'AU', customers: 7, ids: ['5'] },
        { reason: 'never_reachable', kind: 'business', country: '', customers: 1, ids: ['8'] },
      ],
      { frequency_cap: 1 },
      25,
      (kind, country) => (kind === 'business' && country === 'AU' ? ['rep-syd'] : []),
    );
    // 100 allowed by the SQL: 1 dropped by the ranking's own check, 25 listed, 74 did not fit
    expect(excluded).toEqual({ do_not_call: 2, outside_business_hours: 30, frequency_cap: 1, capacity: 74 });
    expect(unreachable).toEqual({
      reason: 'owner_hours_never_meet',
      customers: 12,
      groups: [
        {
          kind: 'business',
          country: 'AU',
          customers: 7,
          customerIds: ['5'],
          proposal: 'assign_to_rep_in_hours',
          reps: ['rep-syd'],
        },
        {
          kind: 'individual',
          country: 'US',
          customers: 4,
          customerIds: ['9', '3'],
          proposal: 'no_rep_in_hours',
          reps: [],
        },
        {
          kind: 'business',
          country: null,
          customers: 1,
          customerIds: ['8'],
          proposal: 'no_rep_in_hours',
          reps: [],
        },
      ],
    });
  });

  it('says nothing about capacity when everyone allowed is listed', () => {
    const r = exclusionReport(
      [{ reason: 'eligible', kind: null, country: null, customers: 5, ids: null }],
      {},
      5,
      () => [],
    );
    expect(r.excluded).toEqual({});
    expect(r.unreachable.customers).toBe(0);
  });
});

describe('repsReachingOf', () => {
  it('names the reps whose own shifts meet an account their owner never reaches', () => {
    const s = resolveWorklistSettings({
      repShifts: { 'rep-syd': { start: '08:00', end: '17:00', timeZone: 'Australia/Sydney' } },
    });
    const zone = 'Europe/London';
    const reaching = repsReachingOf(
      ['rep-uk', 'rep-syd', 'rep-uk2'].map((externalId) => ({
        externalId,
        shift: repShiftOf(externalId, zone, s),
      })),
      { listDate: '2026-11-25', timeZone: zone },
      s,
    );
    expect(reaching('business', 'AU')).toEqual(['rep-syd']);
    expect(reaching('business', 'GB')).toEqual(['rep-uk', 'rep-uk2']);
    // 08:00–17:00 in Sydney is 16:00–01:00 in New York: individuals there (09:00–20:00) are in reach too
    expect(reaching('individual', 'US')).toEqual(['rep-syd', 'rep-uk', 'rep-uk2']);
  });
});
