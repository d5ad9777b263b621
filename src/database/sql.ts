import type { PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';

/** Anything that can run a parameterised query: the DataSource or a transaction's EntityManager. */
export type Queryable = Pick<DataSource, 'query'> | Pick<EntityManager, 'query'>;

/**
 * A raw `pg` client of a bulk path (Transactions.onClient) as a Queryable, so that another module's repository
 * method can run inside that path's transaction. Answers rows, as the DataSource does.
 */
export function clientQueryable(client: PoolClient): Queryable {
  const query = async <T>(sql: string, params?: unknown[]): Promise<T> =>
    // pg's rows are the answer TypeORM gives for a SELECT; the caller names the row type, as with EntityManager
    (await client.query(sql, params)).rows as T;
  return { query };
}

/**
 * Rows of an `UPDATE … RETURNING` / `DELETE … RETURNING`. TypeORM's postgres driver answers those with
 * `[rows, affectedCount]` instead of the rows (INSERT and SELECT answer rows), which silently breaks `.length`.
 */
export async function returningRows<T>(tx: Queryable, sql: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await tx.query(sql, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
