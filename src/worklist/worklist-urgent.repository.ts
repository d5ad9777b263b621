import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';
import { Tx } from '../database/transactions';
import type { CandidateRow } from './candidate-row';
import { CUSTOMER_ROW_SQL } from './worklist.sql';

/** Today's list of the customer's owner, locked, with the rep it belongs to. */
export interface UrgentListRow {
  id: string;
  rep_id: string;
  external_id: string;
  name: string;
  locale: string;
}

export interface ListItemStateRow {
  id: string;
  state: string;
}

/** The urgent item's rendered columns (WorklistItemBuilder output). */
export interface UrgentItemInsert {
  rank: number;
  priority: number;
  reasons: string;
  personality: string;
  talkTrack: string;
  offerCode: string | null;
  offerVersion: number | null;
  /** the talk-track variant of the customer's experiment arm, null outside a talk-track test */
  talkTrackVariant: string | null;
  value: number;
  summary: string;
}

/** Statements of urgent inserts (WorklistUrgentService): one customer's row, today's list and its items. */
@Injectable()
export class WorklistUrgentRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** A customer not merged or erased, by CRM external id (the lowest id when several share it). */
  async customerIdByExternalId(workspaceId: string, externalId: string): Promise<string | undefined> {
    const row = await this.first<{ id: string }>(
      `SELECT id::text AS id FROM customers
       WHERE workspace_id = $1 AND external_id = $2 AND merged_into_id IS NULL AND deleted_at IS NULL
       ORDER BY id LIMIT 1`,
      [workspaceId, externalId],
    );
    return row?.id;
  }

  /** CUSTOMER_ROW_SQL (worklist.sql.ts): the customer as a candidate row, without the contact rules. */
  customerRow(
    workspaceId: string,
    q: {
      runId: string;
      day: string;
      timeZone: string;
      scoredAsOf: string;
      currency: string;
      customerId: string;
      snoozeEndedReasonDays: number;
    },
  ): Promise<CandidateRow | undefined> {
    return this.first<CandidateRow>(CUSTOMER_ROW_SQL, [
      workspaceId,
      q.runId,
      q.day,
      q.timeZone,
      q.scoredAsOf,
      q.currency,
      q.customerId,
      q.snoozeEndedReasonDays,
    ]);
  }

  /** Locks the rep's list of the day: urgent inserts into one list run one after the other. */
  lockList(workspaceId: string, repId: string, day: string, tx: Tx): Promise<UrgentListRow | undefined> {
    return this.first<UrgentListRow>(
      `SELECT w.id, r.id AS rep_id, r.external_id, r.name, r.locale FROM worklists w JOIN reps r ON r.id = w.rep_id
         WHERE w.workspace_id = $1 AND w.rep_id = $2 AND w.list_date = $3 FOR UPDATE OF w`,
      [workspaceId, repId, day],
      tx,
    );
  }

  /** Do-not-call, a snooze running on `day`, or a wrong-number flag on the customer's current phone. */
  async isSuppressed(workspaceId: string, customerId: string, day: string, tx: Tx): Promise<boolean> {
    const row = await this.first<Record<string, unknown>>(
      `SELECT 1 FROM contact_suppressions x JOIN customers c ON c.id = x.customer_id
         WHERE x.workspace_id = $1 AND x.customer_id = $2
           AND (x.kind = 'do_not_call' OR (x.kind = 'snooze' AND x.until > $3::date)
                OR (x.kind = 'wrong_number' AND x.phone_hash IS NOT DISTINCT FROM c.phone_hash))
         LIMIT 1`,
      [workspaceId, customerId, day],
      tx,
    );
    return row !== undefined;
  }

  /** A rank above every item of the list (ranks start at 1; urgent ones go to 0, -1, …). */
  async topRank(worklistId: string, tx: Tx): Promise<number> {
    const [{ top }] = await this.rows<{ top: number }>(
      // @crossTenant items of a list lockList found in the workspace
      `SELECT LEAST(COALESCE(min(rank), 1), 1) - 1 AS top FROM worklist_items WHERE worklist_id = $1`,
      [worklistId],
      tx,
    );
    return top;
  }

  itemOfCustomer(worklistId: string, customerId: string, tx: Tx): Promise<ListItemStateRow | undefined> {
    return this.first<ListItemStateRow>(
      // @crossTenant items of a list lockList found in the workspace
      `SELECT id, state FROM worklist_items WHERE worklist_id = $1 AND customer_id = $2`,
      [worklistId, customerId],
      tx,
    );
  }

  /** Marks an open item urgent, moves it to `rank` and puts the urgent reason and summary in front. */
  async markUrgent(
    itemId: string,
    lead: { rank: number; reasons: string; summary: string; separator: string },
    tx: Tx,
  ): Promise<void> {
    await this.exec(
      // @crossTenant an item of a list lockList found in the workspace
      `UPDATE worklist_items SET urgent = true, rank = $2, reasons = $3::jsonb || reasons,
                  summary = $4 || COALESCE($5 || summary, '')
           WHERE id = $1`,
      [itemId, lead.rank, lead.reasons, lead.summary, lead.separator],
      tx,
    );
  }

  /** A call or visit (CRM) or a worklist outcome since the start of `day` in the zone. */
  async contactedToday(
    workspaceId: string,
    customerId: string,
    day: { day: string; timeZone: string },
    tx: Tx,
  ): Promise<boolean> {
    const row = await this.first<Record<string, unknown>>(
      `SELECT 1 FROM (
           SELECT occurred_at FROM interactions WHERE workspace_id = $1 AND customer_id = $2 AND kind IN ('call', 'visit')
             
           UNION ALL
           SELECT occurred_at FROM worklist_outcomes WHERE workspace_id = $1 AND customer_id = $2
         ) t WHERE occurred_at >= ($3::date::timestamp AT TIME ZONE $4) AND occurred_at < now() LIMIT 1`,
      [workspaceId, customerId, day.day, day.timeZone],
      tx,
    );
    return row !== undefined;
  }

  async insertItem(
    workspaceId: string,
    worklistId: string,
    customerId: string,
    item: UrgentItemInsert,
    tx: Tx,
  ): Promise<string> {
    const [inserted] = await this.rows<{ id: string }>(
      `INSERT INTO worklist_items (workspace_id, worklist_id, customer_id, rank, priority, reasons, personality,
                                     talk_track, offer_code, offer_version, kind, expected_value, summary, urgent,
                                     talk_track_variant)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $12, 'urgent', $10, $11, true, $13) RETURNING id`,
      [
        workspaceId,
        worklistId,
        customerId,
        item.rank,
        item.priority,
        item.reasons,
        item.personality,
        item.talkTrack,
        item.offerCode,
        item.value,
        item.summary,
        item.offerVersion,
        item.talkTrackVariant,
      ],
      tx,
    );
    return inserted.id;
  }

  async customerExternalId(customerId: string, tx: Tx): Promise<string | null> {
    const row = await this.first<{ external_id: string }>(
      // @crossTenant the job's customer, already read within its workspace (customerRow)
      `SELECT external_id FROM customers WHERE id = $1`,
      [customerId],
      tx,
    );
    return row?.external_id ?? null;
  }
}
