import type { WorkspaceColumns } from '../workspaces/workspace.repository';
import { businessHoursChange, parseBusinessHours, setOptionChange } from './command-line-settings';
import { effectiveSettings, settingsIssues } from './settings-sections';
import { applyChange, changedFields, changeShapeIssues, impactWarnings } from './workspace-change';

const LOCALES = ['en', 'zh-CN'];
const base = (): WorkspaceColumns => ({
  name: 'Acme',
  timezone: 'Asia/Shanghai',
  locale: 'zh-CN',
  currency: 'CNY',
  scoring_cron: '0 2 * * *',
  settings: { pool: { dailyClaimLimit: 5 } },
});
const paths = (issues: Array<{ path: string }>) => issues.map((i) => i.path);

describe('a workspace change', () => {
  it('refuses unknown fields and wrong types with their path', () => {
    expect(changeShapeIssues({ timezone: 'UTC' })).toEqual([]);
    expect(paths(changeShapeIssues({ tz: 'UTC' }))).toEqual(['(root)']);
    expect(changeShapeIssues({ tz: 'UTC' })[0].message).toMatch(/"tz".*fields: name, timezone/);
    expect(paths(changeShapeIssues({ currency: 7 }))).toEqual(['currency']);
    expect(paths(changeShapeIssues({ settings: { worklist: 3 } }))).toEqual(['settings.worklist']);
    const deep = { a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } } };
    expect(paths(changeShapeIssues({ settings: { worklist: deep } }))).toEqual(['settings.worklist.a']);
    expect(paths(changeShapeIssues({ settings: { pool: { sweepCron: '0 6 * * \u0000' } } }))).toEqual([
      'settings.pool.sweepCron',
    ]);
    expect(paths(changeShapeIssues({ settings: { pool: { sweepCron: '0 6 * * \ud800' } } }))).toEqual([
      'settings.pool.sweepCron',
    ]);
  });

  it('validates every section with the parser of its room, naming the field path', () => {
    const { issues } = applyChange(
      base(),
      {
        timezone: 'Asia/Shangai',
        currency: 'usd',
        locale: 'de',
        scoringCron: '0 25 * * *',
        settings: {
          worklist: { contactCaps: { core: { maxCalls: 0 } }, repHours: { start: '18:00', end: '09:00' } },
          assignments: { workingDays: 0 },
          pool: { followUpDays: { core: 2 }, reminderDaysBefore: 3 },
          scoring: { atRiskPAlive: 2, minCycleDays: 'x', nope: 1, clvHorizonDays: 30 },
          fieldOwnershipp: { name: 'crm' },
        },
      },
      LOCALES,
    );
    expect(paths(issues).sort()).toEqual(
      [
        'timezone',
        'currency',
        'locale',
        'scoringCron',
        'settings.worklist.contactCaps.core.maxCalls',
        'settings.worklist.repHours.end',
        'settings.assignments.workingDays',
        'settings.pool.followUpDays.core',
        'settings.scoring.minCycleDays',
        'settings.scoring.nope',
        'settings.scoring.clvHorizonDays',
        'settings.fieldOwnershipp',
      ].sort(),
    );
  });

  it('checks the pool sweep cron field by field, as the queue scheduler will', () => {
    expect(settingsIssues({ pool: { sweepCron: '0 25 * * *' } })).toEqual([
      { path: 'settings.pool.sweepCron', message: '"25" is not a valid hour field' },
    ]);
    expect(settingsIssues({ pool: { sweepCron: '0 6 * * 1-5' } })).toEqual([]);
  });

  it('reports scoring values the policy refuses, and the run settings', () => {
    const issues = settingsIssues({ scoring: { atRiskPAlive: 2, abcCutA: 0.95, margin: 0 } });
    expect(paths(issues).sort()).toEqual(
      ['settings.scoring.abcCutA', 'settings.scoring.atRiskPAlive', 'settings.scoring.margin'].sort(),
    );
  });

  it('merges overrides key by key, keeps the rest, and lists before/after per leaf', () => {
    const before = base();
    const { next, issues } = applyChange(
      before,
      {
        currency: 'USD',
        settings: {
          pool: { followUpDays: { core: null } },
          worklist: { contactCaps: { core: { maxCalls: 2 } } },
        },
      },
      LOCALES,
    );
    expect(issues).toEqual([]);
    expect(next.settings).toEqual({
      pool: { dailyClaimLimit: 5, followUpDays: { core: null } },
      worklist: { contactCaps: { core: { maxCalls: 2 } } },
    });
    expect(changedFields(before, next)).toEqual({
      currency: { before: 'CNY', after: 'USD' },
      'settings.pool.followUpDays.core': { before: '(default)', after: null },
      'settings.worklist.contactCaps.core.maxCalls': { before: '(default)', after: 2 },
    });
    const eff = effectiveSettings(next.settings).effective as {
      worklist: { contactCaps: { core: { maxCalls: number; perDays: number } } };
      pool: { dailyClaimLimit: number; followUpDays: { core: number | null; potential: number } };
    };
    expect(eff.worklist.contactCaps.core).toEqual({ maxCalls: 2, perDays: 3 });
    expect(eff.pool.followUpDays).toMatchObject({ core: null, potential: 45 });
  });

  it('says what a currency or time-zone change does to the data held', () => {
    const before = base();
    const after = { ...before, currency: 'USD', timezone: 'Europe/Berlin' };
    const held = {
      customers: 300,
      interactions: 40,
      ordersByCurrency: { CNY: 9812, USD: 3 },
      completedRuns: 2,
    };
    const w = impactWarnings(before, after, held);
    expect(w[0]).toBe(
      'currency changed from CNY to USD: 9,812 orders in CNY will be left out of scoring until the currency is changed back or they are re-imported in USD; 3 of 9,815 orders are in USD',
    );
    expect(w[1]).toMatch(
      /^time zone changed from Asia\/Shanghai to Europe\/Berlin: .*9,815 orders, 40 interactions/,
    );
    expect(w[2]).toMatch(/^scores are recomputed at the next run/);
    expect(w[3]).toBe('the nightly scoring run is now scheduled at "0 2 * * *" Europe/Berlin');
    const empty = { customers: 0, interactions: 0, ordersByCurrency: {}, completedRuns: 0 };
    expect(impactWarnings(before, { ...before, currency: 'USD' }, empty)).toEqual([]);
    const none = impactWarnings(before, { ...before, currency: 'EUR' }, held);
    expect(none).toContain(
      'no order is in EUR: the next run will score every customer as a prospect with no purchases',
    );
  });
});

describe('command-line settings', () => {
  it('reads business hours with day ranges, lists and a kind prefix', () => {
    expect(parseBusinessHours('mon-fri 9:00-18:00')).toEqual({
      kinds: ['business', 'individual'],
      hours: { start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5] },
    });
    expect(parseBusinessHours('individual: sat,sun 10:00-16:00').hours.days).toEqual([6, 7]);
    expect(parseBusinessHours('business:fri-mon 08:00-12:00').hours.days).toEqual([1, 5, 6, 7]);
    expect(() => parseBusinessHours('weekdays 9-5')).toThrow(/expected \[business:\|individual:\]DAYS/);
    expect(() => parseBusinessHours('mon-xyz 09:00-18:00')).toThrow(/"mon-xyz" is not a weekday/);
    expect(businessHoursChange(['mon-fri 09:00-18:00', 'individual:mon-sun 09:00-20:00'])).toEqual({
      worklist: {
        businessHours: {
          business: { start: '09:00', end: '18:00', days: [1, 2, 3, 4, 5] },
          individual: { start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5, 6, 7] },
        },
      },
    });
  });

  it('reads --set paths with JSON or plain-text values', () => {
    expect(
      setOptionChange([
        'worklist.contactCaps.core.maxCalls=2',
        'pool.sweepCron=0 6 * * *',
        'pool.enabled=false',
      ]),
    ).toEqual({
      worklist: { contactCaps: { core: { maxCalls: 2 } } },
      pool: { sweepCron: '0 6 * * *', enabled: false },
    });
    expect(() => setOptionChange(['maxCalls=2'])).toThrow(/expected section.key=value/);
  });
});
