/**
 * The customer drawer of the rep workspace as data for its template: scores with their reasons, recent orders and
 * interactions, the talk track in sections, the offer, the call history and the customer's time zone (callbacks are
 * picked in it). Pure.
 */
import type { CallReachView } from '../../customers/call-reach.port';
import { TRAIT_DIMENSIONS } from '../../personality/personality-profile';
import type {
  ContactPersonalityProfileView,
  PersonalityProfileView,
} from '../../personality/personality.service';
import { QUESTIONNAIRE, QUESTIONNAIRE_MIN_ANSWERS } from '../../personality/questionnaire';
import { isPersonality } from '../../playbooks/personality';
import { formatMinor } from '../../worklist/reason-text';
import type { OfferView, WorklistItemDetailView } from '../../worklist/worklist.views';
import { codeLabel, codeOptions, fill, PageLocale, UI } from '../page-labels';
import { outcomeChoices } from './rep-page';

export interface DrawerFact {
  label: string;
  value: string;
}

function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '' : `${Math.round(x * 100)}%`;
}

function when(iso: string, locale: PageLocale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(
    new Date(iso),
  );
}

/** The talk track split at blank lines: each part a collapsible section titled by its first line. */
export function talkTrackSections(text: string): Array<{ title: string; body: string }> {
  return text
    .split(/\n\s*\n/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const [first, ...rest] = part.split('\n');
      return rest.length ? { title: first, body: rest.join('\n') } : { title: first, body: '' };
    });
}

const TRAIT_LABEL = {
  social: 'traitSocial',
  decision: 'traitDecision',
  communication: 'traitCommunication',
  values: 'traitValues',
} as const;

/**
 * The personality section: each dimension's value with its source and confidence (decayed), the selects to set it
 * (current values chosen) and the questionnaire in the page's locale. Null profile: the customer is not the rep's.
 */
export function personalitySection(profile: PersonalityProfileView | null, locale: PageLocale) {
  if (!profile) return null;
  const ui = UI[locale];
  const row = (
    label: string,
    group: 'personality' | (typeof TRAIT_DIMENSIONS)[number],
    v: PersonalityProfileView['profile']['type'],
  ) => ({
    label,
    value: v ? codeLabel(group, v.value, locale) : ui.personalityUnknown,
    source: v ? codeLabel('personalitySource', v.source, locale) : '',
    confidence: v ? pct(v.confidence) : '',
  });
  const select = (
    name: string,
    label: string,
    group: 'personality' | (typeof TRAIT_DIMENSIONS)[number],
    current: string | undefined,
  ) => ({
    name,
    label,
    options: codeOptions(group, locale).map((o) => ({ ...o, selected: o.value === current })),
  });
  return {
    rows: [
      row(ui.personality, 'personality', profile.profile.type),
      ...TRAIT_DIMENSIONS.map((d) => row(ui[TRAIT_LABEL[d]], d, profile.profile[d])),
    ],
    selects: [
      select('type', ui.personality, 'personality', profile.profile.type?.value),
      ...TRAIT_DIMENSIONS.map((d) => select(d, ui[TRAIT_LABEL[d]], d, profile.profile[d]?.value)),
    ],
    questionnaireHelp: fill(ui.questionnaireHelp, { n: QUESTIONNAIRE_MIN_ANSWERS }),
    questions: QUESTIONNAIRE.map((q) => ({
      id: q.id,
      text: q.text[locale],
      options: q.options.map((o) => ({ id: o.id, text: o.text[locale] })),
    })),
  };
}

/**
 * The contact persons of a business customer with each one's own type (source and confidence), primary first; the
 * primary one is marked, since the talk track is written for that person. Null when there are none.
 */
export function contactsSection(contacts: readonly ContactPersonalityProfileView[], locale: PageLocale) {
  if (contacts.length === 0) return null;
  const ui = UI[locale];
  return contacts.map((c) => {
    const v = c.profile.type;
    return {
      name: c.contact.name ?? '',
      title: c.contact.title ?? '',
      primary: c.contact.isPrimary,
      type: v ? codeLabel('personality', v.value, locale) : ui.personalityUnknown,
      source: v ? codeLabel('personalitySource', v.source, locale) : '',
      confidence: v ? pct(v.confidence) : '',
    };
  });
}

/** How many of the reps a call-reach proposal names the drawer shows. */
const PROPOSED_REPS_SHOWN = 3;

/** The lifecycle in words with each of its reasons (why at risk, churned, or held off by a two-way contact). */
export function lifecycleSection(
  lifecycle: string | null | undefined,
  reasons: readonly string[] | null | undefined,
  locale: PageLocale,
): { heading: string; reasons: string[] } | null {
  if (!lifecycle) return null;
  const ui = UI[locale];
  return {
    heading: fill(ui.lifecycleWhy, { lifecycle: codeLabel('lifecycle', lifecycle, locale) }),
    reasons: (reasons ?? []).map((r) => codeLabel('lifecycleReason', r, locale)).filter((t) => t),
  };
}

/**
 * The notice shown when no shift of the owner ever meets the customer's business hours this week, with what to do:
 * the names of the reps whose hours do (`repNames`, in the proposal's order), or that no rep's do. Null when the
 * owner can call (or the reach is unknown).
 */
export function reachNotice(
  reach: CallReachView | null | undefined,
  repNames: readonly string[],
  locale: PageLocale,
): { text: string; proposal: string; reps: string } | null {
  if (!reach || reach.ownerReaches) return null;
  const ui = UI[locale];
  const shown = repNames.slice(0, PROPOSED_REPS_SHOWN);
  const more = repNames.length - shown.length;
  const names = shown.join(locale === 'zh-CN' ? '、' : ', ') + (more > 0 ? ` (+${more})` : '');
  return {
    text: codeLabel('callReach', reach.reason ?? 'owner_hours_never_meet', locale),
    proposal: codeLabel('callReach', reach.proposal, locale),
    reps: names ? fill(ui.reachProposedRep, { names }) : '',
  };
}

/** The terms of the offer version the item shows: discount, minimum order (workspace currency), last day. */
export function offerTerms(offer: OfferView, currency: string, locale: PageLocale): DrawerFact[] {
  const ui = UI[locale];
  const terms: DrawerFact[] = [];
  if (offer.discountPct !== null && offer.discountPct !== undefined) {
    terms.push({ label: ui.termDiscount, value: fill(ui.termDiscountValue, { pct: offer.discountPct }) });
  }
  if (offer.minOrderMinor !== null && offer.minOrderMinor !== undefined) {
    terms.push({ label: ui.termMinOrder, value: formatMinor(offer.minOrderMinor, currency, locale) });
  }
  if (offer.validTo) {
    // a calendar day: formatted at UTC midnight so no zone moves it to the day before
    const day = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(
      new Date(`${offer.validTo}T00:00:00Z`),
    );
    terms.push({ label: ui.termValidTo, value: fill(ui.termValidToValue, { date: day }) });
  }
  return terms;
}

export function repDrawer(
  d: WorklistItemDetailView,
  opts: {
    locale: PageLocale;
    currency: string;
    workspaceTimeZone: string;
    readOnly: boolean;
    personality?: PersonalityProfileView | null;
    /** the customer's contact persons with their own profiles (business customers) */
    contacts?: readonly ContactPersonalityProfileView[] | null;
    /** whether the owner can ever call the customer, with the names of the reps it proposes */
    reach?: { view: CallReachView | null; repNames: string[] } | null;
  },
) {
  const l = opts.locale;
  const ui = UI[l];
  const s = d.scores;
  const facts: DrawerFact[] = s
    ? [
        { label: ui.segment, value: codeLabel('rfm', s.rfmSegment, l) },
        { label: ui.clv, value: s.clv === null ? '' : formatMinor(s.clv, opts.currency, l) },
        { label: ui.churnRisk, value: pct(s.churnRisk) },
        { label: ui.pAlive, value: pct(s.pAlive) },
        {
          label: ui.expectedPurchases,
          value: s.expectedPurchases === null ? '' : String(Math.round(s.expectedPurchases * 10) / 10),
        },
      ].filter((f) => f.value !== '')
    : [];
  const tags = [
    codeLabel('tier', s?.valueTier ?? d.customer.valueTier, l),
    codeLabel('lifecycle', s?.lifecycle ?? d.customer.lifecycle, l),
    isPersonality(d.personality) ? codeLabel('personality', d.personality, l) : '',
  ].filter((t) => t);
  const interactions = d.recentInteractions.map((x) => ({
    at: when(x.at, l, d.timeZone),
    kind: codeLabel('interaction', x.kind, l),
    outcome: codeLabel('outcome', x.outcome, l),
    note: x.note,
  }));
  return {
    labels: ui,
    id: d.id,
    name: d.customer.name ?? d.customer.externalId,
    externalId: d.customer.externalId,
    phone: d.customer.phone,
    email: d.customer.email,
    state: d.state,
    open: d.state === 'open' && !opts.readOnly,
    stateLabel: codeLabel('state', d.state, l),
    tags,
    facts,
    reasons: d.reasons.map((r) => r.text).filter((t) => t),
    callWindow: d.callWindow
      ? `${when(d.callWindow.from, l, d.timeZone)} – ${new Intl.DateTimeFormat(l, {
          timeStyle: 'short',
          timeZone: d.timeZone,
        }).format(new Date(d.callWindow.to))}`
      : '',
    followUp: d.openFollowUp
      ? `${codeLabel('kind', d.openFollowUp.kind, l)} · ${when(d.openFollowUp.dueAt, l, d.timeZone)}`
      : '',
    doNotCall: d.doNotCall,
    orders: d.recentOrders.map((o) => ({
      at: when(o.placedAt, l, d.timeZone),
      amount: formatMinor(o.amountMinor, o.currency, l),
      status: codeLabel('orderStatus', o.status, l),
      externalId: o.externalId,
    })),
    calls: interactions,
    talkTrack: talkTrackSections(d.talkTrack ?? ''),
    lifecycle: lifecycleSection(s?.lifecycle, s?.lifecycleReasons, l),
    reach: reachNotice(opts.reach?.view, opts.reach?.repNames ?? [], l),
    offer: d.offer
      ? {
          title: d.offer.title,
          description: d.offer.description,
          version:
            d.offer.version === null || d.offer.version === undefined
              ? ''
              : fill(ui.offerVersion, { version: d.offer.version }),
          terms: offerTerms(d.offer, opts.currency, l),
        }
      : null,
    timeZone: d.timeZone,
    callbackLabel: fill(ui.callbackAt, { zone: d.timeZone }),
    personality: isPersonality(d.personality) ? d.personality : null,
    outcomes: outcomeChoices(l),
    personalities: codeOptions('personality', l),
    profile: personalitySection(opts.personality ?? null, l),
    contacts: contactsSection(opts.contacts ?? [], l),
    canTag: !opts.readOnly,
  };
}
