/**
 * Neutralises a cell that a spreadsheet would evaluate as a formula (CSV injection, OWASP): a value starting with
 * = + - @ or a tab or carriage return gets a leading apostrophe, which spreadsheets show as text. Numbers written as
 * numbers (a negative amount) are not strings and stay as they are; callers pass only text cells here.
 */
export function safeCsvText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
