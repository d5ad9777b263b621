import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { todayIn } from '../workspaces/workspaces.service';
import type { PinView } from './worklist.views';
import { daysBetween, isDay } from './zoned-time';

interface PinRow {
  id: string;
  customer: string;
  owner_rep_id: string | null;
  owner: string | null;
  note: string | null;
  starts_on: string;
  ends_on: string | null;
}

const PIN_COLUMNS = `p.id, c.external_id AS customer, c.owner_rep_id, r.external_id AS owner, p.note,
  p.starts_on::text AS starts_on, p.ends_on::text AS ends_on`;

/**
 * Manager pins: a pinned customer is on their owner's list every day of the pin (after callbacks, before the
 * ranked customers), whatever the frequency caps say; do-not-call, snoozes and "contacted today" still apply.
 * Managers pin customers owned by their team; admins any customer of the workspace.
 */
@Injectable()
export class WorklistPinsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly scope: AccessScopeService,
  ) {}

  async pin(
    p: Principal,
    input: { customer: string; note?: string; startsOn?: string; endsOn?: string },
  ): Promise<PinView> {
    const [customer] = await this.db.query(
      `SELECT c.id, c.owner_rep_id, w.timezone FROM customers c JOIN workspaces w ON w.id = c.workspace_id
       WHERE c.workspace_id = $1 AND c.external_id = $2 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
       ORDER BY c.id LIMIT 1`,
      [p.workspaceId, input.customer],
    );
    if (!customer) throw AppError.notFound('customer');
    if (!customer.owner_rep_id)
      throw new AppError('customer_not_owned', 'pin a customer that a rep owns', 409);
    await this.readableOwner(p, customer.owner_rep_id, 'customer');
    const startsOn = input.startsOn ?? todayIn(customer.timezone);
    if (!isDay(startsOn) || (input.endsOn !== undefined && !isDay(input.endsOn))) {
      throw new AppError('invalid_date', 'startsOn and endsOn must be calendar days YYYY-MM-DD', 400);
    }
    if (input.endsOn !== undefined && daysBetween(startsOn, input.endsOn) < 0) {
      throw new AppError('invalid_date', 'endsOn must not be before startsOn', 400, { field: 'endsOn' });
    }
    const [row] = await this.db.query(
      `WITH p AS (
         INSERT INTO worklist_pins (workspace_id, customer_id, pinned_by, note, starts_on, ends_on)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (workspace_id, customer_id) WHERE removed_at IS NULL
         DO UPDATE SET pinned_by = EXCLUDED.pinned_by, note = EXCLUDED.note, starts_on = EXCLUDED.starts_on,
                       ends_on = EXCLUDED.ends_on
         RETURNING *)
       SELECT ${PIN_COLUMNS} FROM p JOIN customers c ON c.id = p.customer_id LEFT JOIN reps r ON r.id = c.owner_rep_id`,
      [p.workspaceId, customer.id, p.repId, input.note ?? null, startsOn, input.endsOn ?? null],
    );
    return toView(row);
  }

  /** Active pins the caller may see. */
  async list(p: Principal): Promise<PinView[]> {
    const rows: PinRow[] = await this.db.query(
      `SELECT ${PIN_COLUMNS} FROM worklist_pins p JOIN customers c ON c.id = p.customer_id
       LEFT JOIN reps r ON r.id = c.owner_rep_id
       WHERE p.workspace_id = $1 AND p.removed_at IS NULL ORDER BY p.created_at LIMIT 1000`,
      [p.workspaceId],
    );
    const readable = new Map<string, boolean>();
    const out: PinView[] = [];
    for (const row of rows) {
      const owner = row.owner_rep_id;
      if (!owner) continue;
      if (!readable.has(owner)) {
        readable.set(
          owner,
          await this.scope.readableRep(p, owner).then(
            () => true,
            () => false,
          ),
        );
      }
      if (readable.get(owner)) out.push(toView(row));
    }
    return out;
  }

  async unpin(p: Principal, id: string): Promise<void> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw AppError.notFound('pin');
    const [row] = await this.db.query(
      `SELECT ${PIN_COLUMNS} FROM worklist_pins p JOIN customers c ON c.id = p.customer_id
       LEFT JOIN reps r ON r.id = c.owner_rep_id
       WHERE p.id = $1 AND p.workspace_id = $2 AND p.removed_at IS NULL`,
      [id, p.workspaceId],
    );
    if (!row?.owner_rep_id) throw AppError.notFound('pin');
    await this.readableOwner(p, row.owner_rep_id, 'pin');
    await this.db.query(`UPDATE worklist_pins SET removed_at = now() WHERE id = $1`, [id]);
  }

  private async readableOwner(p: Principal, ownerRepId: string, what: string): Promise<void> {
    try {
      await this.scope.readableRep(p, ownerRepId);
    } catch (e) {
      if (e instanceof AppError && e.status === 404) throw AppError.notFound(what);
      throw e;
    }
  }
}

function toView(r: PinRow): PinView {
  return {
    id: r.id,
    customer: r.customer,
    owner: r.owner,
    note: r.note,
    startsOn: r.starts_on,
    endsOn: r.ends_on,
  };
}
