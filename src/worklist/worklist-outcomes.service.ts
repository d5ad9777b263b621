import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { parseInstant } from '../common/instant';
import { Transactions, Tx } from '../database/transactions';
import { PersonalityService } from '../personality/personality.service';
import { isPersonality } from '../playbooks/personality';
import { WriteBackService } from '../write-back/write-back.service';
import { OutboxService } from '../webhooks/outbox.service';
import { todayIn } from '../workspaces/workspaces.service';
import { OffersService } from '../offers/offers.service';
import { OFFER_OUTCOMES, Outcome, OutcomeEffects, outcomeEffects } from './outcome-rules';
import { LockedItemRow, WorklistOutcomesRepository } from './worklist-outcomes.repository';
import { WorklistPolicyService } from './worklist-policy.service';
import { WorklistQueryService } from './worklist-query.service';
import type { AttributionView, OutcomeResultView, SnoozeResultView } from './worklist.views';
import { addDays, daysBetween, isDay, zonedInstant } from './zoned-time';

const MAX_CALLBACK_DAYS = 90;
const MAX_SNOOZE_DAYS = 3650;

interface OutcomeInput {
  outcome: Outcome;
  notes?: string;
  callbackAt?: string;
  personality?: string;
}

/**
 * Rep outcomes and snoozes. Each is one transaction that stores what happened, closes the item (done items leave
 * the list), resolves the customer's open follow-ups and creates what the outcome implies (outcome-rules.ts): a
 * retry or callback follow-up, a snooze, do-not-call or wrong-number suppression. The next list reads all of it.
 */
@Injectable()
export class WorklistOutcomesService {
  constructor(
    private readonly outcomes: WorklistOutcomesRepository,
    private readonly transactions: Transactions,
    private readonly policies: WorklistPolicyService,
    private readonly lists: WorklistQueryService,
    private readonly outbox: OutboxService,
    private readonly writeBack: WriteBackService,
    private readonly offers: OffersService,
    private readonly personality: PersonalityService,
  ) {}

  async record(p: Principal, itemId: string, input: OutcomeInput): Promise<OutcomeResultView> {
    const item = await this.readableItem(p, itemId);
    const policy = await this.policies.load(p.workspaceId);
    const now = new Date();
    const callbackAt = checkedCallbackAt(input, now);

    const result = await this.transactions.run(async (tx) => {
      const locked = await this.lock(tx, p, item.id);
      const previousUnanswered = await this.outcomes.unansweredStreak(p.workspaceId, locked.customer_id, tx);
      const effects = outcomeEffects(
        {
          outcome: input.outcome,
          now,
          today: todayIn(policy.timeZone, now),
          timeZone: policy.timeZone,
          callbackAt,
          previousUnanswered,
        },
        policy.settings,
      );
      const view = await this.store(tx, p, locked, input, { now, callbackAt, effects });
      await this.outbox.append(tx, p.workspaceId, 'worklist.outcome_recorded', {
        ...view,
        customer: locked.customer_external_id,
        rep: locked.rep_external_id,
        notes: input.notes ?? null,
      });
      // the customer's next call date, personality… as the CRM should now see them (docs/write-back.md)
      await this.writeBack.passCustomers(tx, p.workspaceId, [locked.customer_id]);
      return view;
    });
    await this.outbox.kick();
    return result;
  }

  /**
   * Stores the outcome, closes the item, resolves the customer's open follow-ups and creates what the outcome
   * implies (follow-up, suppression, personality).
   */
  private async store(
    tx: Tx,
    p: Principal,
    locked: LockedItemRow,
    input: OutcomeInput,
    at: { now: Date; callbackAt: Date | null; effects: OutcomeEffects },
  ): Promise<OutcomeResultView> {
    const { now, callbackAt, effects } = at;
    const outcome = await this.outcomes.insertOutcome(
      p.workspaceId,
      {
        itemId: locked.id,
        customerId: locked.customer_id,
        repId: locked.rep_id,
        recordedBy: p.repId,
        outcome: input.outcome,
        notes: input.notes ?? null,
        personality: input.personality ?? null,
        callbackAt,
        listDate: locked.list_date,
        occurredAt: now,
      },
      tx,
    );
    await this.outcomes.closeItem(locked.id, input.outcome, now, tx);
    await this.outcomes.resolveFollowUps(
      p.workspaceId,
      locked.customer_id,
      { at: now, outcome: input.outcome },
      tx,
    );
    await this.createEffects(tx, p, locked, input, { now, outcomeId: outcome.id, effects });
    // the customer took the item's offer: its budget is spent once per item, whatever is recorded later
    if (OFFER_OUTCOMES.includes(input.outcome))
      await this.offers.redeemItem(p.workspaceId, locked.id, now, tx);
    return {
      id: outcome.id,
      itemId: locked.id,
      outcome: input.outcome,
      occurredAt: outcome.occurred_at.toISOString(),
      followUp: effects.followUp
        ? {
            kind: effects.followUp.kind,
            dueAt: effects.followUp.dueAt.toISOString(),
            attempt: effects.followUp.attempt,
          }
        : null,
      suppression: effects.suppression,
      personality: input.personality ?? null,
    };
  }

  /** What the outcome implies for the customer: a follow-up, a suppression, a new personality. */
  private async createEffects(
    tx: Tx,
    p: Principal,
    locked: LockedItemRow,
    input: OutcomeInput,
    at: { now: Date; outcomeId: string; effects: OutcomeEffects },
  ): Promise<void> {
    const { now, outcomeId, effects } = at;
    if (effects.followUp) {
      await this.outcomes.insertFollowUp(
        p.workspaceId,
        {
          customerId: locked.customer_id,
          repId: locked.rep_id,
          kind: effects.followUp.kind,
          dueAt: effects.followUp.dueAt,
          attempt: effects.followUp.attempt,
          outcomeId,
          createdAt: now,
        },
        tx,
      );
    }
    if (effects.suppression) {
      await this.outcomes.insertSuppression(
        p.workspaceId,
        {
          customerId: locked.customer_id,
          kind: effects.suppression.kind,
          until: effects.suppression.until,
          reason: effects.suppression.reason,
          createdBy: p.repId,
          phoneHash: effects.suppression.kind === 'wrong_number' ? locked.phone_hash : null,
          outcomeId,
        },
        tx,
      );
    }
    // the DTOs allow only the four types; the profile records it as the rep's tag (history, precedence)
    if (isPersonality(input.personality)) {
      await this.personality.tagFromOutcome(p, locked.customer_id, input.personality, tx);
    }
    // a note may say what the customer cares about: a guess, shown as one, never the type of the talk track
    if (input.notes?.trim()) await this.personality.inferFromNotes(p.workspaceId, locked.customer_id, tx);
  }

  /** Snoozes the item's customer until a day (inclusive return day) with a reason; the item leaves the list. */
  async snooze(
    p: Principal,
    itemId: string,
    input: { until: string; reason: string },
  ): Promise<SnoozeResultView> {
    if (!isDay(input.until))
      throw new AppError('invalid_until', 'until must be a calendar day YYYY-MM-DD', 400);
    const item = await this.readableItem(p, itemId);
    const policy = await this.policies.load(p.workspaceId);
    const today = todayIn(policy.timeZone);
    const ahead = daysBetween(today, input.until);
    if (ahead < 1 || ahead > MAX_SNOOZE_DAYS) {
      throw new AppError(
        'invalid_until',
        `until must be after today (${today}) and within ${MAX_SNOOZE_DAYS} days`,
        400,
        {
          field: 'until',
        },
      );
    }
    await this.transactions.run(async (tx) => {
      const locked = await this.lock(tx, p, item.id);
      await this.outcomes.insertSnooze(
        p.workspaceId,
        { customerId: locked.customer_id, until: input.until, reason: input.reason, createdBy: p.repId },
        tx,
      );
      await this.outcomes.snoozeItem(locked.id, input.until, tx);
      await this.outcomes.resolveFollowUpsBySnooze(p.workspaceId, locked.customer_id, tx);
      await this.writeBack.passCustomers(tx, p.workspaceId, [locked.customer_id]);
    });
    await this.outbox.kick();
    return { itemId: item.id, state: 'snoozed', until: input.until, reason: input.reason };
  }

  /**
   * Calls of a rep in [from, to] (days in the workspace zone) and the paid orders attributed to them: an order
   * placed within attributionWindowDays after a call where the rep talked to the customer goes to the latest such
   * call (last touch, across all reps).
   */
  async attribution(workspaceId: string, repId: string, from: string, to: string): Promise<AttributionView> {
    if (!isDay(from) || !isDay(to) || daysBetween(from, to) < 0 || daysBetween(from, to) > 366) {
      throw new AppError(
        'invalid_range',
        'from and to must be days with from ≤ to, at most 366 days apart',
        400,
      );
    }
    const policy = await this.policies.load(workspaceId);
    const windowDays = policy.settings.attributionWindowDays;
    const repRow = await this.outcomes.rep(workspaceId, repId);
    if (!repRow) throw AppError.notFound('rep');
    const rep = { id: repRow.id, externalId: repRow.external_id, name: repRow.name };
    const row = await this.outcomes.attribution(workspaceId, rep.id, {
      from: zonedInstant(from, 0, policy.timeZone),
      to: zonedInstant(addDays(to, 1), 0, policy.timeZone),
      windowDays,
    });
    const orders = row.orders.map((o) => ({
      order: String(o.order),
      customer: String(o.customer),
      placedAt: new Date(String(o.placedAt)).toISOString(),
      amountMinor: Number(o.amountMinor),
      currency: String(o.currency),
      callAt: new Date(String(o.callAt)).toISOString(),
      outcome: String(o.outcome),
    }));
    const revenue = new Map<string, number>();
    for (const o of orders) revenue.set(o.currency, (revenue.get(o.currency) ?? 0) + o.amountMinor);
    return {
      rep,
      from,
      to,
      windowDays,
      calls: row.calls,
      byOutcome: row.by_outcome,
      attributedOrders: orders.length,
      attributedRevenue: [...revenue].map(([currency, amountMinor]) => ({ currency, amountMinor })),
      orders,
    };
  }

  // -------------------------------------------------------------------------------------------------------------

  /** The item if it exists in the caller's workspace and scope (404 otherwise). */
  private async readableItem(
    p: Principal,
    itemId: string,
  ): Promise<{ id: string; repId: string; customerId: string }> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(itemId)) {
      throw new AppError('not_found', 'worklist item not found', 404);
    }
    const row = await this.outcomes.itemOwner(p.workspaceId, itemId);
    if (!row) throw new AppError('not_found', 'worklist item not found', 404);
    await this.lists.assertReadable(p, row.rep_id);
    const item = { id: row.id, repId: row.rep_id, customerId: row.customer_id };
    await this.lists.assertCustomerActionable(p, item);
    return item;
  }

  /**
   * Locks the item and checks again, under the lock, that its customer is still the caller's: a reassignment
   * committed since readableItem cannot slip an outcome or snooze in for the new owner.
   */
  private async lock(tx: Tx, p: Principal, itemId: string): Promise<LockedItemRow> {
    const locked = await this.outcomes.lockItem(p.workspaceId, itemId, tx);
    if (!locked) throw new AppError('not_found', 'worklist item not found', 404);
    await this.lists.assertCustomerActionable(p, { id: locked.id, customerId: locked.customer_id });
    if (locked.state !== 'open') {
      throw new AppError('item_not_open', `the item is already ${locked.state}`, 409, {
        state: locked.state,
      });
    }
    return locked;
  }
}

/** callbackAt goes with callback_requested only, and then lies in the future, within MAX_CALLBACK_DAYS. */
function checkedCallbackAt(input: OutcomeInput, now: Date): Date | null {
  if (input.outcome !== 'callback_requested') {
    if (input.callbackAt !== undefined) {
      throw new AppError('callback_at_not_allowed', 'callbackAt goes with callback_requested only', 400, {
        field: 'callbackAt',
      });
    }
    return null;
  }
  if (!input.callbackAt) {
    throw new AppError('callback_at_required', 'callback_requested needs callbackAt', 400, {
      field: 'callbackAt',
    });
  }
  // with its offset only (the DTO checks it too): read as UTC, a 10:00 Shanghai callback became 18:00 there
  const callbackAt = parseInstant(input.callbackAt);
  if (!callbackAt) {
    throw new AppError(
      'offset_required',
      'callbackAt must be an ISO 8601 date-time with its UTC offset (Z or ±hh:mm)',
      400,
      { field: 'callbackAt' },
    );
  }
  const ms = callbackAt.getTime() - now.getTime();
  if (ms <= 0 || ms > MAX_CALLBACK_DAYS * 86_400_000) {
    throw new AppError(
      'invalid_callback_at',
      `callbackAt must be in the future and within ${MAX_CALLBACK_DAYS} days`,
      400,
      { field: 'callbackAt' },
    );
  }
  return callbackAt;
}
