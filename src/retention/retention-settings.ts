/**
 * How long each kind of operational data is kept, per workspace (`workspaces.settings.retention`). Pure: the
 * retention job (retention.service.ts) and the settings API (workspace-settings/settings-sections.ts) both read it
 * through `resolveRetention`. Every value is a whole number of days; docs/operations.md#retention explains each.
 */

export interface RetentionSettings {
  /** crm_inbox messages applied (`processed`), by processed_at */
  inboxProcessedDays: number;
  /** crm_inbox messages that failed and were never replayed, by received_at (a replay makes them processed) */
  inboxFailedDays: number;
  /** orders/interactions parked for a customer that never arrived (crm_parked without a delete), by updated_at */
  parkedDays: number;
  /** tombstones: deleted orders and parked deletes of records never seen, by when Callplan last touched them */
  tombstoneDays: number;
  /** webhook deliveries that are over (delivered, dead, stopped) and dispatched outbox events without deliveries */
  deliveryLogDays: number;
  /** finished imports (completed/failed) with their stored files, by finished_at */
  importDays: number;
  /** audit log entries, archived to DATA_DIR/archive/audit before they are deleted */
  auditDays: number;
}

export const DEFAULT_RETENTION: Readonly<RetentionSettings> = {
  inboxProcessedDays: 30,
  inboxFailedDays: 90,
  parkedDays: 180,
  tombstoneDays: 400,
  deliveryLogDays: 30,
  importDays: 30,
  auditDays: 400,
};

/** The floor of each setting. Audit entries are kept at least 90 days whatever a workspace says (the trigger agrees). */
export const MIN_DAYS: Readonly<Record<keyof RetentionSettings, number>> = {
  inboxProcessedDays: 1,
  inboxFailedDays: 7,
  parkedDays: 7,
  tombstoneDays: 30,
  deliveryLogDays: 1,
  importDays: 1,
  auditDays: 90,
};

/** Ten years: anything longer is a typo (or "keep forever", which is what a large number already gives). */
export const MAX_DAYS = 3650;

/**
 * The windows in which a version of a record can still reach the sync core after Callplan applied its delete: a
 * failed inbox message replayed (`inboxFailedDays`), a processed one reprocessed (`inboxProcessedDays`), a parked
 * version applied when its customer finally arrives (`parkedDays`). A tombstone must outlive all of them, or the late
 * version would re-create the deleted record.
 */
const REPLAY_WINDOWS = ['inboxFailedDays', 'inboxProcessedDays', 'parkedDays'] as const;

export class RetentionSettingsError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid retention settings: ${issues.join('; ')}`);
  }
}

/** `path: message` issues of the stored overrides (empty when valid); paths are relative to the section. */
export function retentionIssues(stored: unknown): string[] {
  if (stored === undefined || stored === null) return [];
  if (typeof stored !== 'object' || Array.isArray(stored)) return ['(root): must be an object'];
  const issues: string[] = [];
  const known = Object.keys(DEFAULT_RETENTION);
  for (const [key, value] of Object.entries(stored as Record<string, unknown>)) {
    if (!known.includes(key)) {
      issues.push(`${key}: unknown setting; known: ${known.join(', ')}`);
      continue;
    }
    const min = MIN_DAYS[key as keyof RetentionSettings];
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      issues.push(`${key}: must be a whole number of days, got ${JSON.stringify(value)}`);
    } else if (value < min || value > MAX_DAYS) {
      issues.push(`${key}: must be between ${min} and ${MAX_DAYS} days, got ${value}`);
    }
  }
  if (issues.length) return issues;
  const effective = { ...DEFAULT_RETENTION, ...(stored as Partial<RetentionSettings>) };
  const longest = Math.max(...REPLAY_WINDOWS.map((k) => effective[k]));
  if (effective.tombstoneDays <= longest) {
    const which = REPLAY_WINDOWS.filter((k) => effective[k] === longest).join(', ');
    issues.push(
      `tombstoneDays: must exceed the longest window in which a late version can still arrive (${which} = ` +
        `${longest} days), or a replayed or parked version would re-create a deleted record; got ${effective.tombstoneDays}`,
    );
  }
  return issues;
}

/** The effective settings: defaults overlaid with the stored overrides; throws RetentionSettingsError when invalid. */
export function resolveRetention(stored: unknown): RetentionSettings {
  const issues = retentionIssues(stored);
  if (issues.length) throw new RetentionSettingsError(issues);
  return { ...DEFAULT_RETENTION, ...((stored ?? {}) as Partial<RetentionSettings>) };
}

/** The kinds of data the retention job removes, in the order it goes through them. */
export const RETENTION_KINDS = [
  'inboxProcessed',
  'inboxFailed',
  'parked',
  'tombstones',
  'deliveries',
  'outboxEvents',
  'imports',
  'audit',
] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

/** Per kind, the setting that bounds it. */
export const KIND_SETTING: Readonly<Record<RetentionKind, keyof RetentionSettings>> = {
  inboxProcessed: 'inboxProcessedDays',
  inboxFailed: 'inboxFailedDays',
  parked: 'parkedDays',
  tombstones: 'tombstoneDays',
  deliveries: 'deliveryLogDays',
  outboxEvents: 'deliveryLogDays',
  imports: 'importDays',
  audit: 'auditDays',
};

/** The instant before which data of `kind` goes: `now` minus the kind's days. */
export function cutoffOf(settings: RetentionSettings, kind: RetentionKind, now: Date): Date {
  return new Date(now.getTime() - settings[KIND_SETTING[kind]] * 86_400_000);
}
