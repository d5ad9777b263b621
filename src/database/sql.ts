import { DataSource, EntityManager } from 'typeorm';

/** Anything that can run a parameterised query: the DataSource or a transaction's EntityManager. */
export type Queryable = Pick<DataSource, 'query'> | Pick<EntityManager, 'query'>;

/** Runs `fn` in one transaction; the callback's queries use the given manager. */
export function inTransaction<T>(ds: DataSource, fn: (tx: EntityManager) => Promise<T>): Promise<T> {
  return ds.transaction(fn);
}
