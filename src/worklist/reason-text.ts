/**
 * Human text of ranking reasons in the rep's locale (en, zh-CN), e.g.
 * "bought every ~30 days, now 52 days silent; expected value ¥1,240 at risk". Pure; Intl only.
 * Money facts are integer minor units of `currency`; instants are shown in `timeZone`.
 */
import { cycleReasonText, type CustomerFacts, dayCountText } from '../playbooks/customer-facts';
import type { Reason, ReasonCode } from './ranking';

export type ReasonLocale = 'en' | 'zh-CN';

export interface ReasonTextOptions {
  locale: string;
  currency: string;
  timeZone: string;
  /** the list's day: callbacks due that day show only their time */
  listDate?: string;
}

/** 'zh', 'zh-CN', 'zh-Hans…' → zh-CN; anything else → en. */
export function reasonLocale(locale: string | null | undefined): ReasonLocale {
  return typeof locale === 'string' && /^zh\b/i.test(locale.trim()) ? 'zh-CN' : 'en';
}

const OUTCOME_LABELS: Record<ReasonLocale, Record<string, string>> = {
  en: {
    reached: 'reached',
    no_answer: 'no answer',
    voicemail: 'voicemail',
    callback_requested: 'callback requested',
    not_interested: 'not interested',
    converted: 'converted',
    do_not_call: 'do not call',
    wrong_number: 'wrong number',
    offer_accepted: 'offer accepted',
    redeemed: 'offer redeemed',
  },
  'zh-CN': {
    reached: '已接通',
    no_answer: '未接听',
    voicemail: '语音信箱',
    callback_requested: '约定回电',
    not_interested: '不感兴趣',
    converted: '已成交',
    do_not_call: '拒绝来电',
    wrong_number: '号码错误',
    offer_accepted: '接受优惠',
    redeemed: '已使用优惠',
  },
};

const SEPARATOR: Record<ReasonLocale, string> = { en: '; ', 'zh-CN': '；' };

const money = new Map<string, { f: Intl.NumberFormat; scale: number }>();

/** Whole major units with the narrow symbol: formatMinor(124000, 'CNY', 'en') → '¥1,240'. */
export function formatMinor(amountMinor: number, currency: string, locale: ReasonLocale): string {
  const key = `${locale}|${currency}`;
  let m = money.get(key);
  if (!m) {
    const base = { style: 'currency', currency, currencyDisplay: 'narrowSymbol' } as const;
    const digits = new Intl.NumberFormat(locale, base).resolvedOptions().maximumFractionDigits ?? 2;
    m = {
      f: new Intl.NumberFormat(locale, { ...base, minimumFractionDigits: 0, maximumFractionDigits: 0 }),
      scale: 10 ** digits,
    };
    money.set(key, m);
  }
  return m.f.format(Math.round((Number.isFinite(amountMinor) ? amountMinor : 0) / m.scale));
}

function day(iso: string, o: ReasonTextOptions, l: ReasonLocale): string {
  const d = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? new Date(`${iso}T12:00:00Z`) : new Date(iso);
  const zone = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? 'UTC' : o.timeZone;
  return shortDayFormat(l, zone).format(d);
}

const shortDayFormats = new Map<string, Intl.DateTimeFormat>();

/** Made once per locale and zone: building an Intl.DateTimeFormat costs more than formatting with it. */
function shortDayFormat(l: ReasonLocale, timeZone: string): Intl.DateTimeFormat {
  const key = `${l}|${timeZone}`;
  let f = shortDayFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(l, { month: 'short', day: 'numeric', timeZone });
    shortDayFormats.set(key, f);
  }
  return f;
}

function time(iso: string, o: ReasonTextOptions, l: ReasonLocale): string {
  return new Intl.DateTimeFormat(l, {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: o.timeZone,
  }).format(new Date(iso));
}

function localDate(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(iso));
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
/** 0.62 → '62%' (whole per cent, clamped to 0–100) */
const pct = (v: unknown): string => `${Math.round(Math.min(1, Math.max(0, num(v))) * 100)}%`;
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

const cycleFacts = (f: Reason['facts']) => ({
  cycleDays: typeof f.cycleDays === 'number' && Number.isFinite(f.cycleDays) ? f.cycleDays : null,
  frequentBuyer: f.frequent === 1,
});

type Renderer = (f: Reason['facts'], o: ReasonTextOptions, l: ReasonLocale) => string;

const TEXT: Record<ReasonCode, Record<ReasonLocale, Renderer>> = {
  urgent_complaint: {
    en: (f, o, l) => `urgent: complaint on ${day(String(f.at), o, l)} at ${time(String(f.at), o, l)}`,
    'zh-CN': (f, o, l) => `紧急：${day(String(f.at), o, l)} ${time(String(f.at), o, l)} 收到投诉`,
  },
  urgent_large_order: {
    en: (f, o, l) =>
      `urgent: large order ${formatMinor(num(f.amountMinor), o.currency, l)} from ${
        f.lifecycle === 'churned' ? 'a churned' : 'an at-risk'
      } customer`,
    'zh-CN': (f, o, l) =>
      `紧急：${f.lifecycle === 'churned' ? '已流失' : '有流失风险的'}客户下了大单 ${formatMinor(num(f.amountMinor), o.currency, l)}`,
  },
  callback_due: {
    en: (f, o, l) => {
      const at = String(f.at);
      const sameDay = o.listDate !== undefined && localDate(at, o.timeZone) === o.listDate;
      const when = sameDay ? `at ${time(at, o, l)}` : `on ${day(at, o, l)} at ${time(at, o, l)}`;
      return `asked to be called back ${when}${f.overdue ? ' (overdue)' : ''}`;
    },
    'zh-CN': (f, o, l) => {
      const at = String(f.at);
      const sameDay = o.listDate !== undefined && localDate(at, o.timeZone) === o.listDate;
      return `客户约定${sameDay ? '' : day(at, o, l)} ${time(at, o, l)} 回电${f.overdue ? '（已逾期）' : ''}`;
    },
  },
  retry_no_answer: {
    en: (f, o, l) =>
      `${f.lastAttemptAt ? `no answer on ${day(String(f.lastAttemptAt), o, l)}` : 'no answer last time'}; attempt ${num(
        f.attempt,
      )} of ${num(f.maxAttempts)}`,
    'zh-CN': (f, o, l) =>
      `${f.lastAttemptAt ? `${day(String(f.lastAttemptAt), o, l)}未接通` : '上次未接通'}；第${num(f.attempt)}次尝试（共${num(
        f.maxAttempts,
      )}次）`,
  },
  pinned: {
    en: (f) => (str(f.note) ? `pinned by your manager: ${str(f.note)}` : 'pinned by your manager'),
    'zh-CN': (f) => (str(f.note) ? `经理置顶：${str(f.note)}` : '经理置顶'),
  },
  overdue_vs_cycle: {
    // facts: cycleDays (null when unknown), frequent (below the cycle floor), daysSilent — see reasonWithFacts
    en: (f, _o, l) => cycleReasonText(cycleFacts(f), num(f.daysSilent), l),
    'zh-CN': (f, _o, l) => cycleReasonText(cycleFacts(f), num(f.daysSilent), l),
  },
  high_value_at_risk: {
    en: (f, o, l) => `expected value ${formatMinor(num(f.atRiskMinor), o.currency, l)} at risk`,
    'zh-CN': (f, o, l) => `预计${formatMinor(num(f.atRiskMinor), o.currency, l)}的价值面临流失风险`,
  },
  win_back: {
    en: (f, o, l) =>
      `no order for ${dayCountText(num(f.daysSilent), l)}; ${formatMinor(num(f.atRiskMinor), o.currency, l)} to win back`,
    'zh-CN': (f, o, l) =>
      `已${num(f.daysSilent)}天未下单；可挽回价值${formatMinor(num(f.atRiskMinor), o.currency, l)}`,
  },
  high_expected_value: {
    en: (f, o, l) =>
      `expected to buy ${formatMinor(num(f.valueMinor), o.currency, l)} in the next ${num(f.days)} days`,
    'zh-CN': (f, o, l) => `预计未来${num(f.days)}天购买${formatMinor(num(f.valueMinor), o.currency, l)}`,
  },
  likely_to_buy: {
    // facts: probability (0..1) of at least one order within `days`; priority reasons carry no facts
    en: (f) =>
      typeof f.probability === 'number' && typeof f.days === 'number'
        ? `likely to buy: ${pct(f.probability)} chance of an order in the next ${num(f.days)} days`
        : 'likely to buy soon',
    'zh-CN': (f) =>
      typeof f.probability === 'number' && typeof f.days === 'number'
        ? `很可能下单：未来${num(f.days)}天下单概率${pct(f.probability)}`
        : '近期很可能下单',
  },
  growth_potential: {
    en: (f, o, l) =>
      `room to grow: forecast ${formatMinor(num(f.clvMinor), o.currency, l)} vs ${formatMinor(
        num(f.paceMinor),
        o.currency,
        l,
      )} at the current pace`,
    'zh-CN': (f, o, l) =>
      `成长空间：预测价值${formatMinor(num(f.clvMinor), o.currency, l)}，按目前节奏仅${formatMinor(num(f.paceMinor), o.currency, l)}`,
  },
  prospect: {
    en: (f) =>
      f.daysSinceInteraction === null || f.daysSinceInteraction === undefined
        ? 'prospect, not contacted recently'
        : `prospect, last contact ${num(f.daysSinceInteraction)} days ago`,
    'zh-CN': (f) =>
      f.daysSinceInteraction === null || f.daysSinceInteraction === undefined
        ? '意向客户，近期未联系'
        : `意向客户，${num(f.daysSinceInteraction)}天前有过联系`,
  },
  recent_complaint: {
    en: (f, o, l) => `complaint on ${day(String(f.at), o, l)}`,
    'zh-CN': (f, o, l) => `${day(String(f.at), o, l)}有投诉`,
  },
  high_cancellation_rate: {
    // a context reason without facts: the score row keeps the priority code, not the rate
    en: () => 'cancels or returns many of their orders',
    'zh-CN': () => '订单取消或退货比例高',
  },
  snooze_ended: {
    en: (f, o, l) =>
      `back from snooze (until ${day(String(f.until), o, l)})${str(f.reason) ? `: ${str(f.reason)}` : ''}`,
    'zh-CN': (f, o, l) =>
      `暂缓已结束（${day(String(f.until), o, l)}）${str(f.reason) ? `：${str(f.reason)}` : ''}`,
  },
  last_outcome: {
    en: (f, o, l) =>
      `last call on ${day(String(f.at), o, l)}: ${OUTCOME_LABELS.en[String(f.outcome)] ?? String(f.outcome)}`,
    'zh-CN': (f, o, l) =>
      `上次通话（${day(String(f.at), o, l)}）：${OUTCOME_LABELS['zh-CN'][String(f.outcome)] ?? String(f.outcome)}`,
  },
  in_portfolio: {
    en: (f) =>
      f.daysSilent === null ? 'your account' : `your account; no order for ${num(f.daysSilent)} days`,
    'zh-CN': (f) => (f.daysSilent === null ? '你的客户' : `你的客户；已${num(f.daysSilent)}天未下单`),
  },
};

/** Reason codes whose facts say how long the customer has been silent. */
const SILENCE_REASONS: ReadonlySet<string> = new Set([
  'overdue_vs_cycle',
  'high_value_at_risk',
  'win_back',
  'in_portfolio',
]);

/**
 * The reason with its cycle and silence taken from the customer's facts (customer-facts.ts), the numbers the talk
 * track says too: the real cycle (not the ranking's floored one), whether it is below the floor, days silent to
 * the list day. Reasons of a customer with no order (in the workspace currency) keep the ranking's facts.
 */
export function reasonWithFacts<R extends Pick<Reason, 'code' | 'facts'>>(
  reason: R,
  facts: CustomerFacts,
): R {
  if (!SILENCE_REASONS.has(reason.code) || facts.daysSilent === null) return reason;
  const updated: Record<string, unknown> = { ...reason.facts, daysSilent: facts.daysSilent };
  if (reason.code === 'overdue_vs_cycle') {
    updated.cycleDays = facts.cycleDays === null ? null : Math.round(facts.cycleDays);
    updated.frequent = facts.frequentBuyer ? 1 : 0;
  }
  return { ...reason, facts: updated };
}

/** The text of one reason in the locale. */
export function reasonText(reason: Pick<Reason, 'code' | 'facts'>, options: ReasonTextOptions): string {
  const l = reasonLocale(options.locale);
  const render = TEXT[reason.code]?.[l];
  return render ? render(reason.facts, options, l) : reason.code.replace(/_/g, ' ');
}

/** The reasons as one line, joined by the locale's separator. */
export function reasonsLine(
  reasons: ReadonlyArray<Pick<Reason, 'code' | 'facts'>>,
  options: ReasonTextOptions,
): string {
  return reasons.map((r) => reasonText(r, options)).join(SEPARATOR[reasonLocale(options.locale)]);
}

/** Label of an outcome in the locale. */
export function outcomeLabel(outcome: string, locale: string): string {
  return OUTCOME_LABELS[reasonLocale(locale)][outcome] ?? outcome;
}
