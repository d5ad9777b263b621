import type { TeamLoadView } from '../../assignments/rep-load.service';
import type { TeamDayRow } from './manager-dashboard.repository';
import { accuracyView, managerPage, percent, portfolioView, teamToday } from './manager-page';

const rep = (over: Partial<TeamDayRow>): TeamDayRow => ({
  id: 'r1',
  external_id: 'rep-1',
  name: 'Li Wei',
  role: 'rep',
  daily_capacity: 20,
  capacity: 20,
  items: 16,
  worked: 4,
  calls: 8,
  reached: 6,
  converted: 3,
  overdue_callbacks: 0,
  ...over,
});

const load: TeamLoadView = {
  team: { id: 't', externalId: 'team-1', name: 'North' },
  scoreRunId: 'run',
  currency: 'CNY',
  workingDays: 20,
  reps: [
    {
      rep: { id: 'r1', externalId: 'rep-1', name: 'Li Wei', role: 'rep', active: true },
      dailyCapacity: 10,
      accounts: { total: 250, core: 10, potential: 40, general: 190, unscored: 10 },
      expectedValue: { total: 1_234_500, core: 1_000_000, potential: 200_000, general: 34_500 },
      capacity: { accounts: 200, use: 1.25 },
    },
  ],
  totals: {
    accounts: { total: 250, core: 10, potential: 40, general: 190, unscored: 10 },
    expectedValue: 1_234_500,
    capacityAccounts: 200,
  },
  pool: { accounts: 7, core: 0, potential: 2, general: 5 },
  openProposals: 0,
};

describe('manager dashboard page model', () => {
  it('writes shares as percentages, and a dash where there is nothing to divide by', () => {
    expect(percent(1, 3, 'en')).toBe('33%');
    expect(percent(2, 3, 'zh-CN')).toBe('67%');
    expect(percent(0, 0, 'en')).toBe('—');
  });

  it('computes reach over calls, conversion over reached, capacity use over the list capacity', () => {
    const { reps, anyOverdue, overdueText } = teamToday([rep({})], 'en');
    expect(reps[0]).toMatchObject({
      progressText: '4 of 16',
      reach: '75%',
      conversion: '50%',
      capacityUse: '80%',
      overdue: 0,
    });
    expect(anyOverdue).toBe(false);
    expect(overdueText).toBe('No overdue callbacks.');
  });

  it('says who has no list and who let callbacks slip, in the locale', () => {
    const { reps, overdueText } = teamToday(
      [
        rep({
          capacity: null,
          items: 0,
          worked: 0,
          calls: 0,
          reached: 0,
          converted: 0,
          overdue_callbacks: 2,
        }),
        rep({ id: 'r2', name: '王芳', overdue_callbacks: 1 }),
      ],
      'zh-CN',
    );
    expect(reps[0]).toMatchObject({ hasList: false, progressText: '无清单', reach: '—', capacityUse: '—' });
    expect(overdueText).toBe('有逾期回电：Li Wei (2)、王芳 (1)');
  });

  it('puts tiers × lifecycles in words, leaving out lifecycles nobody is in', () => {
    const view = portfolioView(
      [
        { tier: 'core', lifecycle: 'loyal', customers: 4, clv: '800000' },
        { tier: 'general', lifecycle: 'at_risk', customers: 10, clv: '15050' },
        { tier: 'general', lifecycle: 'loyal', customers: 1, clv: '100' },
      ],
      'zh-CN',
      'CNY',
    );
    expect(view.headers).toEqual(['忠诚', '有流失风险']);
    expect(view.rows.map((r) => [r.label, r.customers])).toEqual([
      ['核心', 4],
      ['潜力', 0],
      ['一般', 11],
    ]);
    expect(view.rows[2].cells.map((c) => c.value)).toEqual(['¥1.00', '¥150.50']);
    expect(view.chart.series[0]).toEqual({ name: '核心', counts: [4, 0], values: [8000, 0] });
    expect(JSON.stringify(view)).not.toMatch(/[a-z]+_[a-z]+/);
  });

  it('draws one accuracy point per run with the error against what happened', () => {
    const view = accuracyView(
      [
        {
          run_id: 'a',
          as_of: '2026-10-01',
          model: 'bgnbd',
          horizon_days: 90,
          predicted: 110.04,
          actual: 100,
          core_predicted: 30,
          core_actual: 40,
        },
        {
          run_id: 'b',
          as_of: '2026-10-02',
          model: 'bgnbd',
          horizon_days: 90,
          predicted: 95,
          actual: 100,
          core_predicted: null,
          core_actual: null,
        },
      ],
      'en',
    );
    expect(view.runs).toEqual([
      { asOf: '2026-10-01', predicted: 110, actual: 100, error: '10%', coreError: '25%' },
      { asOf: '2026-10-02', predicted: 95, actual: 100, error: '5%', coreError: '—' },
    ]);
    expect(view.chart).toMatchObject({
      categories: ['2026-10-01', '2026-10-02'],
      predicted: [110, 95],
      actual: [100, 100],
    });
  });

  it('marks a rep whose book exceeds their capacity, counts unscored accounts as general', () => {
    const page = managerPage({
      locale: 'en',
      currency: 'CNY',
      teamName: 'North',
      day: '2026-12-06',
      readOnly: false,
      teamDay: [rep({})],
      load,
      portfolio: null,
      movements: null,
      accuracy: [],
      segments: null,
      offers: [],
      pool: {
        summary: { enabled: true, accounts: 3, teamPool: 1, oldestReleasedAt: null, claims: 0, days: 7 },
        oldestDay: null,
        reminders: [],
        claims: [],
        followUpDays: { core: 30, potential: 45, general: 60 },
        timezone: 'Asia/Shanghai',
        shown: 20,
      },
    });
    expect(page.load.reps[0]).toMatchObject({ general: 200, capacityUse: '125%', over: true });
    expect(page.load.poolText).toBe('Team pool: 7 accounts');
    expect(page.movements).toBeNull();
    expect(page.accuracy).toBeNull();
    expect(JSON.parse(page.chartsJson)).toEqual({
      portfolio: null,
      accuracy: expect.objectContaining({ categories: [] }),
      segments: null,
      offers: null,
    });
    expect(page.segments).toBeNull();
    expect(page.offers).toBeNull();
    expect(page.pool).toMatchObject({
      accounts: 3,
      teamPool: 1,
      oldest: '—',
      claimsLabel: 'Claimed by the team, last 7 days',
      reminders: { items: [], more: null },
      claimsList: { heading: 'Claims by the team, last 7 days', items: [], more: null },
    });
    expect(page.filters.owners).toEqual([{ value: 'r1', label: 'Li Wei' }]);
  });
});
