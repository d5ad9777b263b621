/**
 * Content negotiation of a served list page: gzip or identity (RFC 9110 §12.5.3), and the answer — status,
 * headers, bytes — the controller and ServedListDoor both send, so the two answer a request alike byte for byte.
 * Pure: no framework, no zlib (the compressed bytes are made once, when a page is remembered).
 */
import { matchesIfNoneMatch } from './list-paging';

/** A page's two representations: its JSON and the same bytes gzip-compressed. */
export interface PageBodies {
  identity: Buffer;
  gzip: Buffer;
}

/** A served page as the list read gives it: the identity ETag and, unless only its ETag is known, its bodies. */
export interface ServedPage {
  etag: string;
  bodies: PageBodies | null;
}

export type Coding = 'gzip' | 'identity';

/**
 * The coding to answer with for this Accept-Encoding value: gzip when it lists gzip (or x-gzip, its old name) with
 * q > 0, or `*` with q > 0 and gzip not named; identity otherwise — the field absent (any coding would do, but a
 * client that says nothing gets the bytes every client reads), empty, gzip refused (`gzip;q=0`), or only codings
 * this API does not make (`br`). Identity is sent even when refused (`identity;q=0`): the RFC's answer when no
 * acceptable coding is available, rather than a 406.
 */
export function negotiateCoding(acceptEncoding: string | undefined): Coding {
  if (!acceptEncoding) return 'identity';
  let gzip: number | undefined;
  let any: number | undefined;
  for (const member of acceptEncoding.split(',')) {
    const [name, ...params] = member.split(';');
    const coding = name.trim().toLowerCase();
    const q = weight(params);
    if (q === null) continue; // a malformed weight: the member is ignored
    if (coding === 'gzip' || coding === 'x-gzip') gzip = Math.max(gzip ?? 0, q);
    else if (coding === '*') any = Math.max(any ?? 0, q);
  }
  const accepted = gzip ?? any ?? 0;
  return accepted > 0 ? 'gzip' : 'identity';
}

/** `q=` of a member's parameters: 1 when absent, null when malformed (RFC 9110 §12.4.2: 0–1, three decimals). */
function weight(params: string[]): number | null {
  for (const p of params) {
    const [k, v = ''] = p.split('=');
    if (k.trim().toLowerCase() !== 'q') continue;
    const value = v.trim();
    return /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : null;
  }
  return 1;
}

/** The strong ETag of the gzip representation: the identity ETag with `-gzip` inside the quotes. */
export function gzipETag(etag: string): string {
  return etag.endsWith('"') ? `${etag.slice(0, -1)}-gzip"` : `${etag}-gzip`;
}

/** Whether If-None-Match names either representation of the page (then 304, whichever the client holds). */
export function matchesEitherCoding(ifNoneMatch: string | undefined, etag: string): boolean {
  return matchesIfNoneMatch(ifNoneMatch, etag) || matchesIfNoneMatch(ifNoneMatch, gzipETag(etag));
}

export interface PageAnswer {
  status: 200 | 304;
  headers: Record<string, string>;
  /** undefined for a 304 */
  body?: Buffer;
}

/**
 * What to send for a page: 304 when If-None-Match names either representation, else 200 with the negotiated
 * bytes; the ETag is always the one of the representation this request gets. Null when a body is due but only the
 * ETag is known (the caller reads the page).
 */
export function answerPage(
  page: ServedPage,
  ifNoneMatch: string | undefined,
  acceptEncoding: string | undefined,
): PageAnswer | null {
  const coding = negotiateCoding(acceptEncoding);
  const headers: Record<string, string> = {
    ETag: coding === 'gzip' ? gzipETag(page.etag) : page.etag,
    'Cache-Control': 'private, no-cache',
    // both representations vary with it, and so does a 304 (RFC 9110 §15.4.5)
    Vary: 'Accept-Encoding',
  };
  if (matchesEitherCoding(ifNoneMatch, page.etag)) return { status: 304, headers };
  if (!page.bodies) return null;
  const body = page.bodies[coding];
  headers['Content-Type'] = 'application/json; charset=utf-8';
  if (coding === 'gzip') headers['Content-Encoding'] = 'gzip';
  headers['Content-Length'] = String(body.length);
  return { status: 200, headers, body };
}
