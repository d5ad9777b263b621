import type { PoolClient } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { APP_ROLE } from '../../migrations/1766900000000-row-level-security';
import { TenantScope } from './tenant-scope';

/**
 * Sets each pooled connection, as it is taken from the pool, to the application role and to the tenant scope of
 * the code taking it (tenant-scope.ts) — before its first statement, outside any transaction, so a transaction
 * (Transactions.run/onClient) and a statement outside one run entirely in their caller's scope. Session-level
 * values, re-set on every checkout whose scope differs from the connection's last one: a connection never carries a
 * previous caller's workspace into the next. One round trip per checkout that changes scope, none otherwise.
 */
const SET_SCOPE = `SELECT set_config('role', $1, false), set_config('app.workspace_id', $2, false),
                          set_config('app.cross_tenant', $3, false)`;

type Obtained = [PoolClient, (err?: unknown) => void];

const ignoreError = () => undefined;

/**
 * Wraps the data source's pool checkout (its driver's `obtainMasterConnection`, which every TypeORM query runner —
 * `DataSource.query`, transactions, entity repositories, `createQueryRunner` — goes through), then checks that the
 * role is bound by row-level security: start-up fails if it is a superuser or BYPASSRLS.
 */
export async function scopeConnections(ds: DataSource, role: string = APP_ROLE): Promise<DataSource> {
  const driver = ds.driver as PostgresDriver;
  const obtain = driver.obtainMasterConnection.bind(driver) as () => Promise<Obtained>;
  const applied = new WeakMap<PoolClient, string>();
  driver.obtainMasterConnection = async (): Promise<Obtained> => {
    // read now, in the caller's async context (the pool may hand over the connection from another one)
    const scope = TenantScope.current();
    const workspace = scope.workspaceId ?? '';
    const cross = scope.crossTenant !== null ? 'on' : 'off';
    const key = `${workspace}/${cross}`;
    const [client, release] = await obtain();
    if (applied.get(client) !== key) {
      // The pool took its 'error' listener off the client and TypeORM's query runner adds its own only once this
      // returns. A connection whose backend was terminated under its last statement comes back to the pool looking
      // alive; when its socket then closes under SET_SCOPE, pg emits 'error' (an uncaught exception with no
      // listener) before failing the statement — whose failure, below, is what discards the connection.
      client.on('error', ignoreError);
      try {
        applied.delete(client);
        await client.query(SET_SCOPE, [role, workspace, cross]);
        applied.set(client, key);
      } catch (e) {
        release(e);
        throw e;
      } finally {
        client.removeListener('error', ignoreError);
      }
    }
    return [client, release];
  };
  const [me] = (await TenantScope.crossTenant('start-up: the role check', () =>
    ds.query(
      `SELECT current_user AS name, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`,
    ),
  )) as Array<{ name: string; rolsuper: boolean; rolbypassrls: boolean }>;
  if (!me || me.rolsuper || me.rolbypassrls) {
    throw new Error(
      `the application role ${me?.name ?? role} bypasses row-level security (superuser or BYPASSRLS); ` +
        `run the migrations, or give the role NOSUPERUSER NOBYPASSRLS`,
    );
  }
  return ds;
}

/** A data source for the application: initialized, then scoped (scopeConnections). */
export async function createAppDataSource(options: DataSourceOptions): Promise<DataSource> {
  const ds = await new DataSource(options).initialize();
  try {
    return await scopeConnections(ds);
  } catch (e) {
    await ds.destroy();
    throw e;
  }
}
