import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Queryable } from '../../database/sql';
import { SqlRepository } from '../../database/sql-repository';
import { PERSONALITIES } from '../../playbooks/personality';

/**
 * Rows that belong to the person rather than the record: a merge moves them to the winner and records their ids
 * in `customer_merges.<column>` so that undo moves exactly those back.
 */
const FOLLOWERS = [
  { table: 'orders', idType: 'bigint', column: 'moved_order_ids' },
  { table: 'interactions', idType: 'bigint', column: 'moved_interaction_ids' },
  // Do-not-call and snoozes follow the person, whichever record they were set on.
  { table: 'contact_suppressions', idType: 'uuid', column: 'moved_suppression_ids' },
  // Contact persons of a business follow the business.
  { table: 'contacts', idType: 'bigint', column: 'moved_contact_ids' },
  // What reps recorded and planned about the person: call outcomes, open and past follow-ups, pins.
  { table: 'worklist_outcomes', idType: 'uuid', column: 'moved_outcome_ids' },
  { table: 'worklist_follow_ups', idType: 'uuid', column: 'moved_follow_up_ids' },
  // Offers the person redeemed: the one-per-customer cap reads them by customer (OfferRepository.redeemedBy).
  { table: 'offer_redemptions', idType: 'bigint', column: 'moved_redemption_ids' },
  // A customer has one active pin: when both have one, the winner's stays and the loser's stays with the loser
  // (back in view if the merge is undone).
  {
    table: 'worklist_pins',
    idType: 'uuid',
    column: 'moved_pin_ids',
    // @crossTenant part of moveFollowers' statement: the winner's pins, the winner locked in the workspace
    movable: `(removed_at IS NOT NULL OR NOT EXISTS (SELECT 1 FROM worklist_pins w
                                                      WHERE w.customer_id = $2 AND w.removed_at IS NULL))`,
  },
] as const satisfies ReadonlyArray<{ table: string; idType: string; column: string; movable?: string }>;

/** The `customer_merges` columns listing what a merge moved, one per follower table. */
export type MovedColumn = (typeof FOLLOWERS)[number]['column'];

export interface MergeRow extends Record<MovedColumn, string[]> {
  id: string;
  workspace_id: string;
  winner_id: string;
  loser_id: string;
  reason: string;
  actor: string;
  repointed_customer_ids: string[];
  created_at: Date;
  undone_at: Date | null;
  undone_by: string | null;
}

/** One merge of a batch: the loser goes into the winner (both resolved to live records and locked). */
export interface MergePair {
  winnerId: string;
  loserId: string;
}

/** A merge with the source ids of its two customers (list and get). */
export interface MergeWithCustomersRow extends MergeRow {
  winner_external_id: string;
  loser_external_id: string;
}

/**
 * The statements of merging and unmerging customers. The writes run in the caller's transaction after the
 * customers (or the merge) were locked within the workspace, so the statements on their child rows go by id.
 */
@Injectable()
export class CustomerMergeRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** Locks both customers (in id order, so concurrent merges cannot deadlock). */
  lockCustomers(
    workspaceId: string,
    ids: string[],
    tx: Queryable,
  ): Promise<Array<{ id: string; merged_into_id: string | null }>> {
    return this.rows<{ id: string; merged_into_id: string | null }>(
      `SELECT id, merged_into_id FROM customers WHERE workspace_id = $1 AND id = ANY ($2::bigint[]) ORDER BY id FOR UPDATE`,
      [workspaceId, ids],
      tx,
    );
  }

  /** Moves the loser's person rows to the winner; answers the ids moved, per `customer_merges` column. */
  async moveFollowers(
    loserId: string,
    winnerId: string,
    tx: Queryable,
  ): Promise<Record<MovedColumn, string[]>> {
    const moved = {} as Record<MovedColumn, string[]>;
    for (const f of FOLLOWERS) {
      const rows = await this.returning<{ id: string }>(
        // @crossTenant rows of the two customers lockCustomers just locked in the workspace
        `UPDATE ${f.table} SET customer_id = $2
           WHERE customer_id = $1 ${'movable' in f ? `AND ${f.movable}` : ''} RETURNING id`,
        [loserId, winnerId],
        tx,
      );
      moved[f.column] = rows.map((r) => r.id);
    }
    return moved;
  }

  /** Points the loser, and the records merged into it before, at the winner; answers those earlier records. */
  async pointAtWinner(loserId: string, winnerId: string, tx: Queryable): Promise<string[]> {
    const repointed = await this.returning<{ id: string }>(
      // @crossTenant records merged into the loser, which lockCustomers just locked in the workspace
      `UPDATE customers SET merged_into_id = $2, updated_at = now() WHERE merged_into_id = $1 RETURNING id`,
      [loserId, winnerId],
      tx,
    );
    await this.exec(
      // @crossTenant the loser, just locked in the workspace
      `UPDATE customers SET merged_into_id = $2, updated_at = now() WHERE id = $1`,
      [loserId, winnerId],
      tx,
    );
    return repointed.map((r) => r.id);
  }

  async insertMerge(
    workspaceId: string,
    m: {
      winnerId: string;
      loserId: string;
      reason: string;
      actor: string;
      repointed: string[];
      moved: Record<MovedColumn, string[]>;
    },
    tx: Queryable,
  ): Promise<MergeRow> {
    const columns = FOLLOWERS.map((f) => f.column);
    const [row] = await this.rows<MergeRow>(
      `INSERT INTO customer_merges (workspace_id, winner_id, loser_id, reason, actor, repointed_customer_ids, ${columns.join(', ')})
       VALUES ($1, $2, $3, $4, $5, $6, ${columns.map((_, i) => `$${i + 7}`).join(', ')}) RETURNING *`,
      [workspaceId, m.winnerId, m.loserId, m.reason, m.actor, m.repointed, ...columns.map((c) => m.moved[c])],
      tx,
    );
    return row;
  }

  /**
   * Whether the order of a batch of merges (already resolved and locked) could change their outcome, so they must be
   * made one by one: a person's statement of a type on any of their records, or a winner's type set by Callplan
   * (settlePersonality after each merge then decides from what was merged so far), or a loser's worklist pin (of two
   * losers' active pins only the first moves). Otherwise each merge touches its own rows only and
   * settlePersonality has nothing to do.
   */
  async orderMatters(workspaceId: string, pairs: ReadonlyArray<MergePair>, tx: Queryable): Promise<boolean> {
    const winners = pairs.map((p) => p.winnerId);
    const losers = pairs.map((p) => p.loserId);
    const [row] = await this.rows<{ matters: boolean }>(
      `SELECT EXISTS (
           SELECT 1 FROM personality_observations o
            WHERE o.workspace_id = $1 AND o.dimension = 'type' AND o.source IN ('rep_tag', 'questionnaire')
              AND o.value = ANY ($4::text[]) AND o.contact_id IS NULL
              AND o.customer_id IN (SELECT id FROM customers
                                     WHERE workspace_id = $1 AND (id = ANY ($2::bigint[]) OR merged_into_id = ANY ($2::bigint[]))))
         OR EXISTS (SELECT 1 FROM customers
                     WHERE workspace_id = $1 AND id = ANY ($3::bigint[]) AND personality_set_by = 'callplan')
         OR EXISTS (SELECT 1 FROM worklist_pins WHERE workspace_id = $1 AND customer_id = ANY ($5::bigint[])) AS matters`,
      [workspaceId, [...winners, ...losers], winners, PERSONALITIES, losers],
      tx,
    );
    return row.matters;
  }

  /**
   * moveFollowers for a batch of pairs, one statement per follower table: answers, per loser, the ids moved. Worklist
   * pins are left out: orderMatters() answered that no loser has one.
   */
  async moveFollowersOfMany(
    pairs: ReadonlyArray<MergePair>,
    tx: Queryable,
  ): Promise<Map<string, Record<MovedColumn, string[]>>> {
    const moved = new Map<string, Record<MovedColumn, string[]>>();
    for (const p of pairs) {
      const none = {} as Record<MovedColumn, string[]>;
      for (const f of FOLLOWERS) none[f.column] = [];
      moved.set(p.loserId, none);
    }
    for (const f of FOLLOWERS) {
      if ('movable' in f) continue;
      const rows = await this.returning<{ id: string; loser: string }>(
        // @crossTenant rows of the customers mergeMany just locked in the workspace
        `UPDATE ${f.table} t SET customer_id = m.w FROM unnest($1::bigint[], $2::bigint[]) AS m(l, w)
           WHERE t.customer_id = m.l RETURNING t.id, m.l::text AS loser`,
        [pairs.map((p) => p.loserId), pairs.map((p) => p.winnerId)],
        tx,
      );
      for (const r of rows) moved.get(r.loser)![f.column].push(r.id);
    }
    return moved;
  }

  /** pointAtWinner for a batch of pairs: answers, per loser, the records merged into it before. */
  async pointManyAtWinners(
    workspaceId: string,
    pairs: ReadonlyArray<MergePair>,
    tx: Queryable,
  ): Promise<Map<string, string[]>> {
    const params = [workspaceId, pairs.map((p) => p.loserId), pairs.map((p) => p.winnerId)];
    const rows = await this.returning<{ id: string; loser: string }>(
      `UPDATE customers c SET merged_into_id = m.w, updated_at = now()
         FROM unnest($2::bigint[], $3::bigint[]) AS m(l, w)
        WHERE c.workspace_id = $1 AND c.merged_into_id = m.l RETURNING c.id, m.l::text AS loser`,
      params,
      tx,
    );
    await this.exec(
      `UPDATE customers c SET merged_into_id = m.w, updated_at = now()
         FROM unnest($2::bigint[], $3::bigint[]) AS m(l, w) WHERE c.workspace_id = $1 AND c.id = m.l`,
      params,
      tx,
    );
    const repointed = new Map<string, string[]>(pairs.map((p) => [p.loserId, []]));
    for (const r of rows) repointed.get(r.loser)!.push(r.id);
    return repointed;
  }

  /** insertMerge for a batch, in the pairs' order. */
  async insertMerges(
    workspaceId: string,
    actor: string,
    merges: ReadonlyArray<
      MergePair & { reason: string; repointed: string[]; moved: Record<MovedColumn, string[]> }
    >,
    tx: Queryable,
  ): Promise<void> {
    const columns = FOLLOWERS.map((f) => f.column);
    const records = JSON.stringify(
      merges.map((m) => ({
        winner_id: m.winnerId,
        loser_id: m.loserId,
        reason: m.reason,
        repointed_customer_ids: m.repointed,
        ...Object.fromEntries(columns.map((c) => [c, m.moved[c]])),
      })),
    );
    const recordType = `winner_id bigint, loser_id bigint, reason text, repointed_customer_ids bigint[], ${FOLLOWERS.map(
      (f) => `${f.column} ${f.idType}[]`,
    ).join(', ')}`;
    await this.exec(
      `INSERT INTO customer_merges (workspace_id, winner_id, loser_id, reason, actor, repointed_customer_ids, ${columns.join(', ')})
       SELECT $1, x.winner_id, x.loser_id, x.reason, $2, x.repointed_customer_ids, ${columns.map((c) => `x.${c}`).join(', ')}
         FROM jsonb_to_recordset($3::jsonb) AS x(${recordType})`,
      [workspaceId, actor, records],
      tx,
    );
  }

  lockMerge(workspaceId: string, mergeId: string, tx: Queryable): Promise<MergeRow | undefined> {
    return this.first<MergeRow>(
      `SELECT * FROM customer_merges WHERE id = $1 AND workspace_id = $2 FOR UPDATE`,
      [mergeId, workspaceId],
      tx,
    );
  }

  /** Whether the winner of a merge was itself merged (and not undone) after it. */
  async winnerMergedSince(workspaceId: string, m: MergeRow, tx: Queryable): Promise<boolean> {
    const later = await this.rows<unknown>(
      `SELECT 1 FROM customer_merges WHERE workspace_id = $1 AND loser_id = $2 AND undone_at IS NULL AND created_at > $3`,
      [workspaceId, m.winner_id, m.created_at],
      tx,
    );
    return later.length > 0;
  }

  /** Moves back exactly what a merge moved, and lets the loser (and what pointed at it) stand alone again. */
  async reverse(m: MergeRow, tx: Queryable): Promise<void> {
    for (const f of FOLLOWERS) {
      await this.exec(
        // @crossTenant the rows a merge of the workspace recorded, the merge being locked by lockMerge
        `UPDATE ${f.table} SET customer_id = $1 WHERE id = ANY ($2::${f.idType}[]) AND customer_id = $3`,
        [m.loser_id, m[f.column], m.winner_id],
        tx,
      );
    }
    await this.exec(
      // @crossTenant the records a merge of the workspace recorded, the merge being locked by lockMerge
      `UPDATE customers SET merged_into_id = $1, updated_at = now() WHERE id = ANY ($2::bigint[])`,
      [m.loser_id, m.repointed_customer_ids],
      tx,
    );
    await this.exec(
      // @crossTenant the loser of a merge of the workspace, the merge being locked by lockMerge
      `UPDATE customers SET merged_into_id = NULL, updated_at = now() WHERE id = $1`,
      [m.loser_id],
      tx,
    );
  }

  /**
   * Makes `customers.personality` of a root record agree with the profile precedence over its own history and that
   * of the records merged into it (src/personality/personality-profile.ts): the newest statement of a person (a
   * rep's tag, a questionnaire) decides, written as a Callplan writer so the sync guard (`personality_set_by` =
   * callplan, migration 1767300000000) keeps it from a CRM import. A type stamped callplan with no person's
   * statement behind it any more — one a merge brought, the merge undone — goes back to the CRM's newest value for
   * the record itself (its newest `crm_import`, with that writer and time), or to none. Guesses never write the
   * column, as in PersonalityService. Erased records are left alone.
   */
  async settlePersonality(workspaceId: string, rootId: string, tx: Queryable): Promise<void> {
    const state = await this.first<{
      personality: string | null;
      set_by: string | null;
      erased: boolean;
      person_value: string | null;
      crm_value: string | null;
      crm_by: string | null;
      crm_at: Date | null;
    }>(
      `WITH person AS (
         SELECT o.value FROM personality_observations o
          WHERE o.workspace_id = $1 AND o.dimension = 'type' AND o.source IN ('rep_tag', 'questionnaire')
            AND o.value = ANY ($3::text[]) AND o.contact_id IS NULL
            AND o.customer_id IN (SELECT id FROM customers
                                   WHERE workspace_id = $1 AND (id = $2 OR merged_into_id = $2))
          ORDER BY o.observed_at DESC, o.id DESC LIMIT 1),
       crm AS (
         SELECT o.value, o.actor_kind, o.observed_at FROM personality_observations o
          WHERE o.workspace_id = $1 AND o.customer_id = $2 AND o.dimension = 'type' AND o.source = 'crm_import'
          ORDER BY o.id DESC LIMIT 1)
       SELECT c.personality, c.personality_set_by AS set_by, c.erased_at IS NOT NULL AS erased,
              (SELECT value FROM person) AS person_value, (SELECT value FROM crm) AS crm_value,
              (SELECT actor_kind FROM crm) AS crm_by, (SELECT observed_at FROM crm) AS crm_at
         FROM customers c WHERE c.workspace_id = $1 AND c.id = $2`,
      [workspaceId, rootId, PERSONALITIES],
      tx,
    );
    if (!state || state.erased) return;
    const target = state.person_value
      ? { value: state.person_value, by: 'callplan', at: null }
      : state.set_by === 'callplan'
        ? {
            value: state.crm_value,
            by: state.crm_value ? state.crm_by : null,
            at: state.crm_value ? state.crm_at : null,
          }
        : null;
    if (!target || (target.value === state.personality && target.by === state.set_by)) return;
    // a merge is Callplan's decision even inside a sync's transaction: no sync writer while it writes the type
    const [{ writer }] = await this.rows<{ writer: string }>(
      `SELECT COALESCE(current_setting('callplan.field_writer', true), '') AS writer`,
      [],
      tx,
    );
    if (writer) await this.exec(`SELECT set_config('callplan.field_writer', '', true)`, [], tx);
    await this.exec(
      `UPDATE customers SET personality = $3, updated_at = now() WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, rootId, target.value],
      tx,
    );
    if (target.by !== 'callplan')
      // the provenance trigger stamped the write 'callplan'; the restored value is the CRM's (or nobody's)
      await this.exec(
        `UPDATE customers SET personality_set_by = $3, personality_set_at = $4 WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, rootId, target.by, target.at],
        tx,
      );
    if (writer) await this.exec(`SELECT set_config('callplan.field_writer', $1, true)`, [writer], tx);
  }

  async markUndone(mergeId: string, actor: string, tx: Queryable): Promise<MergeRow> {
    const [row] = await this.returning<MergeRow>(
      // @crossTenant a merge lockMerge just loaded within the workspace
      `UPDATE customer_merges SET undone_at = now(), undone_by = $2 WHERE id = $1 RETURNING *`,
      [mergeId, actor],
      tx,
    );
    return row;
  }

  /** Newest first, before a merge id, optionally only merges touching customers owned by these reps. */
  list(
    workspaceId: string,
    limit: number,
    before: string | null,
    ownerRepIds: string[] | null,
  ): Promise<MergeWithCustomersRow[]> {
    return this.rows<MergeWithCustomersRow>(
      `SELECT m.*, w.external_id AS winner_external_id, l.external_id AS loser_external_id
  FROM customer_merges m JOIN customers w ON w.id = m.winner_id JOIN customers l ON l.id = m.loser_id
       WHERE m.workspace_id = $1
         AND ($3::uuid IS NULL OR (m.created_at, m.id) < (SELECT created_at, id FROM customer_merges WHERE id = $3))
         AND ($4::uuid[] IS NULL OR w.owner_rep_id = ANY ($4) OR l.owner_rep_id = ANY ($4))
       ORDER BY m.created_at DESC, m.id DESC LIMIT $2`,
      [workspaceId, limit, before, ownerRepIds],
    );
  }

  /** One merge with its customers' source ids and owners. */
  get(
    workspaceId: string,
    mergeId: string,
  ): Promise<
    (MergeWithCustomersRow & { winner_owner: string | null; loser_owner: string | null }) | undefined
  > {
    return this.first<MergeWithCustomersRow & { winner_owner: string | null; loser_owner: string | null }>(
      `SELECT m.*, w.external_id AS winner_external_id, l.external_id AS loser_external_id,
              w.owner_rep_id AS winner_owner, l.owner_rep_id AS loser_owner
       FROM customer_merges m JOIN customers w ON w.id = m.winner_id JOIN customers l ON l.id = m.loser_id
       WHERE m.workspace_id = $1 AND m.id = $2`,
      [workspaceId, mergeId],
    );
  }
}
