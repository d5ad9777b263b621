import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { audit } from '../../audit/audit-entry.repository';
import { AppError } from '../../common/app-error';
import { returningRows } from '../../database/sql';

export interface MergeRecord {
  id: string;
  winnerId: string;
  loserId: string;
  reason: string;
  actor: string;
  movedOrders: number;
  movedInteractions: number;
  createdAt: Date;
  undoneAt: Date | null;
  /** set by list() and get(): the customers' source ids, and who undid the merge */
  winnerExternalId?: string;
  loserExternalId?: string;
  undoneBy?: string | null;
}

/** Narrows list(): a page before a merge id, and/or only merges touching customers owned by these reps. */
export interface MergeListOptions {
  before?: string;
  ownerRepIds?: string[];
}

const WITH_CUSTOMERS = `SELECT m.*, w.external_id AS winner_external_id, l.external_id AS loser_external_id
  FROM customer_merges m JOIN customers w ON w.id = m.winner_id JOIN customers l ON l.id = m.loser_id`;

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
  // A customer has one active pin: when both have one, the winner's stays and the loser's stays with the loser
  // (back in view if the merge is undone).
  {
    table: 'worklist_pins',
    idType: 'uuid',
    column: 'moved_pin_ids',
    movable: `(removed_at IS NOT NULL OR NOT EXISTS (SELECT 1 FROM worklist_pins w
                                                      WHERE w.customer_id = $2 AND w.removed_at IS NULL))`,
  },
] as const satisfies ReadonlyArray<{ table: string; idType: string; column: string; movable?: string }>;

/**
 * One customer view: merging moves the loser's orders, interactions, contact persons, contact suppressions and
 * worklist rows (outcomes, follow-ups, pins) to the winner and points the loser (and anything that pointed at it)
 * to the winner. The loser row stays, with its source ids, so later events and imports about it still resolve —
 * to the winner. What moved is recorded, so undo is exact.
 */
@Injectable()
export class CustomerMergeService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Merges `loserId` into `winnerId` (or into the customer the winner was itself merged into). Idempotent. */
  async merge(
    input: { workspaceId: string; winnerId: string; loserId: string; reason: string; actor: string },
    tx?: EntityManager,
  ): Promise<MergeRecord | null> {
    if (!tx) return this.db.transaction((t) => this.merge(input, t));
    const { workspaceId, reason, actor } = input;
    const locked: Array<{ id: string; merged_into_id: string | null }> = await tx.query(
      `SELECT id, merged_into_id FROM customers WHERE workspace_id = $1 AND id = ANY ($2::bigint[]) ORDER BY id FOR UPDATE`,
      [workspaceId, [input.winnerId, input.loserId]],
    );
    const byId = new Map(locked.map((c) => [String(c.id), c]));
    const winnerRow = byId.get(String(input.winnerId));
    const loserRow = byId.get(String(input.loserId));
    if (!winnerRow || !loserRow) throw AppError.notFound('customer');
    const winnerId = String(winnerRow.merged_into_id ?? winnerRow.id);
    const loserId = String(loserRow.id);
    if (loserRow.merged_into_id !== null || winnerId === loserId) return null; // already one customer
    const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id);
    const moved: Record<string, string[]> = {};
    for (const f of FOLLOWERS) {
      moved[f.column] = ids(
        await returningRows<{ id: string }>(
          tx,
          `UPDATE ${f.table} SET customer_id = $2
           WHERE customer_id = $1 ${'movable' in f ? `AND ${f.movable}` : ''} RETURNING id`,
          [loserId, winnerId],
        ),
      );
    }
    const repointed = ids(
      await returningRows<{ id: string }>(
        tx,
        `UPDATE customers SET merged_into_id = $2, updated_at = now() WHERE merged_into_id = $1 RETURNING id`,
        [loserId, winnerId],
      ),
    );
    await tx.query(`UPDATE customers SET merged_into_id = $2, updated_at = now() WHERE id = $1`, [
      loserId,
      winnerId,
    ]);
    const columns = FOLLOWERS.map((f) => f.column);
    const [row] = await tx.query(
      `INSERT INTO customer_merges (workspace_id, winner_id, loser_id, reason, actor, repointed_customer_ids, ${columns.join(', ')})
       VALUES ($1, $2, $3, $4, $5, $6, ${columns.map((_, i) => `$${i + 7}`).join(', ')}) RETURNING *`,
      [workspaceId, winnerId, loserId, reason, actor, repointed, ...columns.map((c) => moved[c])],
    );
    await audit(tx, {
      workspaceId,
      actor,
      action: 'customer.merged',
      subject: `customer:${loserId}`,
      details: { winnerId, reason },
    });
    return toRecord(row);
  }

  /** Reverses a merge exactly: what moved goes back, the loser stands alone again. */
  async undo(workspaceId: string, mergeId: string, actor: string): Promise<MergeRecord> {
    return this.db.transaction(async (tx) => {
      const [m] = await tx.query(
        `SELECT * FROM customer_merges WHERE id = $1 AND workspace_id = $2 FOR UPDATE`,
        [mergeId, workspaceId],
      );
      if (!m) throw AppError.notFound('merge');
      if (m.undone_at) throw new AppError('merge_already_undone', 'this merge was already undone', 409);
      const later = await tx.query(
        `SELECT 1 FROM customer_merges WHERE workspace_id = $1 AND loser_id = $2 AND undone_at IS NULL AND created_at > $3`,
        [workspaceId, m.winner_id, m.created_at],
      );
      if (later.length) {
        throw new AppError(
          'merge_superseded',
          'the winner was merged again since; undo that merge first',
          409,
        );
      }
      for (const f of FOLLOWERS) {
        await tx.query(
          `UPDATE ${f.table} SET customer_id = $1 WHERE id = ANY ($2::${f.idType}[]) AND customer_id = $3`,
          [m.loser_id, m[f.column], m.winner_id],
        );
      }
      await tx.query(
        `UPDATE customers SET merged_into_id = $1, updated_at = now() WHERE id = ANY ($2::bigint[])`,
        [m.loser_id, m.repointed_customer_ids],
      );
      await tx.query(`UPDATE customers SET merged_into_id = NULL, updated_at = now() WHERE id = $1`, [
        m.loser_id,
      ]);
      const [row] = await returningRows<Record<string, unknown>>(
        tx,
        `UPDATE customer_merges SET undone_at = now(), undone_by = $2 WHERE id = $1 RETURNING *`,
        [mergeId, actor],
      );
      await audit(tx, { workspaceId, actor, action: 'customer.merge_undone', subject: `merge:${mergeId}` });
      return toRecord(row);
    });
  }

  /** Newest first; `opts` pages (before a merge id) and scopes (to customers owned by some reps). */
  async list(workspaceId: string, limit = 100, opts: MergeListOptions = {}): Promise<MergeRecord[]> {
    const rows = await this.db.query(
      `${WITH_CUSTOMERS}
       WHERE m.workspace_id = $1
         AND ($3::uuid IS NULL OR (m.created_at, m.id) < (SELECT created_at, id FROM customer_merges WHERE id = $3))
         AND ($4::uuid[] IS NULL OR w.owner_rep_id = ANY ($4) OR l.owner_rep_id = ANY ($4))
       ORDER BY m.created_at DESC, m.id DESC LIMIT $2`,
      [workspaceId, limit, opts.before ?? null, opts.ownerRepIds ?? null],
    );
    return rows.map(toRecord);
  }

  /** One merge with the owners of both customers (for scope checks), or null. */
  async get(
    workspaceId: string,
    mergeId: string,
  ): Promise<(MergeRecord & { ownerRepIds: Array<string | null> }) | null> {
    const [row] = await this.db.query(
      `SELECT m.*, w.external_id AS winner_external_id, l.external_id AS loser_external_id,
              w.owner_rep_id AS winner_owner, l.owner_rep_id AS loser_owner
       FROM customer_merges m JOIN customers w ON w.id = m.winner_id JOIN customers l ON l.id = m.loser_id
       WHERE m.workspace_id = $1 AND m.id = $2`,
      [workspaceId, mergeId],
    );
    return row ? { ...toRecord(row), ownerRepIds: [row.winner_owner, row.loser_owner] } : null;
  }
}

function toRecord(r: Record<string, unknown>): MergeRecord {
  return {
    id: r.id as string,
    winnerId: String(r.winner_id),
    loserId: String(r.loser_id),
    reason: r.reason as string,
    actor: r.actor as string,
    movedOrders: (r.moved_order_ids as unknown[]).length,
    movedInteractions: (r.moved_interaction_ids as unknown[]).length,
    createdAt: r.created_at as Date,
    undoneAt: (r.undone_at as Date) ?? null,
    ...(r.winner_external_id === undefined
      ? {}
      : {
          winnerExternalId: r.winner_external_id as string,
          loserExternalId: r.loser_external_id as string,
          undoneBy: (r.undone_by as string) ?? null,
        }),
  };
}
