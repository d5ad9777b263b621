/**
 * `settings.embed`: where the embeddable pages (src/web) may be framed. `frameAncestors` is the list of CSP
 * source expressions of the CRM origins allowed to show the pages in an iframe (`'self'`, `'none'`, `*`, a scheme
 * such as `https:`, or an origin such as `https://crm.example.com`, `https://*.example.com:8443`). Pure.
 */
export interface EmbedSettings {
  frameAncestors: string[];
}

/** Framing allowed from anywhere unless a workspace narrows it (the pages were embeddable anywhere before). */
export const DEFAULT_EMBED_SETTINGS: EmbedSettings = { frameAncestors: ['*'] };

export class EmbedSettingsError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.join('; '));
  }
}

const KEYWORD = /^'(self|none)'$/;
const SCHEME = /^(https?|wss?):$/;
// scheme://host[:port], host may start with *. ; no path, query, spaces, quotes, commas or semicolons
const ORIGIN = /^(https?):\/\/(\*\.)?([a-z0-9-]+\.)*[a-z0-9-]+(:(\d{1,5}|\*))?\/?$/i;

/** Why a source expression is refused, or null. */
export function frameAncestorProblem(source: unknown): string | null {
  if (typeof source !== 'string') return 'must be a string';
  if (source === '*' || KEYWORD.test(source) || SCHEME.test(source) || ORIGIN.test(source)) return null;
  return "must be '*', 'self', 'none', a scheme (https:) or an origin (https://crm.example.com)";
}

/** The effective settings (defaults overlaid with the stored ones); throws EmbedSettingsError with `path: message`. */
export function resolveEmbedSettings(stored: unknown): EmbedSettings {
  if (stored === undefined || stored === null) return { ...DEFAULT_EMBED_SETTINGS };
  if (typeof stored !== 'object' || Array.isArray(stored))
    throw new EmbedSettingsError(['(root): must be an object']);
  const issues: string[] = [];
  const { frameAncestors, ...rest } = stored as Record<string, unknown>;
  for (const key of Object.keys(rest)) issues.push(`${key}: unknown setting; known: frameAncestors`);
  if (frameAncestors !== undefined) {
    if (!Array.isArray(frameAncestors) || frameAncestors.length === 0 || frameAncestors.length > 20) {
      issues.push('frameAncestors: must be a list of 1 to 20 sources');
    } else {
      frameAncestors.forEach((s, i) => {
        const problem = frameAncestorProblem(s);
        if (problem) issues.push(`frameAncestors.${i}: ${problem}`);
      });
      if (frameAncestors.includes("'none'") && frameAncestors.length > 1)
        issues.push("frameAncestors: 'none' must be the only source");
    }
  }
  if (issues.length) throw new EmbedSettingsError(issues);
  return {
    frameAncestors: (frameAncestors as string[] | undefined) ?? [...DEFAULT_EMBED_SETTINGS.frameAncestors],
  };
}
