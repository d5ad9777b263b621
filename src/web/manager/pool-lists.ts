/**
 * The pool's two lists on the manager dashboard, in words: the open reminders (whose account returns to the pool,
 * why and when) and the team's latest claims. Reps claim for themselves only (PoolService.claim), so the dashboard
 * shows claims rather than making them. Pure: no I/O, no framework.
 */
import type { TeamClaimView, TeamReminderView } from '../../assignments/pool.service';
import type { Tier } from '../../assignments/rebalance';
import { codeLabel, fill, MANAGER_UI, PageLocale } from '../page-labels';

export interface PoolListContext {
  locale: PageLocale;
  /** the workspace's time zone: days and times are the workspace's */
  timezone: string;
  /** today in the workspace's time zone, YYYY-MM-DD */
  today: string;
  /** the policy's follow-up days per tier (null: that tier never lapses) */
  followUpDays: Record<Tier, number | null>;
  /** rows shown; a list with more says so */
  shown: number;
}

/** Whole days from `from` to `to`, both YYYY-MM-DD calendar days. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The calendar day (YYYY-MM-DD) of a moment in a time zone. */
export function dayIn(timezone: string, at: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** Open reminders, soonest release first as the service returns them: the owner, why the account lapses, when. */
export function remindersView(rows: readonly TeamReminderView[], ctx: PoolListContext) {
  const ui = MANAGER_UI[ctx.locale];
  const items = rows.slice(0, ctx.shown).map((r) => {
    const since = dayIn(ctx.timezone, r.lastFollowUpAt);
    const days = ctx.followUpDays[r.tier];
    const tier = codeLabel('tier', r.tier, ctx.locale);
    const left = daysBetween(ctx.today, r.releaseOn);
    const when =
      left <= 0 ? ui.releaseDue : left === 1 ? ui.releaseTomorrow : fill(ui.releaseInDays, { n: left });
    return {
      customerId: r.customer.id,
      customer: r.customer.name ?? r.customer.externalId,
      externalId: r.customer.externalId,
      repId: r.rep.id,
      owner: r.rep.name,
      // a tier switched to "never lapses" after the reminder still shows why it was sent
      why:
        days === null ? fill(ui.reminderWhyNoDays, { since }) : fill(ui.reminderWhy, { since, tier, days }),
      releaseOn: r.releaseOn,
      when: fill(ui.releaseOn, { day: r.releaseOn, when }),
      due: left <= 1,
    };
  });
  return { items, more: rows.length > ctx.shown ? fill(ui.moreRows, { n: ctx.shown }) : null };
}

/** The team's latest claims, newest first: the customer, the rep who took it, when (workspace time). */
export function claimsView(rows: readonly TeamClaimView[], ctx: PoolListContext, days: number) {
  const ui = MANAGER_UI[ctx.locale];
  const at = new Intl.DateTimeFormat(ctx.locale, {
    timeZone: ctx.timezone,
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  return {
    heading: fill(ui.poolClaimsList, { days }),
    items: rows.slice(0, ctx.shown).map((c) => ({
      customerId: c.customer.id,
      customer: c.customer.name ?? c.customer.externalId,
      externalId: c.customer.externalId,
      repId: c.rep.id,
      rep: c.rep.name,
      claimedAt: at.format(c.claimedAt),
    })),
    more: rows.length > ctx.shown ? fill(ui.moreRows, { n: ctx.shown }) : null,
  };
}
