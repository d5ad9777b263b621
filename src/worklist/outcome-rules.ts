/**
 * What a call outcome does to the next lists: follow-ups (callbacks, no-answer retries with capped attempts) and
 * suppressions (snoozes, do-not-call, wrong number). Pure; no framework imports. docs/worklists.md has the table.
 */
import type { WorklistSettings } from './worklist-settings';
import { addDays, zonedInstant } from './zoned-time';

export const OUTCOMES = [
  'reached',
  'no_answer',
  'voicemail',
  'callback_requested',
  'not_interested',
  'converted',
  'do_not_call',
  'wrong_number',
  'offer_accepted',
  'redeemed',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes where the rep talked to the customer: they count against contact-frequency caps and attribution. */
export const CONTACT_OUTCOMES: readonly Outcome[] = [
  'reached',
  'callback_requested',
  'not_interested',
  'converted',
  'offer_accepted',
  'redeemed',
];
/** Outcomes that redeem the offer the item showed (once per item; offers.service.ts redeemItem). */
export const OFFER_OUTCOMES: readonly Outcome[] = ['offer_accepted', 'redeemed'];
/** Attempts that did not reach the customer: they lead to a retry, up to followUps.maxAttempts in a row. */
export const UNANSWERED_OUTCOMES: readonly Outcome[] = ['no_answer', 'voicemail'];

export function isOutcome(v: unknown): v is Outcome {
  return typeof v === 'string' && (OUTCOMES as readonly string[]).includes(v);
}

export interface OutcomeContext {
  outcome: Outcome;
  /** when the outcome is recorded */
  now: Date;
  /** the workspace's calendar day at `now`, 'YYYY-MM-DD' */
  today: string;
  timeZone: string;
  /** required for callback_requested */
  callbackAt: Date | null;
  /** unanswered attempts in a row before this one (since the last contact outcome) */
  previousUnanswered: number;
}

export interface FollowUpEffect {
  kind: 'callback' | 'retry';
  dueAt: Date;
  /** for retries: the number of the attempt the retry will be (2 = second attempt) */
  attempt: number;
}

export interface SuppressionEffect {
  kind: 'do_not_call' | 'snooze' | 'wrong_number';
  /** first day the customer may be listed again ('YYYY-MM-DD'); null = until lifted */
  until: string | null;
  reason: string;
}

export interface OutcomeEffects {
  followUp: FollowUpEffect | null;
  suppression: SuppressionEffect | null;
  /** true when the outcome counts as a contact (caps, attribution) */
  contact: boolean;
}

/** The follow-up and suppression an outcome creates. Every outcome also resolves the customer's open follow-ups. */
export function outcomeEffects(ctx: OutcomeContext, settings: Readonly<WorklistSettings>): OutcomeEffects {
  const f = settings.followUps;
  const contact = CONTACT_OUTCOMES.includes(ctx.outcome);
  switch (ctx.outcome) {
    case 'no_answer':
    case 'voicemail': {
      const attemptsSoFar = ctx.previousUnanswered + 1;
      if (attemptsSoFar >= f.maxAttempts) {
        return {
          contact,
          followUp: null,
          suppression: {
            kind: 'snooze',
            until: addDays(ctx.today, f.exhaustedSnoozeDays),
            reason: 'no_answer_attempts_exhausted',
          },
        };
      }
      const dueDay = addDays(ctx.today, f.retryDelayDays);
      return {
        contact,
        followUp: { kind: 'retry', dueAt: zonedInstant(dueDay, 0, ctx.timeZone), attempt: attemptsSoFar + 1 },
        suppression: null,
      };
    }
    case 'callback_requested': {
      if (!ctx.callbackAt) throw new RangeError('callback_requested needs a callback time');
      return {
        contact,
        followUp: { kind: 'callback', dueAt: ctx.callbackAt, attempt: 1 },
        suppression: null,
      };
    }
    case 'not_interested':
      return {
        contact,
        followUp: null,
        suppression: {
          kind: 'snooze',
          until: addDays(ctx.today, f.notInterestedSnoozeDays),
          reason: 'not_interested',
        },
      };
    case 'do_not_call':
      return {
        contact,
        followUp: null,
        suppression: { kind: 'do_not_call', until: null, reason: 'do_not_call' },
      };
    case 'wrong_number':
      return {
        contact,
        followUp: null,
        suppression: { kind: 'wrong_number', until: null, reason: 'wrong_number' },
      };
    case 'reached':
    case 'converted':
    case 'offer_accepted':
    case 'redeemed':
      return { contact, followUp: null, suppression: null };
  }
}
