import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { returningRows } from '../database/sql';
import { OutboxService } from '../webhooks/outbox.service';
import { todayIn } from '../workspaces/workspaces.service';
import { Outcome, outcomeEffects } from './outcome-rules';
import { WorklistPolicyService } from './worklist-policy.service';
import { WorklistQueryService } from './worklist-query.service';
import { ATTRIBUTION_SQL, UNANSWERED_STREAK_SQL } from './worklist.sql';
import type { AttributionView, OutcomeResultView, SnoozeResultView } from './worklist.views';
import { addDays, daysBetween, isDay, zonedInstant } from './zoned-time';

const MAX_CALLBACK_DAYS = 90;
const MAX_SNOOZE_DAYS = 3650;

interface LockedItem {
  id: string;
  state: string;
  customer_id: string;
  worklist_id: string;
  rep_id: string;
  list_date: string;
  phone_hash: Buffer | null;
  customer_external_id: string;
  rep_external_id: string;
}

/**
 * Rep outcomes and snoozes. Each is one transaction that stores what happened, closes the item (done items leave
 * the list), resolves the customer's open follow-ups and creates what the outcome implies (outcome-rules.ts): a
 * retry or callback follow-up, a snooze, do-not-call or wrong-number suppression. The next list reads all of it.
 */
@Injectable()
export class WorklistOutcomesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly policies: WorklistPolicyService,
    private readonly lists: WorklistQueryService,
    private readonly outbox: OutboxService,
  ) {}

  async record(
    p: Principal,
    itemId: string,
    input: { outcome: Outcome; notes?: string; callbackAt?: string; personality?: string },
  ): Promise<OutcomeResultView> {
    const item = await this.readableItem(p, itemId);
    const policy = await this.policies.load(p.workspaceId);
    const now = new Date();
    let callbackAt: Date | null = null;
    if (input.outcome === 'callback_requested') {
      if (!input.callbackAt) {
        throw new AppError('callback_at_required', 'callback_requested needs callbackAt', 400, {
          field: 'callbackAt',
        });
      }
      callbackAt = new Date(input.callbackAt);
      const ms = callbackAt.getTime() - now.getTime();
      if (Number.isNaN(ms) || ms <= 0 || ms > MAX_CALLBACK_DAYS * 86_400_000) {
        throw new AppError(
          'invalid_callback_at',
          `callbackAt must be in the future and within ${MAX_CALLBACK_DAYS} days`,
          400,
          { field: 'callbackAt' },
        );
      }
    } else if (input.callbackAt !== undefined) {
      throw new AppError('callback_at_not_allowed', 'callbackAt goes with callback_requested only', 400, {
        field: 'callbackAt',
      });
    }

    const result = await this.db.transaction(async (tx) => {
      const locked = await this.lock(tx, p, item.id);
      const [{ n: previousUnanswered }] = await tx.query(UNANSWERED_STREAK_SQL, [
        p.workspaceId,
        locked.customer_id,
      ]);
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
      const [outcome] = await tx.query(
        `INSERT INTO worklist_outcomes (workspace_id, item_id, customer_id, rep_id, recorded_by, outcome, notes,
                                        personality, callback_at, list_date, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING id, occurred_at`,
        [
          p.workspaceId,
          locked.id,
          locked.customer_id,
          locked.rep_id,
          p.repId,
          input.outcome,
          input.notes ?? null,
          input.personality ?? null,
          callbackAt,
          locked.list_date,
          now,
        ],
      );
      await tx.query(`UPDATE worklist_items SET state = 'done', outcome = $2, done_at = $3 WHERE id = $1`, [
        locked.id,
        input.outcome,
        now,
      ]);
      await tx.query(
        `UPDATE worklist_follow_ups SET resolved_at = $3, resolution = $4
         WHERE workspace_id = $1 AND customer_id = $2 AND resolved_at IS NULL`,
        [p.workspaceId, locked.customer_id, now, input.outcome],
      );
      if (effects.followUp) {
        await tx.query(
          `INSERT INTO worklist_follow_ups (workspace_id, customer_id, rep_id, kind, due_at, attempt, outcome_id, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            p.workspaceId,
            locked.customer_id,
            locked.rep_id,
            effects.followUp.kind,
            effects.followUp.dueAt,
            effects.followUp.attempt,
            outcome.id,
            now,
          ],
        );
      }
      if (effects.suppression) {
        await tx.query(
          `INSERT INTO contact_suppressions (workspace_id, customer_id, kind, until, reason, created_by, phone_hash, outcome_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            p.workspaceId,
            locked.customer_id,
            effects.suppression.kind,
            effects.suppression.until,
            effects.suppression.reason,
            p.repId,
            effects.suppression.kind === 'wrong_number' ? locked.phone_hash : null,
            outcome.id,
          ],
        );
      }
      if (input.personality) {
        await tx.query(
          `UPDATE customers SET personality = $3, updated_at = now() WHERE id = $1 AND workspace_id = $2`,
          [locked.customer_id, p.workspaceId, input.personality],
        );
      }
      const view: OutcomeResultView = {
        id: outcome.id,
        itemId: locked.id,
        outcome: input.outcome,
        occurredAt: (outcome.occurred_at as Date).toISOString(),
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
      await this.outbox.append(tx, p.workspaceId, 'worklist.outcome_recorded', {
        ...view,
        customer: locked.customer_external_id,
        rep: locked.rep_external_id,
        notes: input.notes ?? null,
      });
      return view;
    });
    await this.outbox.kick();
    return result;
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
    await this.db.transaction(async (tx) => {
      const locked = await this.lock(tx, p, item.id);
      await tx.query(
        `INSERT INTO contact_suppressions (workspace_id, customer_id, kind, until, reason, created_by)
         VALUES ($1, $2, 'snooze', $3, $4, $5)`,
        [p.workspaceId, locked.customer_id, input.until, input.reason, p.repId],
      );
      await tx.query(
        `UPDATE worklist_items SET state = 'snoozed', snoozed_until = $2, done_at = now() WHERE id = $1`,
        [locked.id, input.until],
      );
      // The snooze wins over follow-ups: nothing brings the customer back before its date.
      await tx.query(
        `UPDATE worklist_follow_ups SET resolved_at = now(), resolution = 'snoozed'
         WHERE workspace_id = $1 AND customer_id = $2 AND resolved_at IS NULL`,
        [p.workspaceId, locked.customer_id],
      );
    });
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
    const [repRow] = await this.db.query(
      `SELECT id, external_id, name FROM reps WHERE id = $1 AND workspace_id = $2`,
      [repId, workspaceId],
    );
    if (!repRow) throw AppError.notFound('rep');
    const rep = {
      id: repRow.id as string,
      externalId: repRow.external_id as string,
      name: repRow.name as string,
    };
    const [row] = await this.db.query(ATTRIBUTION_SQL, [
      workspaceId,
      rep.id,
      zonedInstant(from, 0, policy.timeZone),
      zonedInstant(addDays(to, 1), 0, policy.timeZone),
      windowDays,
    ]);
    const orders = (row.orders as Array<Record<string, unknown>>).map((o) => ({
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
  private async readableItem(p: Principal, itemId: string): Promise<{ id: string; repId: string }> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(itemId)) {
      throw new AppError('not_found', 'worklist item not found', 404);
    }
    const [row] = await this.db.query(
      `SELECT i.id, w.rep_id FROM worklist_items i JOIN worklists w ON w.id = i.worklist_id
       WHERE i.id = $1 AND i.workspace_id = $2`,
      [itemId, p.workspaceId],
    );
    if (!row) throw new AppError('not_found', 'worklist item not found', 404);
    await this.lists.assertReadable(p, row.rep_id);
    return { id: row.id, repId: row.rep_id };
  }

  private async lock(tx: Pick<DataSource, 'query'>, p: Principal, itemId: string): Promise<LockedItem> {
    const [locked] = await returningRows<LockedItem>(
      tx,
      `SELECT i.id, i.state, i.customer_id, i.worklist_id, w.rep_id, w.list_date::text AS list_date, c.phone_hash,
              c.external_id AS customer_external_id, r.external_id AS rep_external_id
       FROM worklist_items i
       JOIN worklists w ON w.id = i.worklist_id
       JOIN customers c ON c.id = i.customer_id
       JOIN reps r ON r.id = w.rep_id
       WHERE i.id = $1 AND i.workspace_id = $2
       FOR UPDATE OF i`,
      [itemId, p.workspaceId],
    );
    if (!locked) throw new AppError('not_found', 'worklist item not found', 404);
    if (locked.state !== 'open') {
      throw new AppError('item_not_open', `the item is already ${locked.state}`, 409, {
        state: locked.state,
      });
    }
    return locked;
  }
}
