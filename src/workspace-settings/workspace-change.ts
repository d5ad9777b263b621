/**
 * A change to a workspace (PATCH /v1/workspace, `callplan workspace create|update`): the body's shape, how it is
 * applied to the stored row, its field issues, what it affects, and its audit diff. Pure; no framework imports.
 */
import { z } from 'zod';
import type { WorkspaceColumns, WorkspaceHoldings } from '../workspaces/workspace.repository';
import {
  cronProblem,
  currencyProblem,
  localeProblem,
  nameProblem,
  timeZoneProblem,
} from '../workspaces/workspace-fields';
import { FieldIssue, isPlainObject, SECTIONS } from './settings-sections';

/** Deepest nesting a settings override may have (the deepest real key, worklist.businessHours.business.days, is 4). */
const MAX_DEPTH = 6;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const settingsValue: z.ZodType<unknown> = z.unknown().superRefine((v, ctx) => {
  const depth = (x: unknown): number =>
    isPlainObject(x) || Array.isArray(x) ? 1 + Math.max(0, ...Object.values(x).map(depth)) : 0;
  if (depth(v) > MAX_DEPTH) ctx.addIssue({ code: 'custom', message: `nested deeper than ${MAX_DEPTH}` });
  // PostgreSQL's jsonb cannot store NUL, and a lone surrogate is not text: refuse them here, not as a 500 later
  const unstorable = (x: unknown): boolean =>
    typeof x === 'string'
      ? x.includes('\u0000') || LONE_SURROGATE.test(x)
      : (isPlainObject(x) || Array.isArray(x)) && Object.values(x).some(unstorable);
  if (unstorable(v)) ctx.addIssue({ code: 'custom', message: 'contains NUL or an unpaired surrogate' });
});

/** The body of a change: every field optional, unknown fields refused. */
export const workspaceChangeSchema = z
  .object({
    name: z.string().max(200),
    timezone: z.string().max(64),
    currency: z.string().max(3),
    locale: z.string().max(35),
    scoringCron: z.string().max(100),
    /** partial overrides per section; objects merge key by key, other values replace */
    settings: z.record(z.string().max(64), z.record(z.string().max(64), settingsValue)),
  })
  .partial()
  .strict();

export type WorkspaceChange = z.infer<typeof workspaceChangeSchema>;

/** Shape problems of a body (unknown field, wrong type), with their paths; empty when the shape is right. */
export function changeShapeIssues(body: unknown): Array<FieldIssue & { code: string }> {
  const r = workspaceChangeSchema.safeParse(body);
  if (r.success) return [];
  return r.error.issues.map((i) => ({
    path: i.path.join('.') || '(root)',
    code: i.code,
    message:
      i.code === 'unrecognized_keys'
        ? `${i.message}; fields: ${Object.keys(workspaceChangeSchema.shape).join(', ')}`
        : i.message,
  }));
}

/** Applies a (shape-checked) change to the stored columns; `issues` name every field that is refused. */
export function applyChange(
  current: WorkspaceColumns,
  change: WorkspaceChange,
  supportedLocales: readonly string[],
): { next: WorkspaceColumns; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const check = (path: string, problem: string | null) => {
    if (problem) issues.push({ path, message: problem });
  };
  if (change.name !== undefined) check('name', nameProblem(change.name));
  if (change.timezone !== undefined) check('timezone', timeZoneProblem(change.timezone));
  if (change.currency !== undefined) check('currency', currencyProblem(change.currency));
  if (change.locale !== undefined) check('locale', localeProblem(change.locale, supportedLocales));
  if (change.scoringCron !== undefined) check('scoringCron', cronProblem(change.scoringCron));

  const settings = { ...current.settings };
  for (const [name, patch] of Object.entries(change.settings ?? {})) {
    const section = SECTIONS[name];
    if (!section) {
      check(`settings.${name}`, `unknown settings section; one of ${Object.keys(SECTIONS).join(', ')}`);
      continue;
    }
    const stored = isPlainObject(settings[name]) ? (settings[name] as Record<string, unknown>) : {};
    const merged = mergeOverrides(stored, patch);
    issues.push(...section.issues(merged));
    settings[name] = merged;
  }
  const next: WorkspaceColumns = {
    name: change.name?.trim() ?? current.name,
    timezone: change.timezone ?? current.timezone,
    currency: change.currency ?? current.currency.trim(),
    locale: change.locale ?? current.locale,
    scoring_cron: change.scoringCron?.trim().replace(/\s+/g, ' ') ?? current.scoring_cron,
    settings,
  };
  return { next, issues };
}

/**
 * Overrides merged key by key: nested objects merge, other values (numbers, arrays, null) replace. Null is a value
 * some settings mean (`pool.followUpDays.core: null` = never), so it never deletes a key.
 */
export function mergeOverrides(
  stored: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...stored };
  for (const [k, v] of Object.entries(patch)) {
    out[k] = isPlainObject(v) && isPlainObject(stored[k]) ? mergeOverrides(stored[k], v) : v;
  }
  return out;
}

/**
 * The fields whose value changed, before and after (settings compared per leaf, by dotted path; `(default)` for an
 * override that was not set).
 */
export function changedFields(
  before: WorkspaceColumns,
  after: WorkspaceColumns,
): Record<string, { before: unknown; after: unknown }> {
  const out: Record<string, { before: unknown; after: unknown }> = {};
  const columns: Array<[keyof WorkspaceColumns, string]> = [
    ['name', 'name'],
    ['timezone', 'timezone'],
    ['currency', 'currency'],
    ['locale', 'locale'],
    ['scoring_cron', 'scoringCron'],
  ];
  for (const [column, field] of columns) {
    const b = typeof before[column] === 'string' ? (before[column] as string).trim() : before[column];
    if (b !== after[column]) out[field] = { before: b, after: after[column] };
  }
  const leaves = (o: unknown, path: string, into: Map<string, unknown>) => {
    if (isPlainObject(o)) for (const [k, v] of Object.entries(o)) leaves(v, `${path}.${k}`, into);
    else into.set(path, o);
  };
  const b = new Map<string, unknown>();
  const a = new Map<string, unknown>();
  leaves(before.settings, 'settings', b);
  leaves(after.settings, 'settings', a);
  for (const path of new Set([...b.keys(), ...a.keys()])) {
    if (JSON.stringify(b.get(path)) !== JSON.stringify(a.get(path))) {
      // a key absent from the overrides has the room's default value
      out[path] = {
        before: b.has(path) ? b.get(path) : '(default)',
        after: a.has(path) ? a.get(path) : '(default)',
      };
    }
  }
  return out;
}

const count = (n: number) => n.toLocaleString('en');

/**
 * What a change does to the data the workspace already holds, in words: orders left out of scoring after a
 * currency change, days re-counted after a time-zone change, the next run recomputing every score.
 */
export function impactWarnings(
  before: WorkspaceColumns,
  after: WorkspaceColumns,
  held: WorkspaceHoldings,
): string[] {
  const warnings: string[] = [];
  const orders = Object.values(held.ordersByCurrency).reduce((a, b) => a + b, 0);
  const hasData = orders > 0 || held.customers > 0 || held.completedRuns > 0;
  const oldCurrency = before.currency.trim();
  let recompute = false;
  if (oldCurrency !== after.currency && hasData) {
    const inOld = held.ordersByCurrency[oldCurrency] ?? 0;
    const inNew = held.ordersByCurrency[after.currency] ?? 0;
    warnings.push(
      `currency changed from ${oldCurrency} to ${after.currency}: ${count(inOld)} orders in ${oldCurrency} will be ` +
        `left out of scoring until the currency is changed back or they are re-imported in ${after.currency}; ` +
        `${count(inNew)} of ${count(orders)} orders are in ${after.currency}`,
    );
    if (inNew === 0 && orders > 0) {
      warnings.push(
        `no order is in ${after.currency}: the next run will score every customer as a prospect with no purchases`,
      );
    }
    recompute = true;
  }
  if (before.timezone !== after.timezone && hasData) {
    warnings.push(
      `time zone changed from ${before.timezone} to ${after.timezone}: order and interaction days ` +
        `(${count(orders)} orders, ${count(held.interactions)} interactions), recency, call windows and list dates ` +
        `are counted in ${after.timezone} from now on; lists already published keep their date`,
    );
    recompute = true;
  }
  if (recompute) {
    warnings.push(
      held.completedRuns > 0
        ? 'scores are recomputed at the next run (customer summaries are rebuilt); until then the current scores, computed under the old setting, stay in use'
        : 'scores are computed under the new setting at the first run',
    );
  }
  if (before.timezone !== after.timezone || before.scoring_cron !== after.scoring_cron) {
    warnings.push(`the nightly scoring run is now scheduled at "${after.scoring_cron}" ${after.timezone}`);
  }
  return warnings;
}
