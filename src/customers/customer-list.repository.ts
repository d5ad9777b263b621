import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';
import { containsPattern, ListCursor, ListSort } from './customer-list';

/** Which customers a caller may list: every live one, or those of these owners (plus unowned ones). */
export interface ListScope {
  all: boolean;
  ownerIds: readonly string[];
  /** managers see unowned customers too (masked), as GET /v1/customers/{id} does */
  unowned: boolean;
}

export interface ListQuery {
  scope: ListScope;
  tiers: readonly string[] | null;
  lifecycles: readonly string[] | null;
  segments: readonly string[] | null;
  ownerId: string | null;
  q: string | null;
  sort: ListSort;
  after: ListCursor | null;
  limit: number;
}

export interface CustomerListRow {
  id: string;
  external_id: string;
  name: string | null;
  owner_rep_id: string | null;
  owner_external_id: string | null;
  owner_name: string | null;
  value_tier: string | null;
  lifecycle: string | null;
  rfm_segment: string | null;
  priority: number | null;
  clv: string | null;
  churn_risk: number | null;
  last_order_at: Date | null;
  /** the sort key as text, for the next cursor */
  sort_key: string;
}

/**
 * Sort keys: never null (a customer without scores sorts last), so one row comparison `(key, id)` pages through
 * them (keyset). Numbers compare as float8 — a deterministic order even where two huge CLVs round alike.
 */
const SORT_KEY: Record<ListSort, { expr: string; cast: string; dir: 'ASC' | 'DESC' }> = {
  priority: { expr: `COALESCE(s.priority, '-Infinity'::float8)`, cast: 'float8', dir: 'DESC' },
  clv: { expr: `COALESCE(s.clv::float8, '-Infinity'::float8)`, cast: 'float8', dir: 'DESC' },
  name: { expr: `COALESCE(c.name, '')`, cast: 'text', dir: 'ASC' },
};

/** The customer list: live customers of a workspace with their current scores, filtered, one keyset page. */
@Injectable()
export class CustomerListRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** The statement of a page (or, without a limit, of every row) and its parameters. */
  private select(
    workspaceId: string,
    query: ListQuery,
    limited: boolean,
    part: 'all' | 'scored' | 'unscored' = 'all',
  ): { sql: string; params: unknown[] } {
    const params: unknown[] = [workspaceId];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const where = ['c.workspace_id = $1', 'c.merged_into_id IS NULL', 'c.deleted_at IS NULL'];
    if (!query.scope.all) {
      const owned = `c.owner_rep_id = ANY(${p(query.scope.ownerIds)}::uuid[])`;
      where.push(query.scope.unowned ? `(${owned} OR c.owner_rep_id IS NULL)` : owned);
    }
    if (query.tiers) where.push(`s.value_tier = ANY(${p(query.tiers)}::text[])`);
    if (query.lifecycles) where.push(`s.lifecycle = ANY(${p(query.lifecycles)}::text[])`);
    if (query.segments) where.push(`s.rfm_segment = ANY(${p(query.segments)}::text[])`);
    if (query.ownerId) where.push(`c.owner_rep_id = ${p(query.ownerId)}::uuid`);
    if (query.q) {
      where.push(`(c.external_id = ${p(query.q)} OR c.name ILIKE ${p(containsPattern(query.q))})`);
    }
    // scored customers by priority alone: the run's (run_id, priority DESC) index serves the order
    const key = part === 'scored' ? { ...SORT_KEY.priority, expr: 's.priority' } : SORT_KEY[query.sort];
    if (part === 'unscored') where.push('s.customer_id IS NULL');
    if (query.after) {
      const cmp = key.dir === 'DESC' ? '<' : '>';
      where.push(
        `(${key.expr}, c.id) ${cmp} (${p(query.after.key ?? '')}::${key.cast}, ${p(query.after.id)}::bigint)`,
      );
    }
    const limit = limited ? `LIMIT ${p(query.limit)}` : '';
    // the page first, then the last order of just its rows (orders_customer_idx), never of the whole workspace
    const sql = `SELECT page.*,
              (SELECT max(o.placed_at) FROM orders o
                WHERE o.workspace_id = $1 AND o.customer_id = page.id::bigint AND o.deleted_at IS NULL) AS last_order_at
         FROM (
           SELECT c.id::text, c.external_id, c.name, c.owner_rep_id, r.external_id AS owner_external_id,
                  r.name AS owner_name, s.value_tier, s.lifecycle, s.rfm_segment, s.priority, s.clv::text AS clv,
                  s.churn_risk, ${key.expr}::text AS sort_key, ${key.expr} AS sort_value
             FROM customers c
             JOIN workspaces w ON w.id = c.workspace_id
             ${part === 'scored' ? '' : 'LEFT '}JOIN customer_scores s ON s.run_id = w.current_score_run_id AND s.customer_id = c.id
             LEFT JOIN reps r ON r.id = c.owner_rep_id AND r.workspace_id = c.workspace_id
            WHERE ${where.join(' AND ')}
            ORDER BY ${key.expr} ${key.dir}, c.id ${key.dir}
            ${limit}
         ) page
        ORDER BY page.sort_value ${key.dir}, page.id::bigint ${key.dir}`;
    return { sql, params };
  }

  /**
   * One page. By priority it is read in two parts, so the common case (the dashboard's first pages) walks the
   * run's priority index instead of sorting the workspace: the scored customers (priority is never null there),
   * then, once they run out, the unscored ones (sort key -Infinity, by id).
   */
  async page(workspaceId: string, query: ListQuery): Promise<CustomerListRow[]> {
    // a text search scans the names anyway: one statement is cheaper than two
    if (query.sort !== 'priority' || query.q) {
      const { sql, params } = this.select(workspaceId, query, true);
      return this.rows<CustomerListRow>(sql, params);
    }
    const inUnscored = query.after?.key === '-Infinity';
    const rows: CustomerListRow[] = [];
    if (!inUnscored) {
      const { sql, params } = this.select(workspaceId, query, true, 'scored');
      rows.push(...(await this.rows<CustomerListRow>(sql, params)));
    }
    const scoreFilter = query.tiers || query.lifecycles || query.segments;
    if (rows.length < query.limit && !scoreFilter) {
      const rest = { ...query, limit: query.limit - rows.length, after: inUnscored ? query.after : null };
      const { sql, params } = this.select(workspaceId, rest, true, 'unscored');
      rows.push(...(await this.rows<CustomerListRow>(sql, params)));
    }
    return rows;
  }

  /**
   * Every row of the query, sorted once, handed over `batch` rows at a time through a server-side cursor (one
   * read-only transaction on one connection), each batch after the previous one was taken (`onRows` resolves).
   */
  async forEachBatch(
    workspaceId: string,
    query: ListQuery,
    batch: number,
    onRows: (rows: CustomerListRow[]) => Promise<void>,
  ): Promise<void> {
    const { sql, params } = this.select(workspaceId, query, false);
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('BEGIN READ ONLY');
      await runner.query(`DECLARE customer_export NO SCROLL CURSOR FOR ${sql}`, params);
      for (;;) {
        const rows = (await runner.query(
          `FETCH ${Math.trunc(batch)} FROM customer_export`,
        )) as CustomerListRow[];
        if (rows.length > 0) await onRows(rows);
        if (rows.length < batch) break;
      }
      await runner.query('COMMIT');
    } catch (e) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      await runner.release();
    }
  }
}
