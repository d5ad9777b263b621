/**
 * Currency conversion of imported orders, pure and framework-free. A workspace's rate table gives, per currency,
 * rates valid from a day (UTC) until the next one; an order is converted at the rate valid on the day it was
 * placed, exactly in integer arithmetic, rounding half away from zero to a minor unit of the workspace currency.
 */
import { isDay } from '../../worklist/zoned-time';
import { currencyExponent, CurrencyPolicy } from './csv-rows';

export interface CurrencyRate {
  currency: string;
  /** 'YYYY-MM-DD' */
  validFrom: string;
  /** units of the workspace currency per unit of `currency`, as a decimal string ("7.1234") */
  rate: string;
}

/** Digits kept of a rate after the point (the column is numeric(24,12)). */
const RATE_SCALE = 12;

/** A rate as an integer of 10^-12 units, or null when it is not a positive decimal with at most 12 decimals. */
export function parseRate(v: string): bigint | null {
  const m = /^(\d{1,12})(?:\.(\d{1,12}))?$/.exec(v.trim());
  if (!m) return null;
  const scaled = BigInt(m[1] + (m[2] ?? '').padEnd(RATE_SCALE, '0'));
  return scaled > 0n ? scaled : null;
}

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** Most rates one table may hold (a CSV load or a PUT). */
export const MAX_RATES = 100_000;

export interface RateProblem {
  /** `currency`, `valid_from` / `validFrom`, `rate` */
  field: 'currency' | 'validFrom' | 'rate';
  reason: string;
}

/**
 * The problems of one rate of a workspace whose currency is `workspaceCurrency` — the one rule of the CSV load and
 * of `PUT /v1/currency-rates`. `currency` is expected upper-cased.
 */
export function rateProblems(rate: CurrencyRate, workspaceCurrency: string): RateProblem[] {
  const out: RateProblem[] = [];
  if (!CURRENCIES.has(rate.currency))
    out.push({ field: 'currency', reason: `unknown currency "${rate.currency}"` });
  else if (rate.currency === workspaceCurrency)
    out.push({ field: 'currency', reason: `${rate.currency} is the workspace currency (its rate is 1)` });
  if (!isDay(rate.validFrom))
    out.push({ field: 'validFrom', reason: `"${rate.validFrom}" is not a day YYYY-MM-DD` });
  if (parseRate(rate.rate) === null)
    out.push({ field: 'rate', reason: `"${rate.rate}" is not a positive decimal with at most 12 decimals` });
  return out;
}

/** Index pairs of rates naming the same currency and day twice (`[first, again]`). */
export function duplicateRates(rates: readonly CurrencyRate[]): Array<[number, number]> {
  const seen = new Map<string, number>();
  const out: Array<[number, number]> = [];
  rates.forEach((r, i) => {
    const key = `${r.currency} ${r.validFrom}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else out.push([first, i]);
  });
  return out;
}

/** `amountMinor` of `from` in minor units of `to` at `rate` (10^-12 units of `to` per unit of `from`). */
export function convertMinor(amountMinor: bigint, rate: bigint, from: string, to: string): bigint {
  const num = amountMinor * rate * 10n ** BigInt(currencyExponent(to));
  const den = 10n ** BigInt(RATE_SCALE + currencyExponent(from));
  return (2n * num + den) / (2n * den); // half away from zero (amounts are never negative here)
}

/**
 * The import's currency policy for a workspace: orders in the workspace currency pass; others are converted with
 * the rate table, or rejected with the reason when there is none that applies.
 */
export function currencyPolicy(workspaceCurrency: string, rates: readonly CurrencyRate[]): CurrencyPolicy {
  const byCurrency = new Map<string, Array<{ fromMs: number; validFrom: string; rate: bigint }>>();
  for (const r of rates) {
    const rate = parseRate(r.rate);
    if (rate === null) continue;
    const list = byCurrency.get(r.currency) ?? [];
    list.push({ fromMs: Date.parse(`${r.validFrom}T00:00:00Z`), validFrom: r.validFrom, rate });
    byCurrency.set(r.currency, list);
  }
  for (const list of byCurrency.values()) list.sort((a, b) => a.fromMs - b.fromMs);
  return {
    workspaceCurrency,
    convert(currency, amountMinor, placedAtMs) {
      const list = byCurrency.get(currency);
      if (!list) {
        return {
          error:
            `${currency} is not the workspace currency (${workspaceCurrency}) and the workspace has no ${currency} rate: ` +
            `scoring counts ${workspaceCurrency} amounts only (load rates with "callplan currency rates load <csv>", or convert the file)`,
        };
      }
      let found: { rate: bigint } | undefined;
      for (const r of list) {
        if (r.fromMs <= placedAtMs) found = r;
        else break;
      }
      if (!found) {
        return {
          error: `no ${currency}→${workspaceCurrency} rate valid on ${new Date(placedAtMs).toISOString().slice(0, 10)} (the first is from ${list[0].validFrom})`,
        };
      }
      return { amountMinor: convertMinor(amountMinor, found.rate, currency, workspaceCurrency) };
    },
  };
}
