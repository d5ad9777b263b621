import { z } from 'zod';

/**
 * The Callplan fields a `customer.scores_changed` event writes back to the CRM, in a fixed order (the order of the
 * SQL statement's key parameters, write-back.sql.ts). Pure: no framework imports.
 */
export const WRITE_BACK_FIELDS = [
  'externalId',
  'tier',
  'lifecycle',
  'rfmSegment',
  'abcClass',
  'clv',
  'pAlive',
  'churnRisk',
  'priority',
  'nextCallDate',
  'owner',
  'personality',
  'reasonCodes',
  'pBuy',
] as const;

export type WriteBackField = (typeof WRITE_BACK_FIELDS)[number];

/**
 * Fields added after write-back shipped (appended to WRITE_BACK_FIELDS): left out unless a mapping names them. A CRM
 * connector stops on a property the portal lacks, so a new field sent by default would stop every existing push;
 * and left out they stay out of the mapping's fingerprint tag (sqlKeys), so adding one resends nobody.
 */
export const OPT_IN_FIELDS: ReadonlySet<WriteBackField> = new Set<WriteBackField>(['pBuy']);

/**
 * Callplan field → CRM property name; `null` leaves the field out of the events (and out of the comparison that
 * decides whether a customer changed). `externalId` is the record's key and always sent.
 */
export type FieldMapping = Record<WriteBackField, string | null>;

/** The default mapping: every field under its Callplan name, but the opt-in ones left out. */
export const DEFAULT_MAPPING: Readonly<FieldMapping> = Object.freeze(
  Object.fromEntries(WRITE_BACK_FIELDS.map((f) => [f, OPT_IN_FIELDS.has(f) ? null : f])) as FieldMapping,
);

/**
 * A CRM property name: letters, digits, `_`, `.`, `-`, starting with a letter or `_`, at most 100 characters —
 * what HubSpot internal names (`callplan_tier`) and Salesforce API names (`Callplan_Tier__c`) need, and nothing
 * that could be mistaken for a JSON path or carry markup.
 */
export const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/;

const propertyName = z
  .string()
  .regex(PROPERTY_NAME, 'a property name is 1-100 letters, digits, _ . - and starts with a letter or _');

/**
 * The body of `PUT /v1/write-back/field-mapping` and `writeback mapping set`: `{ fields: { tier: 'callplan_tier',
 * personality: null, … } }`. Fields not named keep their default name; unknown fields are refused.
 */
export const mappingInputSchema = z
  .object({
    fields: z
      .object(
        Object.fromEntries(
          WRITE_BACK_FIELDS.map((f) => [
            f,
            (f === 'externalId' ? propertyName : propertyName.nullable()).optional(),
          ]),
        ),
      )
      .strict(),
  })
  .strict();

export interface MappingIssue {
  path: string;
  code: string;
  message: string;
}

/** A validated mapping, or the issues that name each bad field (`fields.tier`, …). */
export function parseMapping(
  input: unknown,
): { ok: true; mapping: FieldMapping } | { ok: false; issues: MappingIssue[] } {
  const r = mappingInputSchema.safeParse(input);
  if (!r.success) {
    return {
      ok: false,
      issues: r.error.issues.map((i) => ({
        path: i.path.map(String).join('.') || '(body)',
        code: i.code,
        message: i.message,
      })),
    };
  }
  const mapping = { ...DEFAULT_MAPPING, ...(r.data.fields as Partial<FieldMapping>) };
  const issues = duplicateNames(mapping);
  return issues.length ? { ok: false, issues } : { ok: true, mapping };
}

/** Two fields written to the same property would overwrite each other: each such field is an issue. */
function duplicateNames(mapping: FieldMapping): MappingIssue[] {
  const byName = new Map<string, WriteBackField[]>();
  for (const f of WRITE_BACK_FIELDS) {
    const name = mapping[f];
    if (name !== null) byName.set(name, [...(byName.get(name) ?? []), f]);
  }
  return [...byName.entries()]
    .filter(([, fields]) => fields.length > 1)
    .flatMap(([name, fields]) =>
      fields.map((f) => ({
        path: `fields.${f}`,
        code: 'duplicate_property',
        message: `property "${name}" is also mapped from ${fields.filter((o) => o !== f).join(', ')}`,
      })),
    );
}

/** A stored mapping (jsonb) read back: defaults for anything missing or no longer valid. */
export function storedMapping(stored: unknown): FieldMapping {
  if (stored === null || stored === undefined) return { ...DEFAULT_MAPPING };
  const parsed = parseMapping({ fields: stored });
  return parsed.ok ? parsed.mapping : { ...DEFAULT_MAPPING };
}

/** The mapping in use without the left-out fields: what an event's `fields` echoes. */
export function usedFields(mapping: FieldMapping): Partial<Record<WriteBackField, string>> {
  const out: Partial<Record<WriteBackField, string>> = {};
  for (const f of WRITE_BACK_FIELDS) {
    const name = mapping[f];
    if (name !== null) out[f] = name;
  }
  return out;
}

/**
 * The statement's mapping parameters (write-back.sql.ts): one key per field in WRITE_BACK_FIELDS order, the keys
 * to drop afterwards, which fields are sent, and the mapping as text for the fingerprint. A left-out field gets a
 * placeholder key that no property name can equal (it starts with a space), dropped from the object, and is not
 * fingerprinted, so it neither travels nor counts as a change. The tag is the first fields' keys as before the
 * opt-in fields existed, then the opt-in fields that are sent, by name: a mapping without them keeps its tag, and
 * so every customer's fingerprint.
 */
export function sqlKeys(mapping: FieldMapping): {
  keys: string[];
  dropped: string[];
  included: boolean[];
  tag: string;
} {
  const keys = WRITE_BACK_FIELDS.map((f) => mapping[f] ?? ` left out ${f}`);
  return {
    keys,
    dropped: keys.filter((k) => k.startsWith(' ')),
    included: WRITE_BACK_FIELDS.map((f) => mapping[f] !== null),
    tag:
      JSON.stringify(keys.filter((_, i) => !OPT_IN_FIELDS.has(WRITE_BACK_FIELDS[i]))) +
      WRITE_BACK_FIELDS.filter((f) => OPT_IN_FIELDS.has(f) && mapping[f] !== null)
        .map((f) => JSON.stringify([f, mapping[f]]))
        .join(''),
  };
}

/**
 * The step CLV is rounded to, in minor units: one major unit (100 for EUR/CNY/USD, 1 for JPY). The CRM shows whole
 * amounts, and a CLV that moves by cents every night would otherwise resend every customer every night.
 */
export function clvStepMinor(currency: string): number {
  try {
    const f = new Intl.NumberFormat('en', { style: 'currency', currency });
    return 10 ** (f.resolvedOptions().maximumFractionDigits ?? 2);
  } catch {
    return 100; // not an ISO currency Intl knows: the common two decimals
  }
}

/**
 * How far CLV must move from the value last written back before a pass sends the customer again for it: 5 % of
 * that value (and at least one rounding step). A forecast drifts by a fraction of a per cent a night (the 1M
 * benchmark's night-over-night ratio: 10th–90th percentile ×0.988–×1.014), far inside its own uncertainty, and
 * sent at whole units that drift alone resent 56 % of the customers every night — each a CRM write, a property
 * history entry and a workflow trigger. A customer sent for any other change carries its current CLV.
 */
export const CLV_RESEND_SHARE = 0.05;

/** Customers per `customer.scores_changed` event. */
export const CUSTOMERS_PER_EVENT = 500;

/**
 * `writeback mapping set` arguments, `field=property` each (`field=-` leaves the field out): the named fields, or
 * the problems, each naming the argument's position (1-based) and text. Values are checked by parseMapping.
 */
export function parseMappingArgs(
  args: readonly string[],
): { ok: true; fields: Record<string, string | null> } | { ok: false; problems: string[] } {
  const fields: Record<string, string | null> = {};
  const problems: string[] = [];
  args.forEach((arg, i) => {
    const at = `argument ${i + 1} ("${arg}")`;
    const eq = arg.indexOf('=');
    if (eq <= 0) {
      problems.push(`${at}: expected field=property, e.g. tier=callplan_tier (field=- leaves it out)`);
      return;
    }
    const field = arg.slice(0, eq);
    const value = arg.slice(eq + 1);
    if (!(WRITE_BACK_FIELDS as readonly string[]).includes(field)) {
      problems.push(`${at}: unknown field "${field}"; fields: ${WRITE_BACK_FIELDS.join(', ')}`);
      return;
    }
    if (field in fields) {
      problems.push(`${at}: field "${field}" is named twice`);
      return;
    }
    fields[field] = value === '-' ? null : value;
  });
  return problems.length ? { ok: false, problems } : { ok: true, fields };
}
