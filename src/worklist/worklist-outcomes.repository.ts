import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';
import { Tx } from '../database/transactions';
import { ATTRIBUTION_SQL, UNANSWERED_STREAK_SQL } from './worklist.sql';

/** An item with its list, customer and rep, locked for an outcome or snooze. */
export interface LockedItemRow {
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

export interface ItemOwnerRow {
  id: string;
  rep_id: string;
  /** bigint, as text */
  customer_id: string;
}

export interface OutcomeRow {
  id: string;
  occurred_at: Date;
}

export interface RepRow {
  id: string;
  external_id: string;
  name: string;
}

/** One row of ATTRIBUTION_SQL: the calls, their count by outcome, the attributed orders (JSON). */
export interface AttributionRow {
  calls: number;
  by_outcome: Record<string, number>;
  orders: Array<Record<string, unknown>>;
}

export interface NewOutcome {
  itemId: string;
  customerId: string;
  repId: string;
  recordedBy: string | null;
  outcome: string;
  notes: string | null;
  personality: string | null;
  callbackAt: Date | null;
  listDate: string;
  occurredAt: Date;
}

export interface NewFollowUp {
  customerId: string;
  repId: string;
  kind: string;
  dueAt: Date;
  attempt: number;
  outcomeId: string;
  createdAt: Date;
}

export interface NewSuppression {
  customerId: string;
  kind: string;
  until: string | null;
  reason: string | null;
  createdBy: string | null;
  phoneHash: Buffer | null;
  outcomeId: string;
}

/** Rep outcomes, snoozes and what they create (follow-ups, suppressions); call attribution. */
@Injectable()
export class WorklistOutcomesRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  itemOwner(workspaceId: string, itemId: string): Promise<ItemOwnerRow | undefined> {
    return this.first<ItemOwnerRow>(
      `SELECT i.id, w.rep_id, i.customer_id::text AS customer_id FROM worklist_items i
       JOIN worklists w ON w.id = i.worklist_id
       WHERE i.id = $1 AND i.workspace_id = $2`,
      [itemId, workspaceId],
    );
  }

  lockItem(workspaceId: string, itemId: string, tx: Tx): Promise<LockedItemRow | undefined> {
    return this.first<LockedItemRow>(
      `SELECT i.id, i.state, i.customer_id::text AS customer_id, i.worklist_id, w.rep_id, w.list_date::text AS list_date, c.phone_hash,
              c.external_id AS customer_external_id, r.external_id AS rep_external_id
       FROM worklist_items i
       JOIN worklists w ON w.id = i.worklist_id
       JOIN customers c ON c.id = i.customer_id
       JOIN reps r ON r.id = w.rep_id
       WHERE i.id = $1 AND i.workspace_id = $2
       FOR UPDATE OF i`,
      [itemId, workspaceId],
      tx,
    );
  }

  /** UNANSWERED_STREAK_SQL (worklist.sql.ts): unanswered attempts in a row since the last contact. */
  async unansweredStreak(workspaceId: string, customerId: string, tx: Tx): Promise<number> {
    const [{ n }] = await this.rows<{ n: number }>(UNANSWERED_STREAK_SQL, [workspaceId, customerId], tx);
    return n;
  }

  async insertOutcome(workspaceId: string, o: NewOutcome, tx: Tx): Promise<OutcomeRow> {
    const [row] = await this.rows<OutcomeRow>(
      `INSERT INTO worklist_outcomes (workspace_id, item_id, customer_id, rep_id, recorded_by, outcome, notes,
                                        personality, callback_at, list_date, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING id, occurred_at`,
      [
        workspaceId,
        o.itemId,
        o.customerId,
        o.repId,
        o.recordedBy,
        o.outcome,
        o.notes,
        o.personality,
        o.callbackAt,
        o.listDate,
        o.occurredAt,
      ],
      tx,
    );
    return row;
  }

  async closeItem(itemId: string, outcome: string, doneAt: Date, tx: Tx): Promise<void> {
    await this.exec(
      // @crossTenant the item was locked in the workspace (lockItem)
      `UPDATE worklist_items SET state = 'done', outcome = $2, done_at = $3 WHERE id = $1`,
      [itemId, outcome, doneAt],
      tx,
    );
  }

  /** Resolves the customer's open follow-ups with the outcome that answered them. */
  async resolveFollowUps(
    workspaceId: string,
    customerId: string,
    resolution: { at: Date; outcome: string },
    tx: Tx,
  ): Promise<void> {
    await this.exec(
      `UPDATE worklist_follow_ups SET resolved_at = $3, resolution = $4
         WHERE workspace_id = $1 AND customer_id = $2 AND resolved_at IS NULL`,
      [workspaceId, customerId, resolution.at, resolution.outcome],
      tx,
    );
  }

  async insertFollowUp(workspaceId: string, f: NewFollowUp, tx: Tx): Promise<void> {
    await this.exec(
      `INSERT INTO worklist_follow_ups (workspace_id, customer_id, rep_id, kind, due_at, attempt, outcome_id, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [workspaceId, f.customerId, f.repId, f.kind, f.dueAt, f.attempt, f.outcomeId, f.createdAt],
      tx,
    );
  }

  async insertSuppression(workspaceId: string, x: NewSuppression, tx: Tx): Promise<void> {
    await this.exec(
      `INSERT INTO contact_suppressions (workspace_id, customer_id, kind, until, reason, created_by, phone_hash, outcome_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [workspaceId, x.customerId, x.kind, x.until, x.reason, x.createdBy, x.phoneHash, x.outcomeId],
      tx,
    );
  }

  async insertSnooze(
    workspaceId: string,
    snooze: { customerId: string; until: string; reason: string; createdBy: string | null },
    tx: Tx,
  ): Promise<void> {
    await this.exec(
      `INSERT INTO contact_suppressions (workspace_id, customer_id, kind, until, reason, created_by)
         VALUES ($1, $2, 'snooze', $3, $4, $5)`,
      [workspaceId, snooze.customerId, snooze.until, snooze.reason, snooze.createdBy],
      tx,
    );
  }

  async snoozeItem(itemId: string, until: string, tx: Tx): Promise<void> {
    await this.exec(
      // @crossTenant the item was locked in the workspace (lockItem)
      `UPDATE worklist_items SET state = 'snoozed', snoozed_until = $2, done_at = now() WHERE id = $1`,
      [itemId, until],
      tx,
    );
  }

  /** The snooze wins over follow-ups: nothing brings the customer back before its date. */
  async resolveFollowUpsBySnooze(workspaceId: string, customerId: string, tx: Tx): Promise<void> {
    await this.exec(
      `UPDATE worklist_follow_ups SET resolved_at = now(), resolution = 'snoozed'
         WHERE workspace_id = $1 AND customer_id = $2 AND resolved_at IS NULL`,
      [workspaceId, customerId],
      tx,
    );
  }

  rep(workspaceId: string, repId: string): Promise<RepRow | undefined> {
    return this.first<RepRow>(`SELECT id, external_id, name FROM reps WHERE id = $1 AND workspace_id = $2`, [
      repId,
      workspaceId,
    ]);
  }

  /** ATTRIBUTION_SQL (worklist.sql.ts): calls of a rep in [from, to) and the orders attributed to them. */
  async attribution(
    workspaceId: string,
    repId: string,
    range: { from: Date | string; to: Date | string; windowDays: number },
  ): Promise<AttributionRow> {
    const [row] = await this.rows<AttributionRow>(ATTRIBUTION_SQL, [
      workspaceId,
      repId,
      range.from,
      range.to,
      range.windowDays,
    ]);
    return row;
  }
}
