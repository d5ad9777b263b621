/**
 * Who a synthetic customer is: name, kind, country, region, industry, e-mail and phone, plus the
 * near-duplicate variants the generator injects and the normalisers that undo them.
 *
 * Uniqueness: every original customer gets a 7-digit code (an affine bijection of its index) that ends
 * every phone number and a numeric tag in every e-mail local part, so two different originals never
 * share a normalised phone or e-mail; only injected duplicates do. E-mail domains are reserved example
 * domains (RFC 2606): synthetic addresses must never reach a real mailbox.
 */
import type { CountryCode, CustomerKind, Region } from './crm-rows';
import { SeededRandom, Weighted } from './seeded-random';
import {
  CHINESE_BRANDS,
  CHINESE_GIVEN_NAMES,
  CHINESE_SURNAMES,
  CITIES_BY_REGION,
  COMPANY_SUFFIX_BY_COUNTRY,
  ENGLISH_FIRST_NAMES,
  ENGLISH_LAST_NAMES,
  GERMAN_FIRST_NAMES,
  GERMAN_LAST_NAMES,
  INDUSTRIES,
  INDUSTRY_WORDS,
  type Industry,
  JAPANESE_FAMILY_NAMES,
  JAPANESE_GIVEN_NAMES,
  WESTERN_BRANDS,
} from './word-lists';

/** Largest customer count the uniqueness scheme supports (7-digit codes). */
export const MAX_CUSTOMERS = 10_000_000;
const CODE_SPACE = 10_000_000;
const PHONE_MULTIPLIER = 7_368_787; // odd, not a multiple of 5: coprime with 10^7
const EMAIL_MULTIPLIER = 7_919; // prime, coprime with 10^k

export const COUNTRY_CALLING_CODES: Readonly<Record<CountryCode, string>> = {
  CN: '86',
  US: '1',
  GB: '44',
  DE: '49',
  SG: '65',
  JP: '81',
};

/** Hours ahead of UTC in each country (no daylight saving: close enough for synthetic timestamps). */
export const UTC_OFFSET_HOURS: Readonly<Record<CountryCode, number>> = {
  CN: 8,
  US: -5,
  GB: 0,
  DE: 1,
  SG: 8,
  JP: 9,
};

const COUNTRIES = new Weighted<CountryCode>([
  ['CN', 0.88],
  ['US', 0.035],
  ['SG', 0.025],
  ['GB', 0.02],
  ['JP', 0.02],
  ['DE', 0.02],
]);

const CN_REGIONS = new Weighted<Exclude<Region, 'International'>>([
  ['East China', 0.4],
  ['North China', 0.25],
  ['South China', 0.25],
  ['West', 0.1],
]);

/** Phone groupings of the national number, for the spaced and dashed styles. */
const PHONE_GROUPS: Readonly<Record<CountryCode, readonly number[]>> = {
  CN: [3, 4, 4],
  US: [3, 3, 4],
  GB: [4, 6],
  DE: [3, 8],
  SG: [4, 4],
  JP: [2, 4, 4],
};

/** Written styles of one phone number; duplicates are written in a different style from their original. */
export const PHONE_STYLES = [
  'national',
  'national-spaced',
  'national-dashed',
  'e164',
  'intl-spaced',
  'intl-dashed',
] as const;
export type PhoneStyle = (typeof PHONE_STYLES)[number];

export interface PhoneNumber {
  country: CountryCode;
  /** national significant number, digits only, without trunk prefix */
  national: string;
}

export interface Identity {
  kind: CustomerKind;
  country: CountryCode;
  region: Region;
  industry: Industry | '';
  name: string;
  /** lower-case, trimmed; '' when the CRM has none */
  email: string;
  phone: PhoneNumber | null;
  phoneStyle: PhoneStyle;
  /** a Chinese name in characters written in pinyin (`李秀英` → `Li Xiuying`), for duplicates written that way */
  latinName?: string;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function groupDigits(digits: string, groups: readonly number[], separator: string): string {
  const parts: string[] = [];
  let at = 0;
  for (const size of groups) {
    parts.push(digits.slice(at, at + size));
    at += size;
  }
  if (at < digits.length) parts[parts.length - 1] += digits.slice(at);
  return parts.join(separator);
}

/** Writes a phone number in one of the styles CRMs really contain. */
export function formatPhone(phone: PhoneNumber, style: PhoneStyle): string {
  const cc = COUNTRY_CALLING_CODES[phone.country];
  const groups = PHONE_GROUPS[phone.country];
  switch (style) {
    case 'national':
      return phone.country === 'CN' ? phone.national : `+${cc}${phone.national}`;
    case 'national-spaced':
      return phone.country === 'CN'
        ? groupDigits(phone.national, groups, ' ')
        : `00${cc} ${groupDigits(phone.national, groups, ' ')}`;
    case 'national-dashed':
      return phone.country === 'CN'
        ? groupDigits(phone.national, groups, '-')
        : `(+${cc}) ${groupDigits(phone.national, groups, '-')}`;
    case 'e164':
      return `+${cc}${phone.national}`;
    case 'intl-spaced':
      return `+${cc} ${groupDigits(phone.national, groups, ' ')}`;
    case 'intl-dashed':
      return `+${cc} ${groupDigits(phone.national, groups, '-')}`;
  }
}

/**
 * Normalised phone for matching: digits only, international prefix `00` dropped, and China's `86`
 * dropped from 13-digit numbers so '+86 138-0013-8000' and '13800138000' agree.
 */
export function normalisePhone(raw: string): string {
  let digits = raw.replace(/\D/g, '');
  if (digits.startsWith('00')) digits = digits.slice(2);
  if (digits.length === 13 && digits.startsWith('86')) digits = digits.slice(2);
  return digits;
}

/** Normalised e-mail for matching: trimmed and lower-cased. */
export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Normalised name: trimmed, inner whitespace collapsed, lower-cased, spaces between CJK characters removed. */
export function normaliseName(raw: string): string {
  return raw
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/(?<=[\u3400-\u9fff]) (?=[\u3400-\u9fff])/g, '')
    .toLowerCase();
}

function ascii(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Builds identities for customer indices 0..count-1. The per-run offsets come from the seeded stream, so
 * codes differ between seeds but stay unique within a run.
 */
export class IdentityFactory {
  private readonly phoneOffset: number;
  private readonly emailOffset: number;
  private readonly emailSpace: number;

  constructor(
    private readonly random: SeededRandom,
    count: number,
  ) {
    if (count > MAX_CUSTOMERS) throw new RangeError(`at most ${MAX_CUSTOMERS} customers are supported`);
    this.phoneOffset = random.int(0, CODE_SPACE - 1);
    this.emailSpace = 10 ** Math.max(4, String(Math.max(count, 1)).length + 1);
    this.emailOffset = random.int(0, this.emailSpace - 1);
  }

  /** 7-digit code unique to customer `index` within the run */
  private phoneCode(index: number): string {
    return pad((index * PHONE_MULTIPLIER + this.phoneOffset) % CODE_SPACE, 7);
  }

  /** e-mail tag unique to customer `index` within the run (no padding: it reads like a number people pick) */
  private emailTag(index: number): number {
    return (index * EMAIL_MULTIPLIER + this.emailOffset) % this.emailSpace;
  }

  private phoneFor(country: CountryCode, index: number): PhoneNumber {
    const r = this.random;
    const code = this.phoneCode(index);
    switch (country) {
      case 'CN':
        return { country, national: `1${r.int(3, 9)}${r.int(0, 9)}${r.int(0, 9)}${code}` };
      case 'US':
        return { country, national: `${r.int(2, 9)}${r.int(0, 9)}${r.int(1, 9)}${code}` };
      case 'GB':
        return { country, national: `7${r.int(4, 9)}${r.int(0, 9)}${code}` };
      case 'DE':
        return { country, national: `15${r.int(1, 7)}${r.int(0, 9)}${code}` };
      case 'SG':
        return { country, national: `${r.pick(['8', '9'])}${code}` };
      case 'JP':
        return { country, national: `${r.pick(['70', '80', '90'])}${r.int(1, 9)}${code}` };
    }
  }

  /** person name as written in the CRM, plus the ASCII given/family names used for e-mail */
  private personName(country: CountryCode): {
    name: string;
    given: string;
    family: string;
    latinName?: string;
  } {
    const r = this.random;
    switch (country) {
      case 'CN': {
        const [familyZh, family] = r.pick(CHINESE_SURNAMES);
        const [givenZh, given] = r.pick(CHINESE_GIVEN_NAMES);
        const u = r.uniform();
        const name = u < 0.75 ? familyZh + givenZh : u < 0.9 ? `${family} ${given}` : `${given} ${family}`;
        const latinName = u < 0.75 ? `${family} ${given}` : undefined;
        return { name, given: ascii(given), family: ascii(family), ...(latinName ? { latinName } : {}) };
      }
      case 'DE': {
        const [given, givenAscii] = r.pick(GERMAN_FIRST_NAMES);
        const [family, familyAscii] = r.pick(GERMAN_LAST_NAMES);
        return { name: `${given} ${family}`, given: givenAscii, family: familyAscii };
      }
      case 'JP': {
        const family = r.pick(JAPANESE_FAMILY_NAMES);
        const given = r.pick(JAPANESE_GIVEN_NAMES);
        return { name: `${given} ${family}`, given: ascii(given), family: ascii(family) };
      }
      default: {
        const given = r.pick(ENGLISH_FIRST_NAMES);
        const family = r.pick(ENGLISH_LAST_NAMES);
        return { name: `${given} ${family}`, given: ascii(given), family: ascii(family) };
      }
    }
  }

  private companyName(
    country: CountryCode,
    region: Region,
    industry: Industry,
  ): { name: string; slug: string } {
    const r = this.random;
    const [industryZh, industryEn, industrySlug] = INDUSTRY_WORDS[industry];
    if (country === 'CN') {
      const cities = CITIES_BY_REGION[region === 'International' ? 'East China' : region];
      const [cityZh, cityEn] = r.pick(cities);
      const [brandZh, brandEn] = r.pick(CHINESE_BRANDS);
      const slug = `${ascii(brandEn)}-${industrySlug}`;
      if (r.chance(0.65)) return { name: `${cityZh}${brandZh}${industryZh}有限公司`, slug };
      return { name: `${cityEn} ${brandEn} ${industryEn} Co., Ltd.`, slug };
    }
    const brand = r.pick(WESTERN_BRANDS);
    const suffix = r.pick(COMPANY_SUFFIX_BY_COUNTRY[country]);
    return { name: `${brand} ${industryEn} ${suffix}`, slug: `${ascii(brand)}-${industrySlug}` };
  }

  /** A new original customer at position `index` (0-based). */
  create(index: number, kind: CustomerKind): Identity {
    const r = this.random;
    const country = COUNTRIES.sample(r);
    const region: Region = country === 'CN' ? CN_REGIONS.sample(r) : 'International';
    const person = this.personName(country);
    const tag = this.emailTag(index);
    let name = person.name;
    let industry: Industry | '' = '';
    let email: string;
    if (kind === 'business') {
      industry = r.pick(INDUSTRIES);
      const company = this.companyName(country, region, industry);
      name = company.name;
      email = `${person.given}.${person.family}${tag}@${company.slug}.example.com`;
    } else {
      const domain = r.pick(['example.com', 'example.com', 'example.net', 'example.org']);
      const u = r.uniform();
      const local =
        u < 0.4
          ? `${person.given}${person.family}${tag}`
          : u < 0.75
            ? `${person.family}.${person.given}${tag}`
            : country === 'CN'
              ? `${tag + 10_000}` // QQ-number style address: digits only, at least 5 of them
              : `${person.given}_${person.family}${tag}`;
      email = `${local}@${domain}`;
    }
    // Never both missing: a CRM record without any contact could not have been created by a rep.
    const missing = r.uniform();
    const hasEmail = missing >= 0.1;
    const hasPhone = missing < 0.1 || missing >= 0.18;
    const phoneStyle: PhoneStyle =
      country === 'CN'
        ? r.pick([
            'national',
            'national',
            'national',
            'national-spaced',
            'national-dashed',
            'intl-dashed',
          ] as const)
        : r.pick(['e164', 'e164', 'intl-spaced', 'intl-dashed'] as const);
    return {
      kind,
      country,
      region,
      industry,
      name,
      email: hasEmail ? email : '',
      phone: hasPhone ? this.phoneFor(country, index) : null,
      phoneStyle,
      ...(kind === 'individual' && person.latinName ? { latinName: person.latinName } : {}),
    };
  }
}

/** Capitalises the first letter of every dot-, underscore- or @-separated part: 'li.wei@example.com' → 'Li.Wei@Example.com'. */
function capitaliseParts(email: string): string {
  return email.replace(
    /(^|[._@])([a-z])/g,
    (_match, separator: string, letter: string) => separator + letter.toUpperCase(),
  );
}

/** The same address written the way a second sign-up or a careless import writes it. */
export function emailVariant(random: SeededRandom, email: string): string {
  switch (random.int(0, 3)) {
    case 0:
      return capitaliseParts(email);
    case 1:
      return `${capitaliseParts(email)} `;
    case 2:
      return ` ${email.toUpperCase()}`;
    default:
      return `${email.replace(/@.*/, (domain) => domain.toUpperCase())}  `;
  }
}

/** The same phone in a different written style. */
export function phoneVariant(random: SeededRandom, phone: PhoneNumber, originalStyle: PhoneStyle): string {
  const styles = PHONE_STYLES.filter((style) => style !== originalStyle);
  let written = formatPhone(phone, random.pick(styles));
  // A written style can coincide with the original's text (e.g. CN 'national' is bare digits); force a change.
  if (written === formatPhone(phone, originalStyle))
    written = `+${COUNTRY_CALLING_CODES[phone.country]} ${phone.national}`;
  return written;
}

/** The same name with stray spaces or a different case. */
export function nameVariant(random: SeededRandom, name: string): string {
  const cjk = /[\u3400-\u9fff]/.test(name);
  switch (random.int(0, 2)) {
    case 0:
      if (name.includes(' ')) return name.replace(' ', '  ');
      return cjk ? `${name.slice(0, 1)} ${name.slice(1)}` : `${name} `;
    case 1:
      return ` ${name} `;
    default:
      if (cjk) return ` ${name}\u3000`; // ideographic space, as typed on a Chinese keyboard
      return random.chance(0.5) ? name.toUpperCase() : `${name.toLowerCase()} `;
  }
}
