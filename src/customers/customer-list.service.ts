import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify/sync';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import {
  CSV_HEADER,
  csvRecord,
  CustomerListItem,
  encodeListCursor,
  ListFilters,
  parseListFilters,
  RawListFilters,
} from './customer-list';
import { CustomerListRepository, CustomerListRow, ListQuery, ListScope } from './customer-list.repository';

/** Rows per statement while an export streams (each page its own keyset query, so memory stays flat). */
export const EXPORT_PAGE = 1000;

export interface CustomerListPage {
  items: CustomerListItem[];
  /** the cursor of the next page (same filters and sort), or null on the last page */
  nextCursor: string | null;
}

/**
 * The customer list and its CSV export. Who is listed follows GET /v1/customers/{id} (customerVisibility): admins
 * and integrations every live customer of the workspace; a rep their own; a manager the customers of the reps in
 * their scope and unowned ones. Out-of-scope customers are simply not listed.
 */
@Injectable()
export class CustomerListService {
  constructor(
    private readonly repo: CustomerListRepository,
    private readonly scopes: AccessScopeService,
  ) {}

  async list(p: Principal, raw: RawListFilters, limit: number): Promise<CustomerListPage> {
    const query = await this.toQuery(p, parseListFilters(raw), limit + 1);
    const rows = await this.repo.page(p.workspaceId, query);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page.at(-1);
    return {
      items: page.map(toItem),
      nextCursor:
        more && last ? encodeListCursor({ sort: query.sort, key: last.sort_key, id: last.id }) : null,
    };
  }

  /**
   * The CSV export of the same filters, every row of them: validated here, before the first byte (a bad filter is
   * a 400, not a broken download); the returned function then streams the CSV to `write` (which resolves when the
   * client took the chunk), EXPORT_PAGE rows at a time from one server-side cursor — the sort runs once.
   */
  async prepareExport(
    p: Principal,
    raw: RawListFilters,
  ): Promise<(write: (chunk: string) => Promise<void>) => Promise<void>> {
    const query = await this.toQuery(p, parseListFilters({ ...raw, cursor: undefined }), EXPORT_PAGE);
    return async (write) => {
      await write(stringify([[...CSV_HEADER]]));
      await this.repo.forEachBatch(p.workspaceId, query, EXPORT_PAGE, (rows) =>
        write(stringify(rows.map((r) => csvRecord(toItem(r))))),
      );
    };
  }

  private async toQuery(p: Principal, f: ListFilters, limit: number): Promise<ListQuery> {
    let ownerId: string | null = null;
    if (f.owner !== null) {
      // a rep outside the caller's scope is answered like an unknown one
      const rep = await this.scopes.readableRep(p, f.owner).catch((e: unknown) => {
        if (e instanceof AppError && e.code === 'not_found') return null;
        throw e;
      });
      if (!rep) {
        throw new AppError('invalid_owner', 'owner is not a rep you can see', 400, { field: 'owner' });
      }
      ownerId = rep.id;
    }
    return {
      scope: await this.scope(p),
      tiers: f.tiers,
      lifecycles: f.lifecycles,
      segments: f.segments,
      ownerId,
      q: f.q,
      sort: f.sort,
      after: f.after,
      limit,
    };
  }

  /** The rule of customerVisibility as a set: what would not answer 404 on GET /v1/customers/{id}. */
  private async scope(p: Principal): Promise<ListScope> {
    const reps = await this.scopes.repScope(p);
    if (reps.all) return { all: true, ownerIds: [], unowned: true };
    if (p.role === 'rep') return { all: false, ownerIds: p.repId ? [p.repId] : [], unowned: false };
    return { all: false, ownerIds: [...reps.repIds], unowned: p.role === 'manager' };
  }
}

function toItem(r: CustomerListRow): CustomerListItem {
  return {
    id: r.id,
    externalId: r.external_id,
    name: r.name,
    owner:
      r.owner_rep_id && r.owner_external_id
        ? { id: r.owner_rep_id, externalId: r.owner_external_id, name: r.owner_name ?? '' }
        : null,
    tier: r.value_tier,
    lifecycle: r.lifecycle,
    segment: r.rfm_segment,
    priority: r.priority,
    clv: r.clv,
    churnRisk: r.churn_risk,
    lastOrderAt: r.last_order_at,
  };
}
