import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PurgeBatch, SqlRepository } from '../../database/sql-repository';
import { Tx } from '../../database/transactions';
import { FieldOwnership } from './field-ownership';
import { FIELD_WRITER_SQL } from './field-ownership.sql';
import { SYNC_SQL } from './record-sync.sql';

export type SyncEntity = 'order' | 'interaction';

/** A customer version as upsertCustomers takes it (jsonb_to_recordset; bytes as hex). */
export interface CustomerUpsertRow {
  external_id: string;
  kind: string;
  name: string | null;
  email_enc: string | null;
  email_hash: string | null;
  phone_enc: string | null;
  phone_hash: string | null;
  region: string | null;
  country: string | null;
  industry: string | null;
  size: string | null;
  source_channel: string | null;
  owner_rep: string | null;
  created_at: string | null;
  updated_at: string;
  digest: string;
}

/** A customer record written by upsertCustomers: its id, the surviving customer's id, whether it is erased. */
export interface WrittenCustomerRow {
  id: string;
  owner_id: string;
  external_id: string;
  erased: boolean;
}

export interface ContactUpsertRow {
  customer_id: string;
  origin_customer_id: string;
  external_id: string;
  name: string | null;
  title: string | null;
  email_enc: string | null;
  email_hash: string | null;
  phone_enc: string | null;
  phone_hash: string | null;
  is_primary: boolean;
}

export interface LifecycleRow {
  external_id: string;
  at: string;
  deleted: boolean;
}

export interface ResolvedCustomerRow {
  external_id: string;
  id: string;
  resolved_id: string;
}

export interface ParkedRow {
  external_id: string;
  customer_external_id: string | null;
  data: unknown;
  data_at: Date | null;
  digest: string | null;
  deleted_at: Date | null;
  lifecycle_at: Date | null;
}

export interface ParkRow {
  external_id: string;
  customer_external_id: string | null;
  data: unknown;
  data_at: string | null;
  digest: string | null;
  deleted_at: string | null;
  lifecycle_at: string | null;
  reason: string;
}

export interface StoredRow {
  external_id: string;
  source_updated_at: Date | null;
  digest: string | null;
  deleted_at: Date | null;
  lifecycle_at: Date | null;
}

export interface OrderUpsertRow {
  external_id: string;
  customer_id: string;
  placed_at: string;
  amount_minor: number;
  currency: string;
  status: string;
  channel: string | null;
  updated_at: string;
  digest: string | undefined;
  reversal: boolean;
  reverses_external_id: string | null;
}

export interface OrderLineRow {
  order_id: string;
  line_no: number;
  product_code: string | null;
  product_name: string | null;
  category: string | null;
  quantity: number;
  amount_minor: number;
}

export interface InteractionUpsertRow {
  external_id: string;
  customer_id: string;
  occurred_at: string;
  kind: string;
  outcome: string | null;
  score: number | null;
  note: string | null;
  rep: string | null;
  updated_at: string;
  digest: string | undefined;
}

export interface WrittenRecordRow {
  id: string;
  external_id: string;
}

export interface ParkedListRow {
  source: string;
  entity: SyncEntity;
  external_id: string;
  customer_external_id: string | null;
  reason: string;
  deleted: boolean;
  parked_at: Date;
  updated_at: Date;
}

export interface ParkedCountRow {
  entity: SyncEntity;
  reason: string;
  n: number;
}

export interface WorkspaceSourceRow {
  workspace_id: string;
  source: string;
}

/**
 * The statements of record sync (SYNC_SQL), each run in the batch's transaction. Rows travel as one jsonb array
 * per statement, so a batch is a handful of statements whatever its size.
 */
@Injectable()
export class RecordSyncRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /**
   * Writes the newer customer versions under the workspace's ownership of the `owner` field; answers the records
   * written (older versions are skipped) and how many CRM owners were refused (listed as conflicts). The history
   * trigger names the sync ('crm') as the writer of these changes only.
   */
  async upsertCustomers(
    workspaceId: string,
    source: string,
    rows: CustomerUpsertRow[],
    ownership: Pick<FieldOwnership, 'owner'>,
    tx: Tx,
  ): Promise<{ written: WrittenCustomerRow[]; conflicts: number }> {
    await this.exec(FIELD_WRITER_SQL, ['crm'], tx);
    const written = await this.rows<WrittenCustomerRow & { conflicts: number }>(
      SYNC_SQL.upsertCustomers,
      [workspaceId, source, JSON.stringify(rows), ownership.owner],
      tx,
    );
    await this.exec(FIELD_WRITER_SQL, [''], tx);
    return {
      written: written.map(({ conflicts: _c, ...w }) => w),
      conflicts: written[0]?.conflicts ?? 0,
    };
  }

  /**
   * Applies the CRM's do-not-call flags of customers just written (in this workspace); answers the conflicts
   * (a CRM "callable" against a rep's do-not-call, which stays).
   */
  async crmDoNotCall(
    workspaceId: string,
    rows: Array<{ customer_id: string; do_not_call: boolean; at: string }>,
    tx: Tx,
  ): Promise<number> {
    const [r] = await this.rows<{ conflicts: number }>(
      SYNC_SQL.crmDoNotCall,
      [workspaceId, JSON.stringify(rows)],
      tx,
    );
    return r.conflicts;
  }

  /** The workspace's stored `settings.fieldOwnership` overrides (validated by field-ownership.ts). */
  async fieldOwnershipSettings(workspaceId: string, tx?: Tx): Promise<unknown> {
    const row = await this.first<{ stored: unknown }>(
      `SELECT settings -> 'fieldOwnership' AS stored FROM workspaces WHERE id = $1`,
      [workspaceId],
      tx,
    );
    return row?.stored ?? null;
  }

  /** `workspaceId` is implied: the record ids were just written in this workspace by upsertCustomers. */
  async deleteDroppedContacts(
    recordIds: string[],
    keep: Array<{ origin_customer_id: string; external_id: string }>,
    tx: Tx,
  ): Promise<void> {
    await this.exec(SYNC_SQL.deleteDroppedContacts, [recordIds, JSON.stringify(keep)], tx);
  }

  async upsertContacts(workspaceId: string, contacts: ContactUpsertRow[], tx: Tx): Promise<void> {
    await this.exec(SYNC_SQL.upsertContacts, [workspaceId, JSON.stringify(contacts)], tx);
  }

  /** Delete/restore of customers; answers how many customers it changed. */
  async customerLifecycle(
    workspaceId: string,
    source: string,
    rows: LifecycleRow[],
    tx: Tx,
  ): Promise<number> {
    const changed = await this.rows<{ id: string }>(
      SYNC_SQL.customerLifecycle,
      [workspaceId, source, JSON.stringify(rows)],
      tx,
    );
    return changed.length;
  }

  async ensureCustomers(workspaceId: string, source: string, externalIds: string[], tx: Tx): Promise<void> {
    await this.exec(SYNC_SQL.ensureCustomers, [workspaceId, source, externalIds], tx);
  }

  resolveCustomers(
    workspaceId: string,
    source: string,
    externalIds: string[],
    tx: Tx,
  ): Promise<ResolvedCustomerRow[]> {
    return this.rows(SYNC_SQL.resolveCustomers, [workspaceId, source, externalIds], tx);
  }

  /** Takes out the parked entries of these records and of records naming a customer in `customerExternalIds`. */
  takeParked(
    workspaceId: string,
    source: string,
    entity: SyncEntity,
    externalIds: string[],
    customerExternalIds: string[],
    tx: Tx,
  ): Promise<ParkedRow[]> {
    return this.returning(
      SYNC_SQL.takeParked,
      [workspaceId, source, entity, externalIds, customerExternalIds],
      tx,
    );
  }

  /** The sweep's variant: the parked entries of these records and of every record whose customer exists. */
  takeReadyParked(
    workspaceId: string,
    source: string,
    entity: SyncEntity,
    externalIds: string[],
    tx: Tx,
  ): Promise<ParkedRow[]> {
    return this.returning(SYNC_SQL.takeReadyParked, [workspaceId, source, entity, externalIds], tx);
  }

  async park(
    workspaceId: string,
    source: string,
    entity: SyncEntity,
    rows: ParkRow[],
    tx: Tx,
  ): Promise<void> {
    await this.exec(SYNC_SQL.park, [workspaceId, source, entity, JSON.stringify(rows)], tx);
  }

  /** The stored versions of these orders or interactions. */
  storedVersions(
    workspaceId: string,
    source: string,
    entity: SyncEntity,
    externalIds: string[],
    tx: Tx,
  ): Promise<StoredRow[]> {
    const sql = entity === 'order' ? SYNC_SQL.storedOrders : SYNC_SQL.storedInteractions;
    return this.rows(sql, [workspaceId, source, externalIds], tx);
  }

  upsertOrders(
    workspaceId: string,
    source: string,
    rows: OrderUpsertRow[],
    tx: Tx,
  ): Promise<WrittenRecordRow[]> {
    return this.returning(SYNC_SQL.upsertOrders, [workspaceId, source, JSON.stringify(rows)], tx);
  }

  /** Replaces the lines of orders just written (in this workspace, by upsertOrders). */
  async replaceOrderLines(
    workspaceId: string,
    orderIds: string[],
    lines: OrderLineRow[],
    tx: Tx,
  ): Promise<void> {
    await this.exec(SYNC_SQL.deleteOrderLines, [orderIds], tx);
    if (lines.length > 0)
      await this.exec(SYNC_SQL.insertOrderLines, [workspaceId, JSON.stringify(lines)], tx);
  }

  /** Applies deletes and restores of orders; returns the ids of the orders it changed. */
  async orderLifecycle(workspaceId: string, source: string, rows: LifecycleRow[], tx: Tx): Promise<string[]> {
    const changed = await this.returning<{ id: string }>(
      SYNC_SQL.orderLifecycle,
      [workspaceId, source, JSON.stringify(rows)],
      tx,
    );
    return changed.map((r) => r.id);
  }

  upsertInteractions(
    workspaceId: string,
    source: string,
    rows: InteractionUpsertRow[],
    tx: Tx,
  ): Promise<WrittenRecordRow[]> {
    return this.returning(SYNC_SQL.upsertInteractions, [workspaceId, source, JSON.stringify(rows)], tx);
  }

  listParked(workspaceId: string, limit: number): Promise<ParkedListRow[]> {
    return this.rows(SYNC_SQL.listParked, [workspaceId, limit]);
  }

  /** Parked records of a workspace per entity and reason. */
  parkedCounts(workspaceId: string): Promise<ParkedCountRow[]> {
    return this.rows(
      `SELECT entity, reason, count(*)::int AS n FROM crm_parked WHERE workspace_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
      [workspaceId],
    );
  }

  /** (workspace, source) pairs with parked records ready to apply: of one workspace, or of all (the sweep). */
  readyParked(workspaceId: string | null = null): Promise<WorkspaceSourceRow[]> {
    return this.rows(SYNC_SQL.readyParked, [workspaceId]);
  }

  /**
   * Retention: parked versions (no delete) whose customer has not arrived since `b.before`. A full re-sync of the
   * CRM brings them back if their customer ever does.
   */
  purgeParked(workspaceId: string, b: PurgeBatch): Promise<number> {
    return b.dryRun
      ? this.countOf(
          `SELECT count(*)::int AS n FROM crm_parked
           WHERE workspace_id = $1 AND deleted_at IS NULL AND updated_at < $2`,
          [workspaceId, b.before],
        )
      : this.countOf(
          `WITH d AS (
             DELETE FROM crm_parked WHERE workspace_id = $1 AND ctid = ANY (ARRAY(
               SELECT ctid FROM crm_parked WHERE workspace_id = $1 AND deleted_at IS NULL AND updated_at < $2
               LIMIT $3))
             RETURNING 1)
           SELECT count(*)::int AS n FROM d`,
          [workspaceId, b.before, b.limit],
        );
  }

  /**
   * Retention: tombstones last touched before `b.before` — deleted orders (their lines go with them) and parked
   * deletes of records never seen. Only past every replay window (retention-settings.ts): a version arriving after
   * its tombstone is gone would create the record again. Deleted customers stay (orders, merges and history
   * reference them; erasure removes their personal data).
   */
  async purgeTombstones(workspaceId: string, b: PurgeBatch): Promise<number> {
    if (b.dryRun) {
      return this.countOf(
        `SELECT (SELECT count(*) FROM orders WHERE workspace_id = $1 AND deleted_at IS NOT NULL AND updated_at < $2)
              + (SELECT count(*) FROM crm_parked
                 WHERE workspace_id = $1 AND deleted_at IS NOT NULL AND updated_at < $2) AS n`,
        [workspaceId, b.before],
      );
    }
    const orders = await this.countOf(
      `WITH d AS (
         DELETE FROM orders WHERE workspace_id = $1 AND id IN (
           SELECT id FROM orders WHERE workspace_id = $1 AND deleted_at IS NOT NULL AND updated_at < $2
           ORDER BY updated_at LIMIT $3)
         RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [workspaceId, b.before, b.limit],
    );
    if (orders >= b.limit) return orders;
    const parked = await this.countOf(
      `WITH d AS (
         DELETE FROM crm_parked WHERE workspace_id = $1 AND ctid = ANY (ARRAY(
           SELECT ctid FROM crm_parked WHERE workspace_id = $1 AND deleted_at IS NOT NULL AND updated_at < $2
           LIMIT $3))
         RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [workspaceId, b.before, b.limit - orders],
    );
    return orders + parked;
  }
}
