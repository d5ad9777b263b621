/**
 * Test-only readers of the CDNOW fixtures in test/fixtures/cdnow (see its README). Time in weeks, money in
 * dollars, as in the published BG/NBD and Gamma-Gamma results the specs compare against.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { RepeatSummary } from './types';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'cdnow');
const DAY_MS = 86_400_000;
const ORIGIN = Date.UTC(1997, 0, 1);
/** day index (days since 1997-01-01) of the last calibration day, 1997-09-30 (end of week 39) */
export const CALIBRATION_END_DAY = (Date.UTC(1997, 8, 30) - ORIGIN) / DAY_MS;
/** day index of the last holdout day, 1998-06-30 (end of week 78) */
export const HOLDOUT_END_DAY = (Date.UTC(1998, 5, 30) - ORIGIN) / DAY_MS;
/** length of the holdout period in weeks */
export const HOLDOUT_WEEKS = (HOLDOUT_END_DAY - CALIBRATION_END_DAY) / 7;

/** One customer-day of CDNOW_sample.txt with same-day orders merged (day = days since 1997-01-01). */
export interface CdnowPurchaseDay {
  customerId: number;
  day: number;
  dollars: number;
}

/** Calibration summary (weeks) of one customer plus its holdout outcome. */
export interface CdnowCustomer extends RepeatSummary {
  id: number;
  /** mean dollars of the calibration repeat transactions (0 when x = 0) */
  zbar: number;
  /** repeat transactions (distinct days) in the holdout weeks 40-78 */
  holdoutX: number;
  holdoutDollars: number;
}

/** Reads CDNOW_sample.txt and merges each customer's orders of one day into one transaction. */
export function readCdnowPurchaseDays(): CdnowPurchaseDay[] {
  const merged = new Map<string, CdnowPurchaseDay>();
  for (const line of readFileSync(join(FIXTURES, 'CDNOW_sample.txt'), 'utf8').split(/\r?\n/)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5) continue;
    const [, customer, date, , dollars] = fields;
    const day =
      (Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8))) - ORIGIN) /
      DAY_MS;
    const customerId = Number(customer);
    const key = `${customerId}|${day}`;
    const existing = merged.get(key);
    if (existing) existing.dollars += Number(dollars);
    else merged.set(key, { customerId, day, dollars: Number(dollars) });
  }
  return [...merged.values()];
}

/** Calibration summaries (weeks 1-39) and holdout counts (weeks 40-78) per customer, sorted by id. */
export function buildCdnowCustomers(days: CdnowPurchaseDay[]): CdnowCustomer[] {
  const byCustomer = new Map<number, CdnowPurchaseDay[]>();
  for (const d of days) {
    const list = byCustomer.get(d.customerId);
    if (list) list.push(d);
    else byCustomer.set(d.customerId, [d]);
  }
  const customers: CdnowCustomer[] = [];
  for (const [id, list] of byCustomer) {
    list.sort((p, q) => p.day - q.day);
    const first = list[0].day;
    let x = 0;
    let lastRepeat = first;
    let repeatDollars = 0;
    let holdoutX = 0;
    let holdoutDollars = 0;
    for (const d of list.slice(1)) {
      if (d.day <= CALIBRATION_END_DAY) {
        x++;
        lastRepeat = d.day;
        repeatDollars += d.dollars;
      } else if (d.day <= HOLDOUT_END_DAY) {
        holdoutX++;
        holdoutDollars += d.dollars;
      }
    }
    customers.push({
      id,
      x,
      tx: (lastRepeat - first) / 7,
      T: (CALIBRATION_END_DAY - first) / 7,
      zbar: x > 0 ? repeatDollars / x : 0,
      holdoutX,
      holdoutDollars,
    });
  }
  return customers.sort((p, q) => p.id - q.id);
}

/** cdnow_customers_summary.csv: ID, frequency → x, recency → tx, T (weeks, 2 decimals). */
export function readCdnowSummary(): Array<RepeatSummary & { id: number }> {
  return readCsv('cdnow_customers_summary.csv').map(([id, x, tx, T]) => ({ id, x, tx, T }));
}

/** cdnow_customers_summary_with_transactions.csv: ID, x, t_x, T (weeks), zbar (mean repeat spend, $). */
export function readCdnowSummaryWithSpend(): Array<RepeatSummary & { id: number; zbar: number }> {
  return readCsv('cdnow_customers_summary_with_transactions.csv').map(([id, x, tx, T, zbar]) => ({
    id,
    x,
    tx,
    T,
    zbar,
  }));
}

function readCsv(file: string): number[][] {
  const lines = readFileSync(join(FIXTURES, file), 'utf8').trim().split(/\r?\n/);
  return lines.slice(1).map((line) => line.split(',').map(Number));
}
