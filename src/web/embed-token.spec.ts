import { randomBytes } from 'node:crypto';
import { embedKind, signEmbedToken, verifyEmbedToken } from './embed-token';

describe('embed tokens', () => {
  const key = randomBytes(32);
  const claims = { workspaceId: 'w', repId: 'r', pii: 'full' as const, exp: 2_000_000_000, keyId: 'k' };

  it('round-trips valid claims', () => {
    expect(verifyEmbedToken(signEmbedToken(claims, key), key, 1_900_000_000)).toEqual(claims);
  });

  it('rejects expired, tampered, foreign-key and malformed tokens', () => {
    const token = signEmbedToken(claims, key);
    expect(verifyEmbedToken(token, key, 2_000_000_001)).toBeNull();
    const [body, sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, repId: 'other' })).toString('base64url');
    expect(verifyEmbedToken(`${forged}.${sig}`, key, 1)).toBeNull();
    expect(verifyEmbedToken(`${body}.${sig}`, randomBytes(32), 1)).toBeNull();
    expect(verifyEmbedToken('nonsense', key, 1)).toBeNull();
    const { keyId: _dropped, ...keyless } = claims;
    expect(verifyEmbedToken(signEmbedToken(keyless as typeof claims, key), key, 1)).toBeNull();
  });

  it('carries the page a token opens: a token without a kind is a rep token', () => {
    const manager = { ...claims, kind: 'manager' as const, teamId: 't' };
    const verified = verifyEmbedToken(signEmbedToken(manager, key), key, 1)!;
    expect(embedKind(verified)).toBe('manager');
    expect(verified.teamId).toBe('t');
    expect(embedKind(verifyEmbedToken(signEmbedToken(claims, key), key, 1)!)).toBe('rep');
    // the kind is signed: turning a rep token into a manager token breaks the signature
    const [, sig] = signEmbedToken(claims, key).split('.');
    const forged = Buffer.from(JSON.stringify(manager)).toString('base64url');
    expect(verifyEmbedToken(`${forged}.${sig}`, key, 1)).toBeNull();
  });
});
