import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/database/data-source';
import { Transactions } from '../../src/database/transactions';
import { useTestApp } from '../support/use-test-app';

/**
 * Settings every connection of the service carries from its start (data-source.ts connectionSettings): no JIT —
 * PostgreSQL compiled the publish's exclusion count for 6.1 of its 6.8 s — and, for the owner's connections, the
 * cross-tenant view the migrations need.
 */
describe('connection settings (PostgreSQL)', () => {
  const nest = useTestApp({ http: false, workers: false });

  const setting = async (db: DataSource, name: string): Promise<string> =>
    ((await db.query(`SELECT current_setting($1) AS value`, [name])) as Array<{ value: string }>)[0].value;

  it('runs the app’s statements without JIT, in and outside a transaction, on every pooled connection', async () => {
    expect(await setting(nest.db, 'jit')).toBe('off');
    const inTx = await nest.app
      .get(Transactions)
      .run((tx) => tx.query(`SELECT current_setting('jit') AS value`) as Promise<Array<{ value: string }>>);
    expect(inTx[0].value).toBe('off');
    // several connections at once: each was opened with the setting, none got it from an earlier statement
    const values = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          nest.db.query(`SELECT current_setting('jit') AS value, pg_sleep(0.05)`) as Promise<
            Array<{ value: string }>
          >,
      ),
    );
    expect(values.map((v) => v[0].value)).toEqual(['off', 'off', 'off', 'off']);
  });

  it('gives the owner’s connections the cross-tenant view and no JIT; the app’s connections neither view', async () => {
    const owner = await createDataSource(nest.databaseUrl, 1, { owner: true }).initialize();
    try {
      expect(await setting(owner, 'jit')).toBe('off');
      expect(await setting(owner, 'app.cross_tenant')).toBe('on');
    } finally {
      await owner.destroy();
    }
    const plain = await createDataSource(nest.databaseUrl, 1).initialize();
    try {
      expect(await setting(plain, 'jit')).toBe('off');
      const [row] = (await plain.query(
        `SELECT current_setting('app.cross_tenant', true) AS value`,
      )) as Array<{
        value: string | null;
      }>;
      expect(row.value === null || row.value === '' || row.value === 'off').toBe(true);
    } finally {
      await plain.destroy();
    }
  });
});
