/**
 * What makes an incoming order a reversal (a refund or cancellation booked as a record of its own), and the
 * contradictions a record cannot settle — one rule for the CSV import (csv-rows.ts) and CRM events
 * (crm-event.schema.ts). Pure.
 */

export interface ReversalSignals {
  /** the record's explicit `reversal` flag, if it has one */
  flag: boolean | null | undefined;
  /** the record names the order it reverses */
  namesReversed: boolean;
  /** the amount was given negative: a credit note, a reversal of |amount| */
  negative: boolean;
}

export interface ReversalProblem {
  field: 'reverses' | 'reversal' | 'status';
  code: 'reversal_conflict' | 'reversal_paid';
  reason: string;
}

/** A reversal when the record says so, else when it names an order to reverse or its amount is negative. */
export function isReversal(s: ReversalSignals): boolean {
  return s.flag ?? (s.negative || s.namesReversed);
}

/**
 * The contradictions: "not a reversal" with an order named or a negative amount (which of the two is the typo?),
 * and a reversal marked paid — for a negative amount, read either way a typo would silently move spend, so it is
 * rejected. `amountField` names the amount as the record's format does.
 */
export function reversalProblems(
  s: ReversalSignals,
  status: 'paid' | 'refunded' | 'cancelled' | null | undefined,
  amountField: string,
): ReversalProblem[] {
  const problems: ReversalProblem[] = [];
  if (s.flag === false && s.namesReversed)
    problems.push({
      field: 'reverses',
      code: 'reversal_conflict',
      reason: 'names an order to reverse, but reversal is false',
    });
  if (s.flag === false && s.negative)
    problems.push({
      field: 'reversal',
      code: 'reversal_conflict',
      reason: `is false, but ${amountField} is negative (a negative amount is a refund or cancellation)`,
    });
  if (isReversal(s) && status === 'paid')
    problems.push({
      field: 'status',
      code: 'reversal_paid',
      reason: s.negative
        ? `is paid, but ${amountField} is negative (a negative amount is a refund or cancellation: status refunded or cancelled)`
        : 'a reversal is refunded or cancelled, not paid',
    });
  return problems;
}
