import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived, signed tokens for the embeddable pages (the rep's call list, the manager dashboard): the CRM UI asks the API for a token (with its own
 * key) and puts it in an iframe URL, so no API key ever reaches a browser. Format: base64url(payload).base64url(mac).
 */
export interface EmbedClaims {
  workspaceId: string;
  /** the rep the call-list page is for; on a manager token, the manager (or admin) who looks at the dashboard */
  repId: string;
  /** which page the token opens: absent for the rep's call list (tokens minted before dashboards), 'manager' */
  kind?: EmbedKind;
  /** the team a manager token shows (checked against the viewer's scope again on every use) */
  teamId?: string;
  /** what the viewer may see: 'full' for people who work the list, 'masked' for machine-minted views */
  pii: 'full' | 'masked';
  /** expiry, epoch seconds */
  exp: number;
  /**
   * The API key that minted the token. The page checks on every use that this key still works and that the rep is
   * active, so revoking the key or deactivating the rep ends the token at once rather than at `exp`.
   */
  keyId: string;
}

export type EmbedKind = 'rep' | 'manager';

/** The page a token opens ('rep' for tokens without a kind). */
export function embedKind(claims: EmbedClaims): EmbedKind {
  return claims.kind ?? 'rep';
}

export function signEmbedToken(claims: EmbedClaims, key: Buffer): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${mac(body, key)}`;
}

/** The claims of a valid, unexpired token, or null (bad format, bad signature, expired). */
export function verifyEmbedToken(
  token: string,
  key: Buffer,
  nowSeconds = Math.floor(Date.now() / 1000),
): EmbedClaims | null {
  const [body, signature] = token.split('.');
  if (!body || !signature) return null;
  const expected = Buffer.from(mac(body, key));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as EmbedClaims;
    // a token without the minting key (minted before keys were checked) cannot be revoked: refused
    return typeof claims.exp === 'number' && claims.exp > nowSeconds && typeof claims.keyId === 'string'
      ? claims
      : null;
  } catch {
    return null;
  }
}

function mac(body: string, key: Buffer): string {
  return createHmac('sha256', key).update(`embed.${body}`).digest('base64url');
}
