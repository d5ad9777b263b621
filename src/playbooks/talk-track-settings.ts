/**
 * `settings.talkTracks` of a workspace: its own talk-track templates, `{ templates: { 'en/opening': '…' } }`.
 * Validated on save by compiling them and rendering every combination against fixtures (talk-track-check.ts),
 * so a template a workspace could store is one every call list can render. Pure apart from the renderer's one
 * read of the template files.
 */
import { findTemplatesDir } from './playbooks.service';
import type { TemplateOverrides } from './talk-track';
import { overrideIssues, type TemplateIssue } from './talk-track-check';

export interface TalkTrackSettings {
  /** '<locale>/<partial>' or '<locale>/track' → Handlebars source */
  templates: TemplateOverrides;
}

export const MAX_TEMPLATES = 100;
export const MAX_TEMPLATE_CHARS = 20_000;

/** Issues as `path: message`, paths under settings.talkTracks (the settings-sections convention). */
export class TalkTrackSettingsError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.join('; '));
    this.name = 'TalkTrackSettingsError';
  }
}

/** `templates.en/opening: line 3, column 14: …` */
export function issueText(issue: TemplateIssue): string {
  const key = issue.template.replace(/ \(workspace override\)$/, '');
  const at =
    issue.line === null
      ? ''
      : `line ${issue.line}${issue.column === null ? '' : `, column ${issue.column}`}: `;
  return `templates.${key}: ${at}${issue.message}`;
}

const checked = new Map<string, TemplateIssue[]>();

/** The effective settings (no templates by default); throws TalkTrackSettingsError listing every issue. */
export function resolveTalkTrackSettings(stored: unknown): TalkTrackSettings {
  if (stored === undefined || stored === null) return { templates: {} };
  if (typeof stored !== 'object' || Array.isArray(stored))
    throw new TalkTrackSettingsError(['(root): must be an object']);
  const { templates, ...rest } = stored as Record<string, unknown>;
  const problems = Object.keys(rest).map((k) => `${k}: unknown field; only "templates"`);
  if (templates === undefined) {
    if (problems.length) throw new TalkTrackSettingsError(problems);
    return { templates: {} };
  }
  if (typeof templates !== 'object' || templates === null || Array.isArray(templates)) {
    throw new TalkTrackSettingsError([
      ...problems,
      'templates: must map "<locale>/<partial>" to template text',
    ]);
  }
  const entries = Object.entries(templates as Record<string, unknown>);
  if (entries.length > MAX_TEMPLATES) problems.push(`templates: at most ${MAX_TEMPLATES} templates`);
  for (const [key, source] of entries) {
    if (typeof source !== 'string') problems.push(`templates.${key}: must be template text`);
    else if (source.length > MAX_TEMPLATE_CHARS) {
      problems.push(`templates.${key}: at most ${MAX_TEMPLATE_CHARS} characters`);
    }
  }
  if (problems.length) throw new TalkTrackSettingsError(problems);
  const overrides = templates as Record<string, string>;
  const cacheKey = JSON.stringify(entries);
  let issues = checked.get(cacheKey);
  if (!issues) {
    issues = overrideIssues(findTemplatesDir(), overrides);
    if (checked.size > 64) checked.clear();
    checked.set(cacheKey, issues);
  }
  if (issues.length) throw new TalkTrackSettingsError(issues.map(issueText));
  return { templates: overrides };
}
