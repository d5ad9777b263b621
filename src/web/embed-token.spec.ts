import { randomBytes } from 'node:crypto';
import { signEmbedToken, verifyEmbedToken } from './embed-token';

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
});
