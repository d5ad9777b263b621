import fc from 'fast-check';
import { EmbedSettingsError, frameAncestorProblem, resolveEmbedSettings } from './embed-settings';

describe('settings.embed', () => {
  it('defaults to framing from anywhere and keeps valid sources', () => {
    expect(resolveEmbedSettings(undefined)).toEqual({ frameAncestors: ['*'] });
    expect(
      resolveEmbedSettings({ frameAncestors: ["'self'", 'https://crm.example.com', 'https://*.x.cn:8443'] }),
    ).toEqual({ frameAncestors: ["'self'", 'https://crm.example.com', 'https://*.x.cn:8443'] });
  });

  it('refuses what could break out of the header, naming the field', () => {
    const issues = (stored: unknown) => {
      try {
        resolveEmbedSettings(stored);
        return [];
      } catch (e) {
        return (e as EmbedSettingsError).issues;
      }
    };
    expect(issues({ frameAncestors: ['https://a.com; script-src *'] })[0]).toMatch(/^frameAncestors\.0: /);
    expect(issues({ frameAncestors: [] })[0]).toMatch(/^frameAncestors: /);
    expect(issues({ frameAncestors: ["'none'", 'https://a.com'] })[0]).toMatch(/only source/);
    expect(issues({ frameAnchestors: ['*'] })[0]).toMatch(/unknown setting/);
    expect(issues('x')[0]).toMatch(/must be an object/);
  });

  it('never accepts a source with a space, quote other than a keyword, comma or semicolon', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        if (frameAncestorProblem(s) !== null) return true;
        return !/[\s,;"]/.test(s) && (!s.includes("'") || s === "'self'" || s === "'none'");
      }),
    );
  });
});
