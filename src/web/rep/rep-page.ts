/**
 * The rep workspace page as data for its template: items in rank order with localized tags and reasons, the
 * priority bar (expected value of calling today relative to the list's top) and progress. Pure.
 */
import { isPersonality } from '../../playbooks/personality';
import { formatMinor } from '../../worklist/reason-text';
import type { WorklistItemView, WorklistView } from '../../worklist/worklist.views';
import { codeLabel, codeOptions, fill, PageLocale, UI } from '../page-labels';

export interface RepPageItem {
  id: string;
  rank: number;
  name: string;
  externalId: string;
  phone: string | null;
  state: string;
  stateLabel: string;
  worked: boolean;
  outcomeLabel: string;
  tags: Array<{ label: string; urgent: boolean }>;
  barPercent: number;
  barText: string;
  value: string;
  reasons: string[];
  offer: { title: string; description: string } | null;
  talkTrack: string;
  personality: string;
}

export interface RepPage {
  locale: PageLocale;
  labels: Record<string, string>;
  repName: string;
  date: string;
  progressText: string;
  progressDone: number;
  progressTotal: number;
  items: RepPageItem[];
  outcomes: Array<{ value: string; label: string }>;
  personalities: Array<{ value: string; label: string }>;
  readOnly: boolean;
}

/** Share of the list's largest expected value, 0–100, one decimal; 0 when the top is 0. */
export function relativeValue(value: number, top: number): number {
  if (!(top > 0) || !(value > 0)) return 0;
  return Math.min(100, Math.round((value / top) * 1000) / 10);
}

/** Worked = done, snoozed or skipped; items reassigned away count in neither figure. */
export function progress(items: ReadonlyArray<Pick<WorklistItemView, 'state'>>): {
  done: number;
  total: number;
} {
  const counted = items.filter((i) => i.state !== 'reassigned');
  return { done: counted.filter((i) => i.state !== 'open').length, total: counted.length };
}

/** The outcomes a rep picks from, in the order of a call's likely ends. */
export const OUTCOME_ORDER = [
  'reached',
  'no_answer',
  'callback_requested',
  'not_interested',
  'wrong_number',
  'do_not_call',
  'converted',
  'offer_accepted',
  'redeemed',
  'voicemail',
];

/** The outcome select's options in OUTCOME_ORDER. */
export function outcomeChoices(l: PageLocale): Array<{ value: string; label: string }> {
  return OUTCOME_ORDER.map((value) => ({ value, label: codeLabel('outcome', value, l) }));
}

export function repPage(
  list: WorklistView,
  opts: { locale: PageLocale; currency: string; readOnly: boolean },
): RepPage {
  const l = opts.locale;
  const ui = UI[l];
  const items = [...list.items].sort((a, b) => a.rank - b.rank);
  const top = Math.max(0, ...items.filter((i) => i.state !== 'reassigned').map((i) => i.expectedValue));
  const { done, total } = progress(items);
  return {
    locale: l,
    labels: ui,
    repName: list.rep.name,
    date: list.date,
    progressText: fill(ui.worked, { done, total }),
    progressDone: done,
    progressTotal: total,
    readOnly: opts.readOnly,
    outcomes: outcomeChoices(l),
    personalities: codeOptions('personality', l),
    items: items.map((i) => {
      const pct = relativeValue(i.expectedValue, top);
      const tags: RepPageItem['tags'] = [];
      if (i.urgent) tags.push({ label: ui.urgent, urgent: true });
      if (i.kind !== 'ranked' && i.kind !== 'urgent')
        tags.push({ label: codeLabel('kind', i.kind, l), urgent: false });
      for (const [group, code] of [
        ['tier', i.customer.valueTier],
        ['lifecycle', i.customer.lifecycle],
        // the talk track's 'neutral' means no personality known yet: no tag
        ['personality', isPersonality(i.personality) ? i.personality : null],
      ] as const) {
        if (code) tags.push({ label: codeLabel(group, code, l), urgent: false });
      }
      return {
        id: i.id,
        rank: i.rank,
        name: i.customer.name ?? i.customer.externalId,
        externalId: i.customer.externalId,
        phone: i.customer.phone,
        state: i.state,
        stateLabel: codeLabel('state', i.state, l),
        worked: i.state !== 'open',
        outcomeLabel: codeLabel('outcome', i.outcome, l),
        tags,
        barPercent: pct,
        barText: fill(ui.ofTop, { pct: Math.round(pct) }),
        value: formatMinor(i.expectedValue, opts.currency, l),
        reasons: (i.reasons ?? []).map((r) => r.text).filter((t) => t.length > 0),
        offer: i.offer ? { title: i.offer.title, description: i.offer.description } : null,
        talkTrack: i.talkTrack ?? '',
        personality: isPersonality(i.personality) ? codeLabel('personality', i.personality, l) : '',
      };
    }),
  };
}
