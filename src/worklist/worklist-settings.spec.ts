import {
  DEFAULT_WORKLIST_SETTINGS,
  resolveWorklistSettings,
  WorklistSettingsError,
} from './worklist-settings';

describe('worklist settings', () => {
  it('are the defaults when unset, and merge nested overrides key by key', () => {
    expect(resolveWorklistSettings(undefined)).toEqual(DEFAULT_WORKLIST_SETTINGS);
    const s = resolveWorklistSettings({ weights: { overdue: 2 }, contactCaps: { general: { perDays: 14 } } });
    expect(s.weights).toEqual({ ...DEFAULT_WORKLIST_SETTINGS.weights, overdue: 2 });
    expect(s.contactCaps.general).toEqual({ maxCalls: 1, perDays: 14 });
    expect(s.contactCaps.core).toEqual(DEFAULT_WORKLIST_SETTINGS.contactCaps.core);
  });

  it('reject unknown keys and bad values, naming each', () => {
    const bad = () =>
      resolveWorklistSettings({
        weights: { overdue: -1, typo: 1 },
        prospects: { share: 2 },
        repHours: { start: '18:00', end: '09:00' },
      });
    expect(bad).toThrow(WorklistSettingsError);
    try {
      bad();
    } catch (e) {
      const issues = (e as WorklistSettingsError).issues.join('\n');
      expect(issues).toMatch(/weights/);
      expect(issues).toMatch(/prospects\.share/);
    }
    expect(() => resolveWorklistSettings('yes')).toThrow(WorklistSettingsError);
    expect(() => resolveWorklistSettings({ due: { fullRatio: 0.5 } })).toThrow(/due.fullRatio/);
  });

  it('take a shift per rep, in their own zone, and check it', () => {
    const s = resolveWorklistSettings({
      repShifts: { 'rep-syd': { start: '08:00', end: '17:00', timeZone: 'Australia/Sydney' } },
    });
    expect(s.repShifts['rep-syd']).toEqual({ start: '08:00', end: '17:00', timeZone: 'Australia/Sydney' });
    expect(() =>
      resolveWorklistSettings({
        repShifts: { r: { start: '08:00', end: '17:00', timeZone: 'Mars/Olympus' } },
      }),
    ).toThrow(/repShifts\.r\.timeZone/);
    expect(() => resolveWorklistSettings({ repShifts: { r: { start: '17:00', end: '08:00' } } })).toThrow(
      /repShifts\.r\.end/,
    );
  });
});
