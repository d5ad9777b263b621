import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { maskEmail, maskPhone, normaliseEmail, normalisePhone, PiiCipher } from './pii';

describe('PiiCipher', () => {
  const k1 = { version: 'v1', key: randomBytes(32) };
  const k2 = { version: 'v2', key: randomBytes(32) };
  const hashKey = randomBytes(32);

  it('round-trips any string and never stores the plain text', () => {
    const c = new PiiCipher([k1], hashKey);
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (s) => {
        const blob = c.encrypt(s);
        expect(c.decrypt(blob)).toBe(s);
      }),
    );
    expect(c.encrypt('li.wei@example.com').includes(Buffer.from('li.wei'))).toBe(false);
  });

  it('decrypts data written under an older key after rotation', () => {
    const old = new PiiCipher([k1], hashKey).encrypt('13800138000');
    const rotated = new PiiCipher([k2, k1], hashKey);
    expect(rotated.decrypt(old)).toBe('13800138000');
    expect(rotated.encrypt('x').subarray(1, 3).toString()).toBe('v2');
  });

  it('detects tampering', () => {
    const c = new PiiCipher([k1], hashKey);
    const blob = c.encrypt('secret');
    blob[blob.length - 1] ^= 1;
    expect(() => c.decrypt(blob)).toThrow();
  });

  it('hashes equal normalised values equally and depends on the key', () => {
    const a = new PiiCipher([k1], hashKey);
    const b = new PiiCipher([k1], randomBytes(32));
    expect(a.hash('x@y.com').equals(a.hash('x@y.com'))).toBe(true);
    expect(a.hash('x@y.com').equals(b.hash('x@y.com'))).toBe(false);
  });
});

describe('normalisation', () => {
  it('normalises emails written differently to one value', () => {
    expect(normaliseEmail(' Li.Wei@Example.com ')).toBe('li.wei@example.com');
    expect(normaliseEmail('not-an-email')).toBeNull();
  });

  it('normalises phone numbers to E.164 whatever the punctuation', () => {
    expect(normalisePhone('+86 138-0013-8000', 'CN')).toBe('+8613800138000');
    expect(normalisePhone('13800138000', 'CN')).toBe('+8613800138000');
    expect(normalisePhone('(415) 555-2671', 'US')).toBe('+14155552671');
    expect(normalisePhone('12', 'CN')).toBeNull();
  });

  it('masks without revealing the value', () => {
    expect(maskEmail('li.wei@example.com')).toBe('l*****@example.com');
    expect(maskPhone('+8613800138000')).toBe('+86*******8000');
  });
});
