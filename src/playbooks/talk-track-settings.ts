/**
 * `settings.talkTracks` of a workspace: its own talk-track templates and its named variants,
 * `{ templates: { 'en/opening': '…' }, variants: { warm: { templates: { 'en/opening': '…' } } } }`.
 * A variant is a set of partial overrides layered over the workspace's templates (which sit over the built-ins);
 * a talk-track experiment arm names one (src/experiments). Validated on save by compiling them and rendering every
 * combination against fixtures (talk-track-check.ts), so a template a workspace could store is one every call list
 * can render, with or without a variant. Pure apart from the renderer's one read of the template files.
 */
import { findTemplatesDir } from './playbooks.service';
import type { TemplateOverrides } from './talk-track';
import { overrideIssues, type TemplateIssue } from './talk-track-check';

export interface TalkTrackSettings {
  /** '<locale>/<partial>' or '<locale>/track' → Handlebars source */
  templates: TemplateOverrides;
  /** variant key → its own overrides, on top of `templates` (the stored shape, so the effective settings read back as saved) */
  variants: Readonly<Record<string, { templates: TemplateOverrides }>>;
}

export const MAX_TEMPLATES = 100;
export const MAX_TEMPLATE_CHARS = 20_000;
export const MAX_VARIANTS = 8;
/** The variant every item has without a talk-track experiment: the workspace's templates alone. */
export const DEFAULT_VARIANT = 'default';
/** Variant keys, the same shape as an experiment arm's `strategy.variant`. */
export const VARIANT_KEY = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/** Issues as `path: message`, paths under settings.talkTracks (the settings-sections convention). */
export class TalkTrackSettingsError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.join('; '));
    this.name = 'TalkTrackSettingsError';
  }
}

/** `templates.en/opening: line 3, column 14: …`; `prefix` is where the templates sit under settings.talkTracks. */
export function issueText(issue: TemplateIssue, prefix = 'templates'): string {
  const key = templateKey(issue);
  const at =
    issue.line === null
      ? ''
      : `line ${issue.line}${issue.column === null ? '' : `, column ${issue.column}`}: `;
  return `${prefix}.${key}: ${at}${issue.message}`;
}

function templateKey(issue: TemplateIssue): string {
  return issue.template.replace(/ \(workspace override\)$/, '');
}

/**
 * The templates an item of `variant` renders with: the variant's overrides over the workspace's. `null`,
 * `default` and a variant no longer defined (removed after its experiment was created) give the workspace's own.
 */
export function variantTemplates(
  settings: TalkTrackSettings,
  variant: string | null | undefined,
): TemplateOverrides {
  const own = variant && variant !== DEFAULT_VARIANT ? settings.variants[variant]?.templates : undefined;
  return own ? { ...settings.templates, ...own } : settings.templates;
}

/** The variant keys an experiment arm may name: `default` and every defined one. */
export function variantKeys(settings: TalkTrackSettings): Set<string> {
  return new Set([DEFAULT_VARIANT, ...Object.keys(settings.variants)]);
}

const checked = new Map<string, TemplateIssue[]>();

/** Compiled and rendered for every combination of the locales they touch, cached per distinct set. */
function cachedIssues(overrides: TemplateOverrides): TemplateIssue[] {
  const cacheKey = JSON.stringify(Object.entries(overrides).sort(([a], [b]) => a.localeCompare(b)));
  let issues = checked.get(cacheKey);
  if (!issues) {
    issues = overrideIssues(findTemplatesDir(), overrides);
    if (checked.size > 64) checked.clear();
    checked.set(cacheKey, issues);
  }
  return issues;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Shape problems of a `templates` map at `path`; empty when it maps names to strings within the limits. */
function templatesShapeIssues(templates: unknown, path: string): string[] {
  if (!isPlainObject(templates)) return [`${path}: must map "<locale>/<partial>" to template text`];
  const problems: string[] = [];
  const entries = Object.entries(templates);
  if (entries.length > MAX_TEMPLATES) problems.push(`${path}: at most ${MAX_TEMPLATES} templates`);
  for (const [key, source] of entries) {
    if (typeof source !== 'string') problems.push(`${path}.${key}: must be template text`);
    else if (source.length > MAX_TEMPLATE_CHARS) {
      problems.push(`${path}.${key}: at most ${MAX_TEMPLATE_CHARS} characters`);
    }
  }
  return problems;
}

/** Shape problems of `variants`: keys, `{ templates }` objects, limits. */
function variantsShapeIssues(variants: unknown): string[] {
  if (!isPlainObject(variants)) return ['variants: must map a variant key to { "templates": { … } }'];
  const problems: string[] = [];
  const entries = Object.entries(variants);
  if (entries.length > MAX_VARIANTS) problems.push(`variants: at most ${MAX_VARIANTS} variants`);
  for (const [key, variant] of entries) {
    const at = `variants.${key}`;
    if (key === DEFAULT_VARIANT) {
      problems.push(`${at}: "default" is the workspace's own templates; it needs no entry`);
    } else if (!VARIANT_KEY.test(key)) {
      problems.push(`${at}: a variant key is 1-40 of a-z, 0-9, _ and -, starting with a letter or digit`);
    } else if (!isPlainObject(variant)) {
      problems.push(`${at}: must be { "templates": { … } }`);
    } else {
      const { templates, ...rest } = variant;
      problems.push(...Object.keys(rest).map((k) => `${at}.${k}: unknown field; only "templates"`));
      problems.push(...templatesShapeIssues(templates, `${at}.templates`));
    }
  }
  return problems;
}

/**
 * A variant's render issues, layered over the workspace's templates: those the workspace's templates alone do
 * not have (they are reported once, under `templates`), under the variant's path when the failing template is
 * the variant's, else under its `templates` (a workspace template that fails only with the variant).
 */
function variantIssues(
  key: string,
  own: TemplateOverrides,
  workspace: TemplateOverrides,
  workspaceIssues: readonly TemplateIssue[],
): string[] {
  const known = new Set(workspaceIssues.map(templateKey));
  const prefix = `variants.${key}.templates`;
  return cachedIssues({ ...workspace, ...own })
    .filter((i) => !known.has(templateKey(i)))
    .map((i) =>
      templateKey(i) in own
        ? issueText(i, prefix)
        : `${prefix}: with this variant, ${issueText(i, 'templates')}`,
    );
}

/** The effective settings (no templates, no variants by default); throws TalkTrackSettingsError listing every issue. */
export function resolveTalkTrackSettings(stored: unknown): TalkTrackSettings {
  if (stored === undefined || stored === null) return { templates: {}, variants: {} };
  if (!isPlainObject(stored)) throw new TalkTrackSettingsError(['(root): must be an object']);
  const { templates, variants, ...rest } = stored;
  const problems = Object.keys(rest).map((k) => `${k}: unknown field; only "templates" and "variants"`);
  if (templates !== undefined) problems.push(...templatesShapeIssues(templates, 'templates'));
  if (variants !== undefined) problems.push(...variantsShapeIssues(variants));
  if (problems.length) throw new TalkTrackSettingsError(problems);
  const workspace = (templates ?? {}) as Record<string, string>;
  const byVariant = Object.fromEntries(
    Object.entries((variants ?? {}) as Record<string, { templates?: Record<string, string> }>).map(
      ([k, v]) => [k, v.templates ?? {}],
    ),
  );
  const workspaceIssues = Object.keys(workspace).length ? cachedIssues(workspace) : [];
  const issues = workspaceIssues.map((i) => issueText(i));
  for (const [key, own] of Object.entries(byVariant)) {
    if (Object.keys(own).length) issues.push(...variantIssues(key, own, workspace, workspaceIssues));
  }
  if (issues.length) throw new TalkTrackSettingsError(issues);
  return {
    templates: workspace,
    variants: Object.fromEntries(Object.entries(byVariant).map(([k, templates]) => [k, { templates }])),
  };
}
