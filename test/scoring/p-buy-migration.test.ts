import { Client } from 'pg';
import { applyMigrations } from '../../src/database/migrations';
import { createTestDatabase, revertThrough, TestDatabase } from '../support/test-db';

const P_BUY = 'AddPBuyToCustomerScores1769000000000';
const ATTACHED = '11111111-1111-4111-8111-111111111111';
const IN_FLIGHT = '22222222-2222-4222-8222-222222222222';
const table = (run: string) => `customer_scores_r${run.replace(/-/g, '')}`;

/**
 * p_buy reaches every run's scores table: the attached partitions (older runs read NULL) and the table of a run in
 * flight during the deploy, which must still take its chunks' COPY and attach; and it goes again on revert.
 */
describe('migration 1769000000000 (customer_scores.p_buy)', () => {
  let db: TestDatabase;
  let sql: Client;
  const hasPBuy = async (relname: string): Promise<boolean> =>
    (
      await sql.query(
        `SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'p_buy' AND NOT attisdropped`,
        [relname],
      )
    ).rowCount === 1;

  beforeAll(async () => {
    db = await createTestDatabase();
    expect(await revertThrough(db.url, P_BUY)).toContain(P_BUY);
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it('adds the column to the parent, its partitions and an unattached run table, and drops it on revert', async () => {
    for (const run of [ATTACHED, IN_FLIGHT])
      await sql.query(
        `CREATE TABLE ${table(run)} (LIKE customer_scores INCLUDING DEFAULTS, CHECK (run_id = '${run}'))`,
      );
    await sql.query(
      `ALTER TABLE customer_scores ATTACH PARTITION ${table(ATTACHED)} FOR VALUES IN ('${ATTACHED}')`,
    );
    expect(await hasPBuy('customer_scores')).toBe(false);

    await applyMigrations(db.url);
    for (const t of ['customer_scores', table(ATTACHED), table(IN_FLIGHT)])
      expect([t, await hasPBuy(t)]).toEqual([t, true]);
    // the run in flight still attaches (ATTACH needs the parent's columns)
    await sql.query(
      `ALTER TABLE customer_scores ATTACH PARTITION ${table(IN_FLIGHT)} FOR VALUES IN ('${IN_FLIGHT}')`,
    );
    await sql.query(`ALTER TABLE customer_scores DETACH PARTITION ${table(IN_FLIGHT)}`);

    expect(await revertThrough(db.url, P_BUY)).toContain(P_BUY);
    for (const t of ['customer_scores', table(ATTACHED), table(IN_FLIGHT)])
      expect([t, await hasPBuy(t)]).toEqual([t, false]);
    await applyMigrations(db.url);
    expect(await hasPBuy(table(IN_FLIGHT))).toBe(true);
  });
});
