import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';

/** A transaction in progress: services pass it to repository methods so their statements commit together. */
export type Tx = EntityManager;

type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

/**
 * The one way to run a transaction. `run` is for ordinary statements (repositories take the `Tx`); `onClient`
 * hands a raw pooled `pg` client, inside BEGIN … COMMIT unless asked otherwise, to the bulk paths that stream
 * COPY or need session state (advisory locks, SET LOCAL).
 */
@Injectable()
export class Transactions {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  run<T>(fn: (tx: Tx) => Promise<T>, isolation?: IsolationLevel): Promise<T> {
    return isolation ? this.db.transaction(isolation, fn) : this.db.transaction(fn);
  }

  async onClient<T>(
    fn: (client: PoolClient) => Promise<T>,
    opts: { transaction?: boolean } = {},
  ): Promise<T> {
    const runner = this.db.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    const inTransaction = opts.transaction !== false;
    try {
      if (inTransaction) await client.query('BEGIN');
      const result = await fn(client);
      if (inTransaction) await client.query('COMMIT');
      return result;
    } catch (e) {
      if (inTransaction) await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      await runner.release();
    }
  }
}
