/**
 * Three more sections of the manager dashboard, from what the services return: the team's customers by RFM
 * segment (a treemap), each offer's budget use (bars of the share used), and the public pool as the team sees it.
 * Pure: no I/O, no framework. Money in minor units of `currency`.
 */
import { formatMoney } from '../../assignments/rebalance-reasons';
import type { TeamPoolSummary } from '../../assignments/pool.service';
import type { OfferView } from '../../offers/offers.service';
import { codeLabel, codeOptions, fill, MANAGER_UI, PageLocale } from '../page-labels';
import type { SegmentRow } from './manager-dashboard.repository';

/** The segments in the catalog's order (best first), customers nobody segmented last; empty segments left out. */
export function segmentView(rows: readonly SegmentRow[], locale: PageLocale, currency: string) {
  const ui = MANAGER_UI[locale];
  const order = new Map(codeOptions('rfm', locale).map((o, i) => [o.value, i]));
  const rank = (s: string | null) => (s === null ? Infinity : (order.get(s) ?? order.size));
  const sorted = rows.filter((r) => r.customers > 0).sort((a, b) => rank(a.segment) - rank(b.segment));
  const total = sorted.reduce((n, r) => n + r.customers, 0);
  const segments = sorted.map((r) => {
    const label = r.segment === null ? ui.unsegmented : codeLabel('rfm', r.segment, locale);
    const value = formatMoney(Number(r.clv), currency, locale);
    return {
      // the search filters by a known segment only: the unsegmented have no link
      code: r.segment,
      label,
      customers: r.customers,
      share:
        total > 0 ? new Intl.NumberFormat(locale, { style: 'percent' }).format(r.customers / total) : '—',
      value,
    };
  });
  return {
    segments,
    chart: {
      // the treemap's area is the count; its label carries the expected value already formatted
      items: segments.map((s) => ({
        name: s.label,
        value: s.customers,
        code: s.code,
        detail: `${ui.customers}: ${s.customers} · ${ui.expectedValue}: ${s.value}`,
      })),
    },
  };
}

/** A used/budget share in percent with one decimal, or null without a budget (a zero budget counts as full). */
function shareOf(used: number, left: number | null): number | null {
  if (left === null) return null;
  const budget = used + left;
  if (budget <= 0) return 100;
  return Math.round((Math.min(used, budget) / budget) * 1000) / 10;
}

/** Each offer (archived ones are not listed) with its state and what it spent of its count and money budgets. */
export function offersView(offers: readonly OfferView[], locale: PageLocale, currency: string) {
  const ui = MANAGER_UI[locale];
  const money = (minor: number) => formatMoney(minor, currency, locale);
  const listed = offers.filter((o) => o.state !== 'archived');
  const rows = listed.map((o) => {
    const u = o.usage;
    const title = o.terms.title[locale] || o.terms.title.en || o.code;
    return {
      code: o.code,
      title,
      state: o.state,
      stateLabel: codeLabel('offerState', o.state, locale),
      redemptions:
        u.remaining === null
          ? fill(ui.noLimit, { used: u.redemptions })
          : fill(ui.usedOf, { used: u.redemptions, budget: u.redemptions + u.remaining }),
      money:
        u.remainingMinor === null
          ? fill(ui.noLimit, { used: money(u.redeemedMinor) })
          : fill(ui.usedOf, {
              used: money(u.redeemedMinor),
              budget: money(u.redeemedMinor + u.remainingMinor),
            }),
      countShare: shareOf(u.redemptions, u.remaining),
      moneyShare: shareOf(u.redeemedMinor, u.remainingMinor),
    };
  });
  // the chart shows shares of a budget: offers without any budget are in the table only
  const budgeted = rows.filter((r) => r.countShare !== null || r.moneyShare !== null);
  return {
    rows,
    chart: {
      categories: budgeted.map((r) => `${r.title} (${r.stateLabel})`),
      count: budgeted.map((r) => r.countShare),
      money: budgeted.map((r) => r.moneyShare),
      countLabel: ui.redemptions,
      moneyLabel: ui.moneySpent,
      axisLabel: ui.budgetShare,
    },
  };
}

/** The pool summary in words; `oldestDay` is the oldest release as a calendar day of the workspace (or null). */
export function poolView(p: TeamPoolSummary, oldestDay: string | null, locale: PageLocale) {
  const ui = MANAGER_UI[locale];
  return {
    enabled: p.enabled,
    accounts: p.accounts,
    teamPool: p.teamPool,
    oldest: oldestDay ?? '—',
    claims: p.claims,
    claimsLabel: fill(ui.poolClaims, { days: p.days }),
  };
}
