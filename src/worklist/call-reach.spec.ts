import { callReach } from './call-reach';
import { resolveWorklistSettings } from './worklist-settings';

const LONDON = { listDate: '2026-11-25', timeZone: 'Europe/London' };

describe('callReach', () => {
  it('flags an Australian account of a UK rep, and proposes the rep whose hours meet', () => {
    const s = resolveWorklistSettings({
      repShifts: { 'rep-syd': { start: '08:00', end: '17:00', timeZone: 'Australia/Sydney' } },
    });
    const au = { kind: 'business' as const, country: 'AU' };
    expect(callReach(au, 'rep-uk', ['rep-uk', 'rep-uk2', 'rep-syd'], LONDON, s)).toEqual({
      ownerReaches: false,
      reason: 'owner_hours_never_meet',
      proposal: 'assign_to_rep_in_hours',
      reps: ['rep-syd'],
    });
    expect(callReach(au, 'rep-uk', ['rep-uk', 'rep-uk2'], LONDON, resolveWorklistSettings({}))).toMatchObject(
      {
        proposal: 'no_rep_in_hours',
        reps: [],
      },
    );
    expect(callReach(au, 'rep-syd', ['rep-uk', 'rep-syd'], LONDON, s)).toEqual({
      ownerReaches: true,
      reason: null,
      proposal: null,
      reps: [],
    });
  });

  it('reaches a German office from London even on a Saturday (the week counts), and unknown countries', () => {
    const s = resolveWorklistSettings({});
    const saturday = { ...LONDON, listDate: '2026-11-28' };
    expect(callReach({ kind: 'business', country: 'de ' }, 'rep-uk', [], saturday, s).ownerReaches).toBe(
      true,
    );
    // an unknown country is in the workspace's zone
    expect(callReach({ kind: 'business', country: null }, 'rep-uk', [], LONDON, s).ownerReaches).toBe(true);
    expect(callReach({ kind: 'business', country: 'ZZ' }, 'rep-uk', [], LONDON, s).ownerReaches).toBe(true);
  });
});
