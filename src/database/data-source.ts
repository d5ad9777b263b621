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
    // the owner's connections (migrations) see every workspace's rows even where row-level security binds the owner
    extra: {
      max: poolSize,
      application_name: 'callplan',
      ...(opts.owner ? { options: '-c app.cross_tenant=on' } : {}),
    },
  };
}

export function createDataSource(url: string, poolSize?: number, opts: { owner?: boolean } = {}): DataSource {
  return new DataSource(dataSourceOptions(url, poolSize, opts));
}
