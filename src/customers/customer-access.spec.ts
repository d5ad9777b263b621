import { customerVisibility, mayErase, RepScope } from './customer-access';

describe('customer access', () => {
  const team: RepScope = { all: false, repIds: new Set(['mgr', 'rep-a', 'rep-b']) };
  const none: RepScope = { all: false, repIds: new Set() };
  const admin = { role: 'admin' as const, repId: null };
  const integration = { role: 'integration' as const, repId: null };
  const repA = { role: 'rep' as const, repId: 'rep-a' };
  const manager = { role: 'manager' as const, repId: 'mgr' };

  it('shows contact details in clear to the owner rep, their manager and admins', () => {
    expect(customerVisibility(repA, 'rep-a', { all: false, repIds: new Set(['rep-a']) })).toBe('clear');
    expect(customerVisibility(manager, 'rep-b', team)).toBe('clear');
    expect(customerVisibility(admin, 'rep-z', none)).toBe('clear');
  });

  it('masks them for integrations and for managers looking at unowned customers', () => {
    expect(customerVisibility(integration, 'rep-a', none)).toBe('masked');
    expect(customerVisibility(manager, null, team)).toBe('masked');
  });

  it('hides customers of other reps and other teams', () => {
    expect(customerVisibility(repA, 'rep-b', team)).toBe('hidden');
    expect(customerVisibility(repA, null, team)).toBe('hidden');
    expect(customerVisibility(manager, 'rep-z', team)).toBe('hidden');
  });

  it('lets admins erase anything and managers only their team', () => {
    expect(mayErase(admin, null, none)).toBe(true);
    expect(mayErase(manager, 'rep-a', team)).toBe(true);
    expect(mayErase(manager, 'rep-z', team)).toBe(false);
    expect(mayErase(manager, null, team)).toBe(false);
    expect(mayErase(repA, 'rep-a', team)).toBe(false);
    expect(mayErase(integration, 'rep-a', team)).toBe(false);
  });
});
