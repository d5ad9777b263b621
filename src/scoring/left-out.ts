/**
 * What a scoring run did not use of a workspace's orders, and why (docs/scoring-run.md, "Orders left out"). Pure:
 * the one aggregate over the orders (score-run.sql.ts leftOutOrders) comes in as rows, the report's `leftOut`
 * and `warnings` go out.
 *
 * A run counts an order when it is not deleted, its customer is live (not deleted, not merged into another), it is
 * in the workspace currency (orders converted on import are), it is paid, and it was placed before the end of the
 * as-of day. Every other order has exactly one reason, the first that applies in LEFT_OUT_REASONS order.
 */

/** Why an order was left out, in the order the reasons are tried (the first that applies is the order's). */
export const LEFT_OUT_REASONS = [
  'deletedOrder',
  'deletedCustomer',
  'mergedCustomer',
  'otherCurrency',
  'cancelled',
  'refunded',
  'futureDated',
] as const;

export type LeftOutReason = (typeof LEFT_OUT_REASONS)[number];

/**
 * The reasons that usually mean orders someone expected to count do not: a currency without rates, dates after
 * the run's day (time zone or as-of mistakes), orders still hanging on deleted or merged customers. Cancelled,
 * refunded and deleted orders are the CRM's own decisions — counted and explained, but a normal business has a few
 * per cent of them every night, and a warning that always shows would teach everyone to ignore it.
 */
export const WARNED_REASONS: readonly LeftOutReason[] = [
  'otherCurrency',
  'futureDated',
  'deletedCustomer',
  'mergedCustomer',
];

/** Above this share of the workspace's orders left out for a warned reason, the run warns. */
export const LEFT_OUT_WARN_SHARE = 0.01;

/** One group of the aggregate: orders of one reason (or used), currency and original currency. */
export interface OrderTallyRow {
  reason: LeftOutReason | 'used';
  currency: string;
  /** the currency the order came in before it was converted on import (null: not converted) */
  original_currency: string | null;
  /** a count (pg returns int8 as text) */
  orders: string | number;
}

export interface LeftOutReport {
  /** orders left out */
  orders: number;
  /** of all the workspace's orders, 0–1 (4 decimals) */
  share: number;
  /** the workspace's orders, used and left out */
  totalOrders: number;
  usedOrders: number;
  /** every reason, zeros included; sums to `orders` */
  byReason: Record<LeftOutReason, number>;
  /** orders left out for their currency, per currency */
  otherCurrencies: Record<string, number>;
  /** used orders that were converted into the workspace currency on import, per original currency */
  converted: { orders: number; byCurrency: Record<string, number> };
  /** share of the workspace's orders left out for a warned reason (WARNED_REASONS; futureDated not in a backtest) */
  warnedShare: number;
}

export interface LeftOutContext {
  /** the workspace currency (ISO 4217) */
  currency: string;
  /** the run's as-of day and time zone, for the words of the warning */
  asOf: string;
  timezone: string;
  /** a backtest ignores later orders on purpose: futureDated does not warn */
  backtest: boolean;
}

/** The run report's `leftOut` from the aggregate's rows. */
export function leftOutReport(rows: readonly OrderTallyRow[], ctx: LeftOutContext): LeftOutReport {
  const byReason = Object.fromEntries(LEFT_OUT_REASONS.map((r) => [r, 0])) as Record<LeftOutReason, number>;
  const otherCurrencies: Record<string, number> = {};
  const converted = { orders: 0, byCurrency: {} as Record<string, number> };
  let used = 0;
  for (const row of rows) {
    const n = Number(row.orders);
    if (row.reason === 'used') {
      used += n;
      if (row.original_currency !== null) {
        converted.orders += n;
        add(converted.byCurrency, row.original_currency.trim(), n);
      }
      continue;
    }
    byReason[row.reason] += n;
    if (row.reason === 'otherCurrency') add(otherCurrencies, row.currency.trim(), n);
  }
  const leftOut = LEFT_OUT_REASONS.reduce((s, r) => s + byReason[r], 0);
  const total = used + leftOut;
  const warned = warnedReasons(ctx).reduce((s, r) => s + byReason[r], 0);
  return {
    orders: leftOut,
    share: ratio(leftOut, total),
    totalOrders: total,
    usedOrders: used,
    byReason,
    otherCurrencies: sortedByCount(otherCurrencies),
    converted: { orders: converted.orders, byCurrency: sortedByCount(converted.byCurrency) },
    warnedShare: ratio(warned, total),
  };
}

/**
 * The run's warnings about its left-out orders: one sentence when more than LEFT_OUT_WARN_SHARE of the workspace's
 * orders were left out for a warned reason, naming each reason with its count and what to do about it; none
 * otherwise.
 */
export function leftOutWarnings(report: LeftOutReport, ctx: LeftOutContext): string[] {
  const warned = warnedReasons(ctx).filter((r) => report.byReason[r] > 0);
  const count = warned.reduce((s, r) => s + report.byReason[r], 0);
  if (report.totalOrders === 0 || count / report.totalOrders <= LEFT_OUT_WARN_SHARE) return [];
  const parts = warned.map((r) => explain(r, report, ctx));
  return [
    `${fmt(count)} of ${fmt(report.totalOrders)} orders (${percent(count / report.totalOrders)}) were left out of ` +
      `this run for reasons that usually mean a data problem: ${parts.join('; ')}. Their customers are scored ` +
      `without them (all ${fmt(report.orders)} left out, by reason: report.leftOut).`,
  ];
}

function explain(reason: LeftOutReason, report: LeftOutReport, ctx: LeftOutContext): string {
  const n = fmt(report.byReason[reason]);
  switch (reason) {
    case 'otherCurrency': {
      const list = Object.entries(report.otherCurrencies)
        .map(([c, k]) => `${c} ${fmt(k)}`)
        .join(', ');
      return (
        `${n} in another currency than the workspace's ${ctx.currency} (${list}): load rates with ` +
        '`callplan currency rates load` and import them again to convert them, or change the workspace currency'
      );
    }
    case 'futureDated':
      return `${n} placed after the end of the as-of day ${ctx.asOf} (${ctx.timezone}): check the time zone of the dates`;
    case 'deletedCustomer':
      return `${n} of deleted customers`;
    case 'mergedCustomer':
      return `${n} still on customers merged into another`;
    default:
      return `${n} ${reason}`;
  }
}

function warnedReasons(ctx: LeftOutContext): LeftOutReason[] {
  return WARNED_REASONS.filter((r) => !(ctx.backtest && r === 'futureDated'));
}

function add(into: Record<string, number>, key: string, n: number): void {
  into[key] = (into[key] ?? 0) + n;
}

function sortedByCount(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function percent(share: number): string {
  return `${(Math.round(share * 1000) / 10).toFixed(1)} %`;
}
