import { types } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/migration-list';

// Calendar dates stay 'YYYY-MM-DD' strings: turning them into Date objects would shift them by the process time zone.
types.setTypeParser(types.builtins.DATE, (v: string) => v);

/**
 * TypeORM options shared by the Nest app, the CLI and the tests. `synchronize` is never on: migrations own the schema.
 * Entities are not listed here: each module registers its own with `TypeOrmModule.forFeature` and the app loads them
 * (`autoLoadEntities`), so the database layer imports no module above it.
 */
export function dataSourceOptions(
  url: string,
  poolSize = 10,
  opts: { owner?: boolean } = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [],
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // TypeORM would print failed queries with their parameters (personal data): errors surface as exceptions instead.
    logging: false,
    extra: {
      max: poolSize,
      application_name: 'callplan',
      options: connectionSettings(opts),
    },
  };
}

/**
 * Server settings of every connection, sent at connect (`-c name=value`; a URL's own `options` wins).
 * - `jit=off`: the service's statements are either short or batch statements whose plans are estimated far above
 *   `jit_above_cost`; PostgreSQL then compiled for longer than they ran (a publish's exclusion count: 6.1 of its
 *   6.8 s at 20k customers; a write-back diff: 1.2 s at 1M). Off for the connection, so no statement has to
 *   remember it (docs/benchmarks.md, "JIT").
 * - the owner's connections (migrations) see every workspace's rows even where row-level security binds the owner.
 */
export function connectionSettings(opts: { owner?: boolean } = {}): string {
  return ['-c jit=off', ...(opts.owner ? ['-c app.cross_tenant=on'] : [])].join(' ');
}

export function createDataSource(url: string, poolSize?: number, opts: { owner?: boolean } = {}): DataSource {
  return new DataSource(dataSourceOptions(url, poolSize, opts));
}
