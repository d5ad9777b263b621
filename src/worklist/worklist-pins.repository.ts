import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';

/** A pin with its customer and the customer's owner. */
export interface PinRow {
  id: string;
  customer: string;
  owner_rep_id: string | null;
  owner: string | null;
  note: string | null;
  starts_on: string;
  ends_on: string | null;
}

/** The customer to pin, its owner and the workspace's time zone (the default first day is today there). */
export interface PinCustomerRow {
  id: string;
  owner_rep_id: string | null;
  timezone: string;
}

const PIN_COLUMNS = `p.id, c.external_id AS customer, c.owner_rep_id, r.external_id AS owner, p.note,
  p.starts_on::text AS starts_on, p.ends_on::text AS ends_on`;

/** Manager pins (`worklist_pins`). */
@Injectable()
export class WorklistPinsRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  customer(workspaceId: string, externalId: string): Promise<PinCustomerRow | undefined> {
    return this.first<PinCustomerRow>(
      `SELECT c.id, c.owner_rep_id, w.timezone FROM customers c JOIN workspaces w ON w.id = c.workspace_id
       WHERE c.workspace_id = $1 AND c.external_id = $2 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
       ORDER BY c.id LIMIT 1`,
      [workspaceId, externalId],
    );
  }

  /** Pins the customer, or replaces the customer's active pin. */
  async upsert(
    workspaceId: string,
    pin: {
      customerId: string;
      pinnedBy: string | null;
      note: string | null;
      startsOn: string;
      endsOn: string | null;
    },
  ): Promise<PinRow> {
    const [row] = await this.rows<PinRow>(
      `WITH p AS (
         INSERT INTO worklist_pins (workspace_id, customer_id, pinned_by, note, starts_on, ends_on)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (workspace_id, customer_id) WHERE removed_at IS NULL
         DO UPDATE SET pinned_by = EXCLUDED.pinned_by, note = EXCLUDED.note, starts_on = EXCLUDED.starts_on,
                       ends_on = EXCLUDED.ends_on
         RETURNING *)
       SELECT ${PIN_COLUMNS} FROM p JOIN customers c ON c.id = p.customer_id LEFT JOIN reps r ON r.id = c.owner_rep_id`,
      [workspaceId, pin.customerId, pin.pinnedBy, pin.note, pin.startsOn, pin.endsOn],
    );
    return row;
  }

  /** Active pins, oldest first, at most 1000. */
  active(workspaceId: string): Promise<PinRow[]> {
    return this.rows<PinRow>(
      `SELECT ${PIN_COLUMNS} FROM worklist_pins p JOIN customers c ON c.id = p.customer_id
       LEFT JOIN reps r ON r.id = c.owner_rep_id
       WHERE p.workspace_id = $1 AND p.removed_at IS NULL ORDER BY p.created_at LIMIT 1000`,
      [workspaceId],
    );
  }

  activePin(workspaceId: string, id: string): Promise<PinRow | undefined> {
    return this.first<PinRow>(
      `SELECT ${PIN_COLUMNS} FROM worklist_pins p JOIN customers c ON c.id = p.customer_id
       LEFT JOIN reps r ON r.id = c.owner_rep_id
       WHERE p.id = $1 AND p.workspace_id = $2 AND p.removed_at IS NULL`,
      [id, workspaceId],
    );
  }

  async remove(id: string): Promise<void> {
    await this.exec(
      // @crossTenant the pin was read in the workspace (activePin) before
      `UPDATE worklist_pins SET removed_at = now() WHERE id = $1`,
      [id],
    );
  }
}
