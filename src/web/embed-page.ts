/**
 * What every embeddable page shares: the Content-Security-Policy (scripts and styles only from the app, framing
 * only by the workspace's `settings.embed.frameAncestors`) and the page locale of a request without a valid token.
 * Pure.
 */
import { PageLocale, pageLocale } from './page-labels';

export function contentSecurityPolicy(frameAncestors: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'none'",
    "base-uri 'none'",
    `frame-ancestors ${frameAncestors.join(' ')}`,
  ].join('; ');
}

/** The first language of an Accept-Language header the pages speak (en otherwise). */
export function localeFromAcceptLanguage(header: string | undefined): PageLocale {
  const first = (header ?? '')
    .split(',')
    .map((part) => part.split(';')[0].trim())
    .find((tag) => /^(zh|en)\b/i.test(tag));
  return pageLocale(first ?? 'en');
}
