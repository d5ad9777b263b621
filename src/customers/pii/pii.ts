import { CountryCode, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js';

// The cipher lives in src/common (webhook signing secrets use it too, and webhooks sits below customers); it is
// re-exported here so the PII code keeps one import.
export { PiiCipher } from '../../common/pii-cipher';

/** Lower-cased, trimmed email, or null when it is not an email address. */
export function normaliseEmail(raw: string): string | null {
  const v = raw.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) && v.length <= 254 ? v : null;
}

/**
 * E.164 phone number ('+8613800138000'), or null when it cannot be a phone number. "Possible" (right length for
 * the country) rather than "valid" (a currently allocated range): numbering plans change faster than the metadata,
 * and dropping a rep's only way to reach a customer over a new range would be worse than keeping it.
 *
 * Numbers without '+' are read as national numbers of the customer's country first: libphonenumber alone would
 * take a leading international dialling prefix of that country for one (China's 179xx… carrier prefixes turn
 * '17968007512' into '+7512'), and a leading '00' (the IDD of most of the world, not of the US) is read as '+'.
 */
export function normalisePhone(raw: string, defaultCountry: string | null): string | null {
  const country = (defaultCountry?.toUpperCase() || 'CN') as CountryCode;
  const text = raw.trim();
  const digits = text.replace(/[\s().\-/]/g, '');
  if (!/^\+?\d{3,20}$/.test(digits)) return possibleE164(text, country);
  if (digits.startsWith('+')) return possibleE164(digits, country);
  if (digits.startsWith('00'))
    return possibleE164(`+${digits.slice(2)}`, country) ?? possibleE164(digits, country);
  const callingCode = callingCodeOf(country);
  const national = callingCode ? possibleE164(`+${callingCode}${digits.replace(/^0/, '')}`, country) : null;
  return national ?? possibleE164(digits, country);
}

function callingCodeOf(country: CountryCode): string | null {
  try {
    return getCountryCallingCode(country);
  } catch {
    return null; // not a country libphonenumber knows: only the plain parse can help
  }
}

function possibleE164(text: string, country: CountryCode): string | null {
  const parsed = parsePhoneNumberFromString(text, country);
  return parsed?.isPossible() ? parsed.number : null;
}

/** Masks an email for roles without PII rights: 'li.wei@example.com' → 'l*****@example.com'. */
export function maskEmail(email: string): string {
  const [local, domain] = email.split('@');
  return `${local.slice(0, 1)}${'*'.repeat(Math.max(1, local.length - 1))}@${domain}`;
}

/** Masks a phone number keeping the last 4 digits: '+8613800138000' → '+86*******8000'. */
export function maskPhone(phone: string): string {
  return `${phone.slice(0, 3)}${'*'.repeat(Math.max(0, phone.length - 7))}${phone.slice(-4)}`;
}
