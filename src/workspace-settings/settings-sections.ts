/**
 * The sections of `workspaces.settings` and how each is validated: by the parser of the room that reads it
 * (worklist, assignments, pool, scoring), so a setting the API accepts is one the nightly run and the list
 * publisher accept too. Pure; no framework imports. Issues carry the full field path (`settings.worklist.…`).
 *
 * A room that adds a section adds one entry to SECTIONS; a section not listed is refused by a change.
 */
import { validateAbcCuts } from '../scoring/models/abc';
import { assignmentSettings, poolPolicy, SettingsError } from '../assignments/assignment-settings';
import { createScoringPolicy, DEFAULT_SCORING_POLICY } from '../scoring/models/customer-policy';
import { resolveWorklistSettings, WorklistSettingsError } from '../worklist/worklist-settings';
import { cronProblem } from '../workspaces/workspace-fields';
import { EmbedSettingsError, resolveEmbedSettings } from '../workspaces/embed-settings';
import { fieldOwnershipIssues, resolveFieldOwnership } from '../ingest/sync/field-ownership';
import { resolveRetention, retentionIssues } from '../retention/retention-settings';
import { resolveTalkTrackSettings, TalkTrackSettingsError } from '../playbooks/talk-track-settings';

export interface FieldIssue {
  /** dotted path from the body's root, e.g. settings.worklist.contactCaps.core.maxCalls */
  path: string;
  message: string;
}

interface Section {
  /** the effective settings: defaults overlaid with the stored overrides; throws the room's error */
  resolve(stored: unknown): unknown;
  /** the issues of the stored overrides (empty when valid) */
  issues(stored: unknown): FieldIssue[];
}

/** `path: message` issues of the rooms' parsers, under `prefix`. */
function splitIssues(issues: readonly string[], prefix: string): FieldIssue[] {
  return issues.map((text) => {
    const at = text.indexOf(': ');
    const path = at < 0 ? '' : text.slice(0, at);
    const message = at < 0 ? text : text.slice(at + 2);
    const inner = path === '(root)' ? '' : path;
    return { path: inner ? `${prefix}.${inner}` : prefix, message };
  });
}

function issuesOf(resolve: (stored: unknown) => unknown, toIssues: (e: unknown) => FieldIssue[] | null) {
  return (stored: unknown): FieldIssue[] => {
    try {
      resolve(stored);
      return [];
    } catch (e) {
      const issues = toIssues(e);
      if (issues) return issues;
      throw e;
    }
  };
}

const worklist: Section = {
  resolve: (stored) => resolveWorklistSettings(stored ?? undefined),
  issues: issuesOf(
    (stored) => resolveWorklistSettings(stored ?? undefined),
    (e) => (e instanceof WorklistSettingsError ? splitIssues(e.issues, 'settings.worklist') : null),
  ),
};

const assignmentsIssues = (e: unknown) =>
  e instanceof SettingsError ? splitIssues(e.issues, 'settings') : null;

const assignments: Section = {
  resolve: (stored) => assignmentSettings({ assignments: stored }),
  issues: issuesOf((stored) => assignmentSettings({ assignments: stored }), assignmentsIssues),
};

const pool: Section = {
  resolve: (stored) => poolPolicy({ pool: stored }),
  issues(stored) {
    const issues = issuesOf((s) => poolPolicy({ pool: s }), assignmentsIssues)(stored);
    // the pool parser checks only that there are five fields; the queue's scheduler needs each to be valid
    const cron = isPlainObject(stored) ? stored.sweepCron : undefined;
    const problem = typeof cron === 'string' ? cronProblem(cron) : null;
    if (problem && !issues.some((i) => i.path === 'settings.pool.sweepCron')) {
      issues.push({ path: 'settings.pool.sweepCron', message: problem });
    }
    return issues;
  },
};

/** Keys the scoring run reads besides the policy (src/scoring/steps/fit.step.ts), with their defaults. */
const RUN_SETTINGS = { abcCutA: 0.7, abcCutB: 0.9, discountRateAnnual: 0.1, margin: 1 } as const;

/** Set per run (`--horizon-days`, POST /v1/score-runs), not per workspace: the run overrides a stored value. */
const PER_RUN = new Set(['clvHorizonDays']);

/**
 * The scoring section: the policy overrides (createScoringPolicy validates the values) plus the run settings.
 * The policy merges any key it is given, so unknown keys and wrong types are caught here against the defaults'
 * shape; otherwise a typo would be stored and silently ignored by every run.
 */
function scoringIssues(stored: unknown): FieldIssue[] {
  const prefix = 'settings.scoring';
  if (stored === undefined || stored === null) return [];
  if (!isPlainObject(stored)) return [{ path: prefix, message: 'must be an object' }];
  const issues: FieldIssue[] = [];
  const { abcCutA, abcCutB, discountRateAnnual, margin, ...policy } = stored;
  const shape = { ...DEFAULT_SCORING_POLICY } as Record<string, unknown>;
  delete shape.workspace;
  shapeIssues(policy, shape, prefix, issues);
  const run: Record<string, unknown> = { abcCutA, abcCutB, discountRateAnnual, margin };
  for (const [key, value] of Object.entries(run)) {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value))) {
      issues.push({ path: `${prefix}.${key}`, message: 'must be a number' });
    }
  }
  if (issues.length) return issues;
  const cutA = (abcCutA as number | undefined) ?? RUN_SETTINGS.abcCutA;
  const cutB = (abcCutB as number | undefined) ?? RUN_SETTINGS.abcCutB;
  try {
    validateAbcCuts(cutA, cutB);
  } catch {
    issues.push({
      path: `${prefix}.${abcCutA !== undefined ? 'abcCutA' : 'abcCutB'}`,
      message: `must satisfy 0 < abcCutA < abcCutB < 1 (shares of total spend), got abcCutA=${cutA}, abcCutB=${cutB}`,
    });
  }
  if (
    discountRateAnnual !== undefined &&
    !((discountRateAnnual as number) >= 0 && (discountRateAnnual as number) <= 1)
  )
    issues.push({ path: `${prefix}.discountRateAnnual`, message: 'must be in [0, 1] (0.1 = 10 % a year)' });
  if (margin !== undefined && !((margin as number) > 0 && (margin as number) <= 1))
    issues.push({ path: `${prefix}.margin`, message: 'must be in (0, 1] (gross margin share of spend)' });
  try {
    createScoringPolicy({}, policy);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const text = e.message.replace(/^Invalid scoring policy: /, '');
    for (const part of text.split('; ')) {
      const name = part.split(' ')[0];
      issues.push({ path: `${prefix}.${name}`, message: part.slice(name.length + 1) });
    }
  }
  return issues;
}

function shapeIssues(
  value: Record<string, unknown>,
  shape: Record<string, unknown>,
  path: string,
  issues: FieldIssue[],
): void {
  for (const [key, v] of Object.entries(value)) {
    const at = `${path}.${key}`;
    if (PER_RUN.has(key) && path === 'settings.scoring') {
      issues.push({ path: at, message: 'is set per run (--horizon-days), not per workspace' });
    } else if (!(key in shape)) {
      issues.push({ path: at, message: `unknown setting; known: ${Object.keys(shape).join(', ')}` });
    } else if (isPlainObject(shape[key])) {
      if (isPlainObject(v)) shapeIssues(v, shape[key] as Record<string, unknown>, at, issues);
      else issues.push({ path: at, message: 'must be an object' });
    } else if (!(typeof v === 'number' && Number.isFinite(v))) {
      issues.push({ path: at, message: 'must be a number' });
    }
  }
}

const scoring: Section = {
  resolve(stored) {
    const issues = scoringIssues(stored);
    if (issues.length) throw new SettingsError(issues.map((i) => `${i.path}: ${i.message}`));
    const s = (stored ?? {}) as Record<string, unknown>;
    const { abcCutA, abcCutB, discountRateAnnual, margin, ...policy } = s;
    const { workspace: _stats, clvHorizonDays: _perRun, ...effective } = createScoringPolicy({}, policy);
    return {
      ...RUN_SETTINGS,
      ...effective,
      ...dropUndefined({ abcCutA, abcCutB, discountRateAnnual, margin }),
    };
  },
  issues: scoringIssues,
};

/** Who owns the customer fields Callplan can change too (ingest/sync/field-ownership.ts). */
const fieldOwnership: Section = {
  resolve: resolveFieldOwnership,
  issues: (stored) => splitIssues(fieldOwnershipIssues(stored), 'settings.fieldOwnership'),
};

/** How long each kind of operational data is kept (retention/retention-settings.ts). */
const retention: Section = {
  resolve: resolveRetention,
  issues: (stored) => splitIssues(retentionIssues(stored), 'settings.retention'),
};

/** Where the embeddable pages may be framed (web/ reads it; workspaces/embed-settings.ts). */
const embed: Section = {
  resolve: resolveEmbedSettings,
  issues: issuesOf(resolveEmbedSettings, (e) =>
    e instanceof EmbedSettingsError ? splitIssues(e.issues, 'settings.embed') : null,
  ),
};

/** The workspace's own talk-track templates, compiled and rendered against fixtures (playbooks/). */
const talkTracks: Section = {
  resolve: resolveTalkTrackSettings,
  issues: issuesOf(resolveTalkTrackSettings, (e) =>
    e instanceof TalkTrackSettingsError ? splitIssues(e.issues, 'settings.talkTracks') : null,
  ),
};

export const SECTIONS: Readonly<Record<string, Section>> = {
  worklist,
  assignments,
  pool,
  scoring,
  fieldOwnership,
  retention,
  embed,
  talkTracks,
};

/** Every issue of a stored settings object, unknown sections included. */
export function settingsIssues(settings: Record<string, unknown>): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const [name, stored] of Object.entries(settings)) {
    const section = SECTIONS[name];
    if (!section) {
      out.push({
        path: `settings.${name}`,
        message: `unknown settings section; one of ${Object.keys(SECTIONS).join(', ')}`,
      });
      continue;
    }
    out.push(...section.issues(stored));
  }
  return out;
}

/**
 * The effective settings of every known section (defaults overlaid with the stored overrides). A section whose
 * stored value no longer validates (written before a rule tightened) is reported by its issues instead.
 */
export function effectiveSettings(settings: Record<string, unknown>): {
  effective: Record<string, unknown>;
  invalid: FieldIssue[];
} {
  const effective: Record<string, unknown> = {};
  const invalid: FieldIssue[] = [];
  for (const [name, section] of Object.entries(SECTIONS)) {
    const issues = section.issues(settings[name]);
    if (issues.length) invalid.push(...issues);
    else effective[name] = section.resolve(settings[name]);
  }
  return { effective, invalid };
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
