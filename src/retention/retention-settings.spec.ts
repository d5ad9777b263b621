import fc from 'fast-check';
import {
  cutoffOf,
  DEFAULT_RETENTION,
  MAX_DAYS,
  resolveRetention,
  retentionIssues,
  RetentionSettingsError,
} from './retention-settings';

describe('retention settings', () => {
  it('defaults every kind when nothing is stored', () => {
    expect(resolveRetention(undefined)).toEqual(DEFAULT_RETENTION);
    expect(resolveRetention(null)).toEqual(DEFAULT_RETENTION);
    expect(resolveRetention({})).toEqual(DEFAULT_RETENTION);
  });

  it('the defaults are valid: tombstones outlive every replay window', () => {
    expect(retentionIssues(DEFAULT_RETENTION)).toEqual([]);
    expect(DEFAULT_RETENTION.tombstoneDays).toBeGreaterThan(DEFAULT_RETENTION.inboxFailedDays);
  });

  it('overlays stored values', () => {
    expect(resolveRetention({ inboxProcessedDays: 7, auditDays: 730 })).toEqual({
      ...DEFAULT_RETENTION,
      inboxProcessedDays: 7,
      auditDays: 730,
    });
  });

  it('names each bad field', () => {
    expect(retentionIssues('30')).toEqual(['(root): must be an object']);
    expect(retentionIssues({ inboxDays: 3 })).toEqual([expect.stringMatching(/^inboxDays: unknown setting/)]);
    expect(retentionIssues({ importDays: 1.5 })).toEqual([
      expect.stringMatching(/^importDays: must be a whole/),
    ]);
    expect(retentionIssues({ importDays: '30' })).toEqual([
      expect.stringMatching(/^importDays: must be a whole/),
    ]);
    expect(retentionIssues({ auditDays: 30 })).toEqual([
      'auditDays: must be between 90 and 3650 days, got 30',
    ]);
    expect(retentionIssues({ deliveryLogDays: 0 })).toEqual([
      expect.stringMatching(/^deliveryLogDays: must be between 1/),
    ]);
    expect(retentionIssues({ deliveryLogDays: MAX_DAYS + 1 })).toHaveLength(1);
  });

  it('refuses tombstones that a replayed or parked version could outlive', () => {
    expect(retentionIssues({ tombstoneDays: 90 })).toEqual([
      expect.stringMatching(/^tombstoneDays: must exceed .*\(parkedDays = 180 days\)/),
    ]);
    expect(retentionIssues({ tombstoneDays: 100, parkedDays: 30 })).toEqual([]);
    expect(retentionIssues({ inboxFailedDays: 500 })).toEqual([
      expect.stringMatching(/^tombstoneDays: must exceed .*inboxFailedDays = 500/),
    ]);
    expect(() => resolveRetention({ tombstoneDays: 60 })).toThrow(RetentionSettingsError);
  });

  it('any accepted setting keeps tombstones longer than every replay window', () => {
    const days = fc.integer({ min: 1, max: MAX_DAYS });
    fc.assert(
      fc.property(
        fc.record(
          { inboxProcessedDays: days, inboxFailedDays: days, parkedDays: days, tombstoneDays: days },
          { requiredKeys: [] },
        ),
        (stored) => {
          if (retentionIssues(stored).length) return;
          const s = resolveRetention(stored);
          expect(s.tombstoneDays).toBeGreaterThan(
            Math.max(s.inboxFailedDays, s.inboxProcessedDays, s.parkedDays),
          );
        },
      ),
    );
  });

  it('cuts off each kind its own number of days before now', () => {
    const now = new Date('2026-12-06T00:00:00Z');
    expect(cutoffOf(DEFAULT_RETENTION, 'inboxProcessed', now).toISOString()).toBe('2026-11-06T00:00:00.000Z');
    expect(cutoffOf(DEFAULT_RETENTION, 'outboxEvents', now).toISOString()).toBe('2026-11-06T00:00:00.000Z');
    expect(cutoffOf(DEFAULT_RETENTION, 'tombstones', now).toISOString()).toBe('2025-11-01T00:00:00.000Z');
  });
});
