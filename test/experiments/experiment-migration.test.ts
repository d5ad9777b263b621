import { Client } from 'pg';
import { applyMigrations } from '../../src/database/migrations';
import { armOf, assignmentUnit } from '../../src/experiments/experiment-design';
import { createTestDatabase, revertThrough, TestDatabase } from '../support/test-db';

const ARMS = 'CreateExperimentArmsAndExposures1767200000000';

/** The arms migration keeps every holdout experiment made before it, with the same customers held out, both ways. */
describe('migration 1767200000000 (experiment arms)', () => {
  let db: TestDatabase;
  let sql: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    expect((await revertThrough(db.url, ARMS)).at(-1)).toBe(ARMS);
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it('turns a holdout share into a holdout (control) and a lists arm with the old split, and back', async () => {
    await sql.query(`SET app.cross_tenant = on`);
    const [ws] = (
      await sql.query(`INSERT INTO workspaces (slug, name) VALUES ('exp-migration', 'm') RETURNING id`)
    ).rows;
    const [e] = (
      await sql.query(
        `INSERT INTO experiments (workspace_id, name, holdout_share, starts_on, created_by)
         VALUES ($1, 'old', 0.2, '2026-12-01', 'test') RETURNING id`,
        [ws.id],
      )
    ).rows;
    await applyMigrations(db.url);
    const arms = (
      await sql.query(
        `SELECT key, weight, bucket_from AS "bucketFrom", bucket_to AS "bucketTo", strategy
         FROM experiment_arms WHERE experiment_id = $1 ORDER BY position`,
        [e.id],
      )
    ).rows;
    expect(arms).toEqual([
      { key: 'holdout', weight: 0.2, bucketFrom: 0, bucketTo: 0.2, strategy: { type: 'holdout' } },
      { key: 'lists', weight: 0.8, bucketFrom: 0.2, bucketTo: 1, strategy: { type: 'list' } },
    ]);
    const [row] = (await sql.query(`SELECT control_arm FROM experiments WHERE id = $1`, [e.id])).rows;
    expect(row.control_arm).toBe('holdout');
    // the old rule was "held out when unit < share": the arms give the same answer
    for (let c = 1; c <= 2000; c++) {
      const wasHeldOut = assignmentUnit(e.id, String(c)) < 0.2;
      expect(armOf(e.id, String(c), arms).key).toBe(wasHeldOut ? 'holdout' : 'lists');
    }

    await revertThrough(db.url, ARMS);
    const [back] = (await sql.query(`SELECT holdout_share FROM experiments WHERE id = $1`, [e.id])).rows;
    expect(Number(back.holdout_share)).toBe(0.2);
    await applyMigrations(db.url);
  });
});
