import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { formatPhone, PHONE_STYLES, PhoneNumber } from '../../generator/identity';
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

  it('never uses an IV twice, across the blocks of IVs drawn at once, and every ciphertext still decrypts', () => {
    const c = new PiiCipher([k1], hashKey);
    const ivOf = (blob: Buffer) => blob.subarray(1 + blob[0], 13 + blob[0]).toString('hex');
    const seen = new Set<string>();
    // 5,000 encryptions span several blocks of 1,024 IVs
    for (let i = 0; i < 5000; i++) {
      const blob = c.encrypt(`v${i}`);
      seen.add(ivOf(blob));
      expect(c.decrypt(blob)).toBe(`v${i}`);
    }
    expect(seen.size).toBe(5000);
    // the same plain text twice: different ciphertexts
    expect(c.encrypt('same').equals(c.encrypt('same'))).toBe(false);
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

  it('reads numbers without "+" as national numbers of the customer country, and "00" as "+"', () => {
    // libphonenumber alone takes China's 179xx carrier prefix for an international dialling prefix ('+7512')
    expect(normalisePhone('17968007512', 'CN')).toBe('+8617968007512');
    expect(normalisePhone('179-0800-9695', 'CN')).toBe('+8617908009695');
    // '00' is the international prefix almost everywhere, though not in the US
    expect(normalisePhone('001 676 194 7475', 'US')).toBe('+16761947475');
    expect(normalisePhone('0065 8203 1110', 'SG')).toBe('+6582031110');
    expect(normalisePhone('(+1) 676-194-7475', 'US')).toBe('+16761947475');
    expect(normalisePhone('07911 123456', 'GB')).toBe('+447911123456');
    expect(normalisePhone('011 1 676 194 7475', 'US')).toBe('+16761947475');
  });

  it('gives every written form of a generated number the same E.164 value', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...(['CN', 'US', 'GB', 'DE', 'SG', 'JP'] as const)),
        fc.integer({ min: 0, max: 9_999_999 }),
        fc.constantFrom(...PHONE_STYLES),
        fc.constantFrom(...PHONE_STYLES),
        (country, code, a, b) => {
          const phone = samplePhone(country, code);
          expect(normalisePhone(formatPhone(phone, a), country)).toBe(
            normalisePhone(formatPhone(phone, b), country),
          );
          expect(normalisePhone(formatPhone(phone, a), country)).not.toBeNull();
        },
      ),
    );
  });

  it('masks without revealing the value', () => {
    expect(maskEmail('li.wei@example.com')).toBe('l*****@example.com');
    expect(maskPhone('+8613800138000')).toBe('+86*******8000');
  });
});

/** A phone number shaped like the generator's (identity.ts) for a country, varied by `code`. */
function samplePhone(country: PhoneNumber['country'], code: number): PhoneNumber {
  const tail = String(code).padStart(7, '0');
  const national = {
    CN: `1${3 + (code % 7)}${code % 10}${(code >> 3) % 10}${tail}`,
    US: `${2 + (code % 8)}${code % 10}${1 + (code % 9)}${tail}`,
    GB: `7${4 + (code % 6)}${code % 10}${tail}`,
    DE: `15${1 + (code % 7)}${code % 10}${tail}`,
    SG: `${code % 2 ? '8' : '9'}${tail}`,
    JP: `${['70', '80', '90'][code % 3]}${1 + (code % 9)}${tail}`,
  }[country];
  return { country, national };
}
