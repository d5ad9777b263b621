/**
 * Why a rebalance move goes where it goes, in the reader's language (en, zh-CN). Pure: the proposal stores codes
 * and figures, and this renders them when read. Money in minor units of `currency`.
 */
import type { Fill, MoveReason, Tier } from './rebalance';

export interface MoveFacts {
  reason: MoveReason;
  tier: Tier;
  expectedValue: number;
  contactedRecently: boolean;
  /** the loads before the rebalance */
  from: Fill | null;
  to: Fill | null;
}

type Lang = 'en' | 'zh';

const TIER_NAMES: Record<Lang, Record<Tier, string>> = {
  en: { core: 'core', potential: 'potential', general: 'general' },
  zh: { core: '核心', potential: '潜力', general: '一般' },
};

export function langOf(locale: string): Lang {
  return locale.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** Minor units as a localized amount: 124000 CNY → "¥1,240.00" / "¥1,240.00". */
export function formatMoney(minor: number, currency: string, locale: string): string {
  const fmt = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  return fmt.format(minor / 10 ** digits);
}

const pct = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? '—' : `${Math.round(x * 100)}%`;

/** One sentence: why this account moves from `fromName` to `toName`. */
export function describeMove(
  m: MoveFacts,
  names: { from: string | null; to: string | null },
  locale: string,
  currency: string,
): string {
  const lang = langOf(locale);
  const from = names.from ?? (lang === 'zh' ? '（无）' : '(none)');
  const to = names.to ?? (lang === 'zh' ? '团队公海' : 'the team pool');
  const tier = TIER_NAMES[lang][m.tier];
  const value = formatMoney(m.expectedValue, currency, locale);
  const room =
    lang === 'zh'
      ? `${to} 负载最低（价值为其应得份额的 ${pct(m.to?.valueFill)}，客户数为 ${pct(m.to?.accountFill)}）`
      : `${to} had the most room (${pct(m.to?.valueFill)} of their share of value, ${pct(m.to?.accountFill)} of accounts)`;
  const contact =
    lang === 'zh'
      ? m.contactedRecently
        ? '近期联系过，但没有未联系的客户能解决失衡'
        : '近期未联系，不会打断正在进行的关系'
      : m.contactedRecently
        ? 'contacted recently, but no account without recent contact could fix the imbalance'
        : 'no recent contact, so no live relationship is broken';
  switch (m.reason) {
    case 'owner_inactive':
      return lang === 'zh' ? `${from} 已停用；${room}。` : `${from} is inactive; ${room}.`;
    case 'previous_owner':
      return lang === 'zh'
        ? `${from} 已停用；交回之前的负责人 ${to}，其仍有余量。`
        : `${from} is inactive; back to ${to}, who owned it before and has room.`;
    case 'from_pool':
      return lang === 'zh' ? `来自团队公海；${room}。` : `From the team pool; ${room}.`;
    case 'no_eligible_rep':
      return lang === 'zh'
        ? `${from} 已停用，团队没有在岗销售：退回团队公海。`
        : `${from} is inactive and the team has no active rep: back to the team pool.`;
    case 'balance_value':
      return lang === 'zh'
        ? `${from} 的预期价值为其应得份额的 ${pct(m.from?.valueFill)}，${to} 为 ${pct(m.to?.valueFill)}；移交一个${tier}客户（预期价值 ${value}），${contact}。`
        : `${from} carried ${pct(m.from?.valueFill)} of their share of expected value, ${to} ${pct(m.to?.valueFill)}; a ${tier} account (expected value ${value}), ${contact}.`;
    case 'balance_workload':
      return lang === 'zh'
        ? `${from} 有 ${m.from?.accounts ?? 0} 个客户（应得份额的 ${pct(m.from?.accountFill)}），${to} 有 ${m.to?.accounts ?? 0} 个（${pct(m.to?.accountFill)}）；移交一个${tier}客户，${contact}。`
        : `${from} had ${m.from?.accounts ?? 0} accounts (${pct(m.from?.accountFill)} of their share), ${to} ${m.to?.accounts ?? 0} (${pct(m.to?.accountFill)}); a ${tier} account, ${contact}.`;
  }
}
