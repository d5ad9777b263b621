import { Injectable } from '@nestjs/common';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { todayIn } from '../workspaces/workspaces.service';
import { PinRow, WorklistPinsRepository } from './worklist-pins.repository';
import type { PinView } from './worklist.views';
import { daysBetween, isDay } from './zoned-time';

/**
 * Manager pins: a pinned customer is on their owner's list every day of the pin (after callbacks, before the
 * ranked customers), whatever the frequency caps say; do-not-call, snoozes and "contacted today" still apply.
 * Managers pin customers owned by their team; admins any customer of the workspace.
 */
@Injectable()
export class WorklistPinsService {
  constructor(
    private readonly pins: WorklistPinsRepository,
    private readonly scope: AccessScopeService,
  ) {}

  async pin(
    p: Principal,
    input: { customer: string; note?: string; startsOn?: string; endsOn?: string },
  ): Promise<PinView> {
    const customer = await this.pins.customer(p.workspaceId, input.customer);
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
    const row = await this.pins.upsert(p.workspaceId, {
      customerId: customer.id,
      pinnedBy: p.repId,
      note: input.note ?? null,
      startsOn,
      endsOn: input.endsOn ?? null,
    });
    return toView(row);
  }

  /** Active pins the caller may see. */
  async list(p: Principal): Promise<PinView[]> {
    const rows = await this.pins.active(p.workspaceId);
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
    const row = await this.pins.activePin(p.workspaceId, id);
    if (!row?.owner_rep_id) throw AppError.notFound('pin');
    await this.readableOwner(p, row.owner_rep_id, 'pin');
    await this.pins.remove(id);
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
