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
});
