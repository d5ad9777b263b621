/**
 * What the manager dashboard shows, from the figures the services return: rows in words and percentages in the
 * viewer's locale, and the data of the two charts (drawn by ECharts in the browser). Pure: no I/O, no framework.
 * Money in minor units of `currency`.
 */
import type { TeamLoadView } from '../../assignments/rep-load.service';
import type { ExperimentsService } from '../../experiments/experiments.service';
import type { TeamClaimView, TeamPoolSummary, TeamReminderView } from '../../assignments/pool.service';
import type { Tier } from '../../assignments/rebalance';
import type { OfferView } from '../../offers/offers.service';
import { formatMoney } from '../../assignments/rebalance-reasons';
import { LIFECYCLES, VALUE_TIERS as TIERS } from '../../scoring/models/types';
import { codeLabel, codeOptions, fill, MANAGER_UI, PageLocale } from '../page-labels';
import type {
  AccuracyPointRow,
  MovementKind,
  PortfolioCellRow,
  SegmentRow,
  TeamDayRow,
} from './manager-dashboard.repository';
import { claimsView, remindersView } from './pool-lists';
import { offersView, poolView, segmentView } from './segments-offers-pool';

export interface DashboardFacts {
  locale: PageLocale;
  currency: string;
  teamName: string;
  day: string;
  readOnly: boolean;
  teamDay: TeamDayRow[];
  load: TeamLoadView;
  /** null: no current score run */
  portfolio: { asOf: string; cells: PortfolioCellRow[] } | null;
  /** null: no previous run to compare with */
  movements: Record<MovementKind, number> | null;
  accuracy: AccuracyPointRow[];
  /** null: no current score run */
  segments: SegmentRow[] | null;
  offers: OfferView[];
  /**
   * `oldestDay`: the oldest release as a calendar day of the workspace; `reminders` and `claims` as the pool service
   * lists them (up to one more than `shown`); `followUpDays` the policy's, to say why an account lapses.
   */
  pool: {
    summary: TeamPoolSummary;
    oldestDay: string | null;
    reminders: TeamReminderView[];
    claims: TeamClaimView[];
    followUpDays: Record<Tier, number | null>;
    timezone: string;
    shown: number;
  };
}

/** A share as a rounded percentage in the locale ("42%"), or "—" when there is nothing to divide by. */
export function percent(part: number, whole: number, locale: PageLocale): string {
  if (!(whole > 0)) return '—';
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(part / whole);
}

/** The team-today rows: progress, reach (reached ÷ calls), conversion (promised ÷ reached), capacity use. */
export function teamToday(rows: readonly TeamDayRow[], locale: PageLocale) {
  const ui = MANAGER_UI[locale];
  const reps = rows.map((r) => {
    const capacity = r.capacity ?? r.daily_capacity;
    return {
      id: r.id,
      name: r.name,
      hasList: r.capacity !== null,
      progressText: r.capacity === null ? ui.noList : fill(ui.workedOf, { done: r.worked, total: r.items }),
      progressDone: r.worked,
      progressTotal: r.items,
      reach: percent(r.reached, r.calls, locale),
      conversion: percent(r.converted, r.reached, locale),
      capacityUse: r.capacity === null ? '—' : percent(r.items, capacity, locale),
      overdue: r.overdue_callbacks,
    };
  });
  const late = reps.filter((r) => r.overdue > 0);
  return {
    reps,
    overdueText: late.length
      ? fill(ui.overdueWho, {
          names: late.map((r) => `${r.name} (${r.overdue})`).join(locale === 'zh-CN' ? '、' : ', '),
        })
      : ui.overdueNone,
    anyOverdue: late.length > 0,
  };
}

/** The tier × lifecycle table and chart: counts and expected value per cell, tiers as series. */
export function portfolioView(cells: readonly PortfolioCellRow[], locale: PageLocale, currency: string) {
  const at = new Map(cells.map((c) => [`${c.tier}/${c.lifecycle}`, c]));
  // lifecycles nobody is in are left out of the chart, so the bars stay readable
  const lifecycles = LIFECYCLES.filter((l) => TIERS.some((t) => at.has(`${t}/${l}`)));
  const money = (minor: number) => formatMoney(minor, currency, locale);
  const rows = TIERS.map((tier) => {
    const row = lifecycles.map((l) => at.get(`${tier}/${l}`));
    const customers = row.reduce((s, c) => s + (c?.customers ?? 0), 0);
    const value = row.reduce((s, c) => s + Number(c?.clv ?? 0), 0);
    return {
      tier,
      label: codeLabel('tier', tier, locale),
      cells: row.map((c) => ({ customers: c?.customers ?? 0, value: money(Number(c?.clv ?? 0)) })),
      customers,
      value: money(value),
    };
  });
  return {
    headers: lifecycles.map((l) => codeLabel('lifecycle', l, locale)),
    rows,
    chart: {
      categories: lifecycles.map((l) => codeLabel('lifecycle', l, locale)),
      series: rows.map((r) => ({
        name: r.label,
        counts: r.cells.map((c) => c.customers),
        // major units for the axis (the table shows the formatted amounts)
        values: lifecycles.map((l) => Math.round(Number(at.get(`${r.tier}/${l}`)?.clv ?? 0) / 100)),
      })),
      countLabel: MANAGER_UI[locale].customers,
      valueLabel: `${MANAGER_UI[locale].expectedValue} (${currency})`,
    },
  };
}

/** Each rep's book with capacity use; `over` when the book exceeds what they can get round. */
export function loadView(load: TeamLoadView, locale: PageLocale) {
  return {
    reps: load.reps.map((r) => ({
      id: r.rep.id,
      name: r.rep.name,
      core: r.accounts.core,
      potential: r.accounts.potential,
      general: r.accounts.general + r.accounts.unscored,
      total: r.accounts.total,
      value: formatMoney(r.expectedValue.total, load.currency, locale),
      capacityUse: r.capacity.use === null ? '—' : percent(r.capacity.use, 1, locale),
      over: (r.capacity.use ?? 0) > 1,
    })),
    tierLabels: TIERS.map((t) => codeLabel('tier', t, locale)),
    poolText: fill(MANAGER_UI[locale].pool, { n: load.pool.accounts }),
    help: fill(MANAGER_UI[locale].loadHelp, { days: load.workingDays }),
  };
}

/**
 * The accuracy chart: one point per run (oldest first), predicted and actual purchases and the error; the table
 * also has the error over the core accounts ('—' for runs from before it, or without core buyers at the split).
 */
export function accuracyView(points: readonly AccuracyPointRow[], locale: PageLocale) {
  return {
    runs: points.map((p) => ({
      asOf: p.as_of,
      predicted: Math.round(p.predicted * 10) / 10,
      actual: p.actual,
      error: percent(Math.abs(p.predicted - p.actual), p.actual, locale),
      coreError:
        p.core_predicted === null || p.core_actual === null
          ? '—'
          : percent(Math.abs(p.core_predicted - p.core_actual), p.core_actual, locale),
    })),
    chart: {
      categories: points.map((p) => p.as_of),
      predicted: points.map((p) => Math.round(p.predicted * 10) / 10),
      actual: points.map((p) => p.actual),
      predictedLabel: MANAGER_UI[locale].predicted,
      actualLabel: MANAGER_UI[locale].actual,
    },
  };
}

/** An experiment's report as the experiments service gives it (typed through the service only). */
export type ExperimentReport = Awaited<ReturnType<ExperimentsService['report']>>;
type ArmRow = ExperimentReport['arms'][number];

/** A signed percentage ("+12%", "−3%"). */
function signedPercent(x: number, locale: PageLocale): string {
  return new Intl.NumberFormat(locale, {
    style: 'percent',
    maximumFractionDigits: 1,
    signDisplay: 'exceptZero',
  }).format(x);
}

/**
 * The experiment's lift, overall and per tier: for each arm against the control, both conversions and the
 * relative lift with its 95 % interval (the difference in points when the control converted nobody, so the lift
 * is undefined). An A/B/n experiment shows one row per arm and group.
 */
export function experimentView(report: ExperimentReport, locale: PageLocale) {
  const ui = MANAGER_UI[locale];
  const rate = (g: ArmRow) =>
    fill(ui.rateOf, { rate: percent(g.converted, g.customers, locale), n: g.customers });
  const interval = (i: { value: number; low: number; high: number } | null) =>
    i
      ? fill(ui.interval, {
          value: signedPercent(i.value, locale),
          low: signedPercent(i.low, locale),
          high: signedPercent(i.high, locale),
        })
      : '—';
  const rows = (label: string, arms: readonly ArmRow[]) => {
    const control = arms.find((a) => a.vsControl === null);
    if (!control) return [];
    const compared = arms.filter((a) => a.vsControl !== null);
    return compared.map((a) => ({
      label: compared.length > 1 ? `${label} · ${a.arm}` : label,
      treated: rate(a),
      holdout: rate(control),
      lift: interval(a.vsControl!.conversionLift ?? a.vsControl!.conversionDifference),
      significant: a.vsControl!.significant,
      verdict: a.vsControl!.significant ? ui.significant : ui.notSignificant,
    }));
  };
  return {
    help: fill(ui.experimentHelp, {
      name: report.experiment.name,
      from: report.window.from,
      to: report.window.to,
    }),
    rows: [
      ...rows(ui.overall, report.arms),
      ...TIERS.filter((t) => report.byTier[t]).flatMap((t) =>
        rows(codeLabel('tier', t, locale), report.byTier[t]),
      ),
    ],
  };
}

/** The whole page model (labels included). */
export function managerPage(f: DashboardFacts) {
  const ui = MANAGER_UI[f.locale];
  const portfolio = f.portfolio ? portfolioView(f.portfolio.cells, f.locale, f.currency) : null;
  const accuracy = accuracyView(f.accuracy, f.locale);
  const load = loadView(f.load, f.locale);
  const segments = f.segments?.length ? segmentView(f.segments, f.locale, f.currency) : null;
  const offers = offersView(f.offers, f.locale, f.currency);
  const poolContext = {
    locale: f.locale,
    timezone: f.pool.timezone,
    today: f.day,
    followUpDays: f.pool.followUpDays,
    shown: f.pool.shown,
  };
  return {
    locale: f.locale,
    labels: ui,
    title: `${ui.title} — ${f.teamName}`,
    teamName: f.teamName,
    day: f.day,
    readOnly: f.readOnly,
    today: teamToday(f.teamDay, f.locale),
    portfolio,
    portfolioHelp: f.portfolio ? fill(ui.portfolioHelp, { asOf: f.portfolio.asOf }) : null,
    movements: f.movements
      ? (['promoted', 'at_risk', 'churned'] as const).map((kind) => ({
          kind,
          label: ui[kind],
          count: f.movements![kind],
        }))
      : null,
    load,
    accuracy: accuracy.runs.length ? accuracy : null,
    segments,
    segmentsHelp: segments && f.portfolio ? fill(ui.segmentsHelp, { asOf: f.portfolio.asOf }) : null,
    offers: offers.rows.length ? offers : null,
    pool: {
      ...poolView(f.pool.summary, f.pool.oldestDay, f.locale),
      reminders: remindersView(f.pool.reminders, poolContext),
      claimsList: claimsView(f.pool.claims, poolContext, f.pool.summary.days),
    },
    chartsJson: JSON.stringify({
      portfolio: portfolio?.chart ?? null,
      accuracy: accuracy.chart,
      segments: segments?.chart ?? null,
      offers: offers.rows.length ? offers.chart : null,
    }),
    filters: {
      tiers: codeOptions('tier', f.locale),
      lifecycles: codeOptions('lifecycle', f.locale),
      segments: codeOptions('rfm', f.locale),
      owners: load.reps.map((r) => ({ value: r.id, label: r.name })),
    },
    labelsJson: JSON.stringify(ui),
  };
}
