import {
  resolveTalkTrackSettings,
  TalkTrackSettingsError,
  variantKeys,
  variantTemplates,
} from './talk-track-settings';

function issuesOf(stored: unknown): string[] {
  try {
    resolveTalkTrackSettings(stored);
  } catch (e) {
    if (e instanceof TalkTrackSettingsError) return e.issues;
    throw e;
  }
  return [];
}

describe('talk-track variants', () => {
  const settings = {
    templates: { 'en/signoff': 'Cheers, {{customerName}}!', 'en/close': 'Shall I put that in?' },
    variants: {
      warm: { templates: { 'en/close': 'Lovely talking, {{customerName}}.' } },
      direct: { templates: {} },
    },
  };

  it('layers a variant over the workspace templates; default, none and a removed variant give the workspace', () => {
    expect(variantTemplates(settings, 'warm')).toEqual({
      'en/signoff': 'Cheers, {{customerName}}!',
      'en/close': 'Lovely talking, {{customerName}}.',
    });
    for (const v of ['default', null, undefined, 'gone']) {
      expect(variantTemplates(settings, v)).toBe(settings.templates);
    }
    expect([...variantKeys(settings)].sort()).toEqual(['default', 'direct', 'warm']);
  });

  it('accepts variants whose every combination renders, and returns them with the workspace templates', () => {
    const stored = {
      templates: { 'en/signoff': 'Cheers, {{customerName}}!' },
      variants: {
        warm: {
          templates: {
            'en/close': 'Lovely talking, {{customerName}}.',
            'zh-CN/close': '{{customerName}}，谢谢！',
          },
        },
      },
    };
    expect(resolveTalkTrackSettings(stored)).toEqual({
      templates: stored.templates,
      variants: stored.variants,
    });
    expect(resolveTalkTrackSettings(undefined)).toEqual({ templates: {}, variants: {} });
  });

  it("refuses a variant template that fails for some call, under the variant's path with line and column", () => {
    const issues = issuesOf({
      variants: {
        warm: { templates: { 'en/close': 'Last order:\n  {{orders.lastAmount}}' } },
        calm: { templates: { 'zh-CN/opening': '您好\n{{#if lapsed}}' } },
      },
    });
    expect(issues).toEqual([
      expect.stringMatching(/^variants\.warm\.templates\.en\/close: line 2, column 5: .*lastAmount/),
      expect.stringMatching(/^variants\.calm\.templates\.zh-CN\/opening: line 2: cannot compile/),
    ]);
  });

  it('reports a broken workspace template once, not again under every variant', () => {
    const issues = issuesOf({
      templates: { 'en/close': '{{nope}}' },
      variants: { warm: { templates: { 'en/signoff': 'Bye {{customerName}}' } } },
    });
    expect(issues).toEqual([
      expect.stringMatching(/^templates\.en\/close: line 1, column 3: .*"nope" is not a value/),
    ]);
  });

  it("refuses a variant's track that calls a partial no one defines", () => {
    const issues = issuesOf({
      templates: { 'en/signoff': 'Bye' },
      variants: { warm: { templates: { 'en/track': '{{> opening}}{{> farewell}}' } } },
    });
    expect(issues).toEqual([expect.stringMatching(/^variants\.warm\.templates\.en\/track: .*farewell/)]);
  });

  it('refuses a "default" entry, a bad key, unknown fields and non-text templates, with their paths', () => {
    expect(
      issuesOf({
        variants: {
          default: { templates: {} },
          'Bad Key': { templates: {} },
          warm: { templates: { 'en/close': 3 }, note: 'x' },
          cold: 'x',
        },
        extra: true,
      }),
    ).toEqual([
      'extra: unknown field; only "templates" and "variants"',
      expect.stringMatching(/^variants\.default: "default" is the workspace's own templates/),
      expect.stringMatching(/^variants\.Bad Key: a variant key is/),
      'variants.warm.note: unknown field; only "templates"',
      'variants.warm.templates.en/close: must be template text',
      'variants.cold: must be { "templates": { … } }',
    ]);
  });
});
