import { DataSource } from 'typeorm';
import { Queryable, returningRows } from './sql';
import { TenantScope } from './tenant-scope';

/**
 * One step of a retention purge (src/retention): rows older than `before` go, at most `limit` per statement (short
 * locks; the caller repeats until fewer come back). With `dryRun` nothing is deleted and the answer is how many rows
 * would go in all.
 */
export interface PurgeBatch {
  before: Date;
  limit: number;
  dryRun: boolean;
}

/**
 * Base of the repositories: the only classes (with migrations) that run SQL. Each method is one statement, or a
 * few that belong together, and returns typed rows. Methods on tenant tables take the workspace id first and put
 * it in the statement (`test/architecture` checks every statement on a tenant table names `workspace_id`; one that
 * may not, like a job loading its row by primary key, says why with a `@crossTenant` comment).
 * Pass `tx` to run inside a caller's transaction (Transactions.run).
 */
export abstract class SqlRepository {
  protected constructor(protected readonly db: DataSource) {}

  /** The rows of a SELECT or INSERT … RETURNING. */
  protected rows<T>(sql: string, params: unknown[] = [], tx?: Queryable): Promise<T[]> {
    return (tx ?? this.db).query(sql, params) as Promise<T[]>;
  }

  /** The first row, or undefined. */
  protected async first<T>(sql: string, params: unknown[] = [], tx?: Queryable): Promise<T | undefined> {
    const rows = await this.rows<T>(sql, params, tx);
    return rows[0];
  }

  /** The rows of an UPDATE/DELETE … RETURNING (TypeORM answers those as [rows, count]). */
  protected returning<T>(sql: string, params: unknown[] = [], tx?: Queryable): Promise<T[]> {
    return returningRows<T>(tx ?? this.db, sql, params);
  }

  /** The `n` of a statement answering one row `{ n }`: a count, or a batch DELETE counting its RETURNING rows. */
  protected async countOf(sql: string, params: unknown[] = [], tx?: Queryable): Promise<number> {
    const row = await this.first<{ n: number | string }>(sql, params, tx);
    return Number(row?.n ?? 0);
  }

  /**
   * Runs `fn`'s statements seeing every workspace's rows (row-level security): for the statements a
   * `@crossTenant` comment says span workspaces — a sweep, a scheduler, a job's own row by primary key,
   * authentication. A statement in a caller's transaction keeps the transaction's scope.
   */
  protected crossTenant<T>(reason: string, fn: () => Promise<T>): Promise<T> {
    return TenantScope.crossTenant(reason, fn);
  }

  /** Runs a statement for its effect. */
  protected async exec(sql: string, params: unknown[] = [], tx?: Queryable): Promise<void> {
    await (tx ?? this.db).query(sql, params);
  }
}
