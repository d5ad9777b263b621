/**
 * Field ownership: who decides each synced customer field when the CRM and Callplan disagree. Pure; no framework
 * imports. The SQL of the CSV merge and of record sync applies the same rule (`field-ownership.sql.ts`).
 *
 * - `crm`: the CRM's newest value always applies (a Callplan edit lasts until the next CRM version).
 * - `callplan`: once Callplan set the value (an assignment, a rebalance, the pool, a rep's tag), no sync or
 *   re-import overwrites it; the refused CRM value is listed as a conflict.
 * - `newest`: the value with the newer time wins — a CRM version's source time against the time of the Callplan edit.
 */

export type FieldOwner = 'crm' | 'callplan' | 'newest';
export const FIELD_OWNERS: readonly FieldOwner[] = ['crm', 'callplan', 'newest'];

/** Who set a stored value: Callplan itself, CRM sync (webhook or pull), or a CSV import. */
export type ValueSource = 'callplan' | 'crm' | 'csv';

/** Fields Callplan can change as well as the CRM: their owner is per workspace (`settings.fieldOwnership`). */
export const SHARED_FIELDS = ['owner', 'personality'] as const;
export type SharedField = (typeof SHARED_FIELDS)[number];

export type FieldOwnership = Record<SharedField, FieldOwner>;

/** Fields a conflict can be about: the shared ones, and a CRM "callable" against a rep's do-not-call. */
export const CONFLICT_FIELDS = [...SHARED_FIELDS, 'doNotCall'] as const;
export type ConflictField = (typeof CONFLICT_FIELDS)[number];

export const DEFAULT_FIELD_OWNERSHIP: Readonly<FieldOwnership> = {
  owner: 'callplan',
  personality: 'callplan',
};

/**
 * Fields only the CRM writes (Callplan has no way to edit them): always `crm`, not settable. Do-not-call is not a
 * value but a set of suppressions: a rep's is never lifted by a sync, the CRM's is applied (docs/crm-sync.md).
 */
export const CRM_FIELDS = [
  'name',
  'kind',
  'email',
  'phone',
  'region',
  'country',
  'industry',
  'size',
  'sourceChannel',
  'createdAt',
] as const;

export class FieldOwnershipError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid field ownership: ${issues.join('; ')}`);
  }
}

/** `path: message` problems of stored overrides (empty when valid); paths are relative to the section. */
export function fieldOwnershipIssues(stored: unknown): string[] {
  if (stored === undefined || stored === null) return [];
  if (typeof stored !== 'object' || Array.isArray(stored)) return ['(root): must be an object'];
  const issues: string[] = [];
  for (const [key, value] of Object.entries(stored as Record<string, unknown>)) {
    if ((CRM_FIELDS as readonly string[]).includes(key)) {
      issues.push(
        `${key}: is always owned by the CRM (Callplan never edits it); settable: ${SHARED_FIELDS.join(', ')}`,
      );
    } else if (!(SHARED_FIELDS as readonly string[]).includes(key)) {
      issues.push(`${key}: unknown field; settable: ${SHARED_FIELDS.join(', ')}`);
    } else if (!(FIELD_OWNERS as readonly unknown[]).includes(value)) {
      issues.push(`${key}: must be one of ${FIELD_OWNERS.join(', ')}, got ${JSON.stringify(value)}`);
    }
  }
  return issues;
}

/** The effective ownership: defaults overlaid with the stored overrides; throws FieldOwnershipError when invalid. */
export function resolveFieldOwnership(stored: unknown): FieldOwnership {
  const issues = fieldOwnershipIssues(stored);
  if (issues.length) throw new FieldOwnershipError(issues);
  return { ...DEFAULT_FIELD_OWNERSHIP, ...((stored ?? {}) as Partial<FieldOwnership>) };
}

/** A stored value with who set it and when (`setAt`: ms since epoch; null when never tracked). */
export interface TrackedValue<T> {
  value: T;
  setBy: ValueSource | null;
  setAt: number | null;
}

/**
 * Whether a CRM value (a version of time `at`, ms) replaces the stored one under `owner`. The record-level rule
 * (only a newer CRM version is applied at all) is checked before, by the caller.
 */
export function crmValueWins(
  owner: FieldOwner,
  stored: Pick<TrackedValue<unknown>, 'setBy' | 'setAt'>,
  at: number,
): boolean {
  if (owner === 'crm' || stored.setBy !== 'callplan') return true;
  if (owner === 'callplan') return false;
  return stored.setAt === null || at > stored.setAt;
}
