import { createDataSource } from './data-source';

/** Advisory-lock key of schema migrations (any fixed number no other lock uses). */
const MIGRATION_LOCK = 72_310_011;

/**
 * Applies pending migrations. Processes may start together (api, workers, cli): one applies them under a PostgreSQL
 * advisory lock, the others wait for it and then find nothing to do. Returns the names applied.
 */
export async function applyMigrations(url: string): Promise<string[]> {
  const ds = createDataSource(url, 2, { owner: true });
  await ds.initialize();
  const lock = ds.createQueryRunner();
  try {
    await lock.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await lock.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => undefined);
    await lock.release();
    await ds.destroy();
  }
}

/** Reverts the most recent migration; returns its name, or null when none was applied. */
export async function revertLastMigration(url: string): Promise<string | null> {
  const ds = createDataSource(url, 1, { owner: true });
  await ds.initialize();
  try {
    const [last] = await ds
      .query(`SELECT name FROM typeorm_migrations ORDER BY id DESC LIMIT 1`)
      .catch(() => [] as Array<{ name: string }>);
    if (!last) return null;
    await ds.undoLastMigration({ transaction: 'each' });
    return last.name as string;
  } finally {
    await ds.destroy();
  }
}
