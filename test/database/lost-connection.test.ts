import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { TenantScope } from '../../src/database/tenant-scope';
import { isLostConnection } from '../../src/queue/lost-connection';
import { until } from '../support/until';
import { useTestApp } from '../support/use-test-app';

/**
 * A pooled connection whose backend is terminated under a statement goes back to the pool looking alive: the
 * statement failed on the server's FATAL, and the socket closes only a moment later. A checkout in that moment takes
 * it, and one in another tenant scope first sets that scope on it (tenant-connection.ts), before TypeORM has put its
 * own 'error' listener on the client. The close must fail that checkout's statement, not the process: an 'error'
 * with no listener is an uncaught exception (imports.fault.ts, terminating its backends, saw one in about 7 runs).
 */
describe('a pooled connection lost while a tenant scope is set on it (PostgreSQL)', () => {
  const nest = useTestApp({ workers: false });
  let owner: Client;

  beforeAll(async () => {
    owner = new Client({ connectionString: nest.databaseUrl });
    await owner.connect();
    nest.cleanup(() => owner.end());
  });

  /** Runs `sql` in a workspace's scope: the statement's error, or null when it ran. */
  const inWorkspace = (workspaceId: string, sql: string) =>
    TenantScope.run(workspaceId, () => nest.db.query(sql)).then(
      () => null,
      (e: unknown) => e,
    );

  it('fails the statement that took the connection, not the process; the next statement runs', async () => {
    const sleeper = `SELECT pg_sleep(60) AS cut_off_by_the_test`;
    const running = async () =>
      (await owner.query(`SELECT 1 FROM pg_stat_activity WHERE query = $1`, [sleeper])).rowCount === 1;
    const workspaceId = randomUUID();
    // test code's scope is every workspace: the connection is left in that scope
    const doomed = nest.db.query(sleeper);
    // the moment the statement has failed, before the socket has closed: a workspace's statement takes the
    // connection it released (the pool hands out the last one back first)
    const taker = doomed.then(
      () => new Error('the statement was not cut off'),
      () => inWorkspace(workspaceId, `SELECT 1`),
    );
    await until('the statement to run', running);
    await owner.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`, [sleeper]);

    // settles once the socket has closed: an 'error' nobody listened to has failed this suite by then
    const failed = await taker;
    // it did take the dead connection (a fresh one would have run the statement)
    expect(isLostConnection(failed)).toBe(true);
    const [row] = (await TenantScope.run(workspaceId, () =>
      nest.db.query(`SELECT current_setting('app.workspace_id') AS scope`),
    )) as Array<{ scope: string }>;
    expect(row.scope).toBe(workspaceId);
  });
});
