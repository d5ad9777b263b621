import fc from 'fast-check';

import type { CountryCode } from './crm-rows';
import {
  COUNTRY_CALLING_CODES,
  IdentityFactory,
  PHONE_STYLES,
  type PhoneNumber,
  emailVariant,
  formatPhone,
  nameVariant,
  normaliseEmail,
  normaliseName,
  normalisePhone,
  phoneVariant,
} from './identity';
import { SeededRandom } from './seeded-random';

const NATIONAL_LENGTH: Record<CountryCode, number> = { CN: 11, US: 10, GB: 10, DE: 11, SG: 8, JP: 10 };
const countryArb = fc.constantFrom<CountryCode>('CN', 'US', 'GB', 'DE', 'SG', 'JP');
const phoneArb: fc.Arbitrary<PhoneNumber> = countryArb.chain((country) =>
  fc
    .string({ unit: fc.constantFrom(...'0123456789'), minLength: NATIONAL_LENGTH[country] - 1 })
    .map((digits) => ({ country, national: `1${digits}`.slice(0, NATIONAL_LENGTH[country]) })),
);

describe('normalisers', () => {
  it('match the examples of the brief', () => {
    expect(normalisePhone('+86 138-0013-8000')).toBe(normalisePhone('13800138000'));
    expect(normaliseEmail('Li.Wei@Example.com ')).toBe(normaliseEmail('li.wei@example.com'));
    expect(normaliseName(' 王 芳\u3000')).toBe(normaliseName('王芳'));
    expect(normaliseName('Wang  Fang ')).toBe(normaliseName('wang fang'));
  });

  it('give every written style of a phone the same key', () => {
    fc.assert(
      fc.property(phoneArb, (phone) => {
        const keys = new Set(PHONE_STYLES.map((style) => normalisePhone(formatPhone(phone, style))));
        expect(keys.size).toBe(1);
        const key = [...keys][0];
        expect(key).toBe(
          phone.country === 'CN' ? phone.national : COUNTRY_CALLING_CODES[phone.country] + phone.national,
        );
      }),
    );
  });

  it('undo every duplicate variant, while the raw text differs', () => {
    fc.assert(
      fc.property(
        phoneArb,
        fc.constantFrom(...PHONE_STYLES),
        fc.integer({ min: 1, max: 2 ** 31 }),
        (phone, style, seed) => {
          const random = new SeededRandom(seed);
          const original = formatPhone(phone, style);
          const variant = phoneVariant(random, phone, style);
          expect(variant).not.toBe(original);
          expect(normalisePhone(variant)).toBe(normalisePhone(original));
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('li.wei12@example.com', '93381@example.com', 'wei.li.7@huaxin-tech.example.com'),
        fc.constantFrom(
          '王芳',
          '欧阳建国',
          'Wang Fang',
          'Sören Koch',
          '上海华信科技有限公司',
          'Atlas Foods Pte. Ltd.',
        ),
        fc.integer({ min: 1, max: 2 ** 31 }),
        (email, name, seed) => {
          const random = new SeededRandom(seed);
          const emailCopy = emailVariant(random, email);
          expect(emailCopy).not.toBe(email);
          expect(normaliseEmail(emailCopy)).toBe(email);
          const nameCopy = nameVariant(random, name);
          expect(nameCopy).not.toBe(name);
          expect(normaliseName(nameCopy)).toBe(normaliseName(name));
        },
      ),
    );
  });
});

describe('IdentityFactory', () => {
  it('never gives two customers the same normalised phone or e-mail', () => {
    const count = 20_000;
    const factory = new IdentityFactory(new SeededRandom(5), count);
    const phones = new Set<string>();
    const emails = new Set<string>();
    let withPhone = 0;
    let withEmail = 0;
    let problems = 0; // counted, not expect()ed per row: 20k expects are slow
    for (let i = 0; i < count; i += 1) {
      const identity = factory.create(i, i % 3 === 0 ? 'business' : 'individual');
      if (identity.email === '' && identity.phone === null) problems += 1;
      if (identity.phone) {
        withPhone += 1;
        phones.add(normalisePhone(formatPhone(identity.phone, identity.phoneStyle)));
      }
      if (identity.email) {
        withEmail += 1;
        if (identity.email !== normaliseEmail(identity.email)) problems += 1;
        emails.add(identity.email);
      }
      if ((identity.region === 'International') !== (identity.country !== 'CN')) problems += 1;
    }
    expect(problems).toBe(0);
    expect(withPhone / count).toBeGreaterThan(0.85);
    expect(withEmail / count).toBeGreaterThan(0.85);
    expect(phones.size).toBe(withPhone);
    expect(emails.size).toBe(withEmail);
  });
});
