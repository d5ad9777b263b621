import { contentSecurityPolicy, localeFromAcceptLanguage } from './embed-page';

describe('embed page policy', () => {
  it('allows scripts and styles from the app only and framing by the given sources', () => {
    const csp = contentSecurityPolicy(['https://crm.example.com', "'self'"]);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toMatch(/frame-ancestors https:\/\/crm\.example\.com 'self'$/);
  });

  it('speaks the first language of Accept-Language it knows', () => {
    expect(localeFromAcceptLanguage('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN');
    expect(localeFromAcceptLanguage('fr-FR, en;q=0.5')).toBe('en');
    expect(localeFromAcceptLanguage(undefined)).toBe('en');
  });
});
