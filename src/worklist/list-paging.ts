/**
 * List reads: opaque cursors over item ranks and ETags derived from a list's version. Pure; node:crypto only.
 *
 * A list's ETag changes whenever one of its items changes (a trigger bumps worklists.version), when a customer on
 * it is updated by the CRM, and with anything that shapes the response (page, filter, who may see PII), so a
 * client that sends If-None-Match gets 304 without the server reading the items.
 */
import { createHash } from 'node:crypto';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Cursor for the page after the item with this rank. */
export function encodeCursor(rank: number): string {
  return Buffer.from(`r:${rank}`, 'utf8').toString('base64url');
}

/** The rank a cursor points after, or null when the cursor is malformed. */
export function decodeCursor(cursor: string): number | null {
  if (!/^[A-Za-z0-9_-]{1,24}$/.test(cursor)) return null;
  const m = /^r:(-?\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : null;
}

export interface ListTagInput {
  worklistId: string;
  version: number;
  /** newest updated_at of the customers on the list (ISO) */
  customersAt: string | null;
  /** everything else that shapes the response: filter, page, PII visibility */
  variant: string;
}

/** A strong ETag for one representation of a list. */
export function listETag(t: ListTagInput): string {
  const h = createHash('sha256')
    .update(`${t.worklistId}|${t.version}|${t.customersAt ?? ''}|${t.variant}`)
    .digest('base64url')
    .slice(0, 22);
  return `"wl-${h}"`;
}

/** RFC 9110 If-None-Match: `*` or a list of (weak or strong) tags, compared weakly. */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const value = header.trim();
  if (value === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return value
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === bare);
}
