import type { Client } from 'pg';

/**
 * Runs `work` with auto_explain logging the plan of every statement on `sql` at NOTICE, so that this client hears
 * them: what `work` returned and the plans, in order. Plan tests pin how a repository's statement reads (by index,
 * never by scanning every row) whatever the planner would pick for the test's small tables.
 */
export async function withPlans<T>(
  sql: Client,
  work: () => Promise<T>,
): Promise<{ result: T; plans: string[] }> {
  const plans: string[] = [];
  const notice = (n: { message?: string }) => plans.push(n.message ?? '');
  sql.on('notice', notice);
  try {
    await sql.query(`LOAD 'auto_explain'`);
    await sql.query(`SET auto_explain.log_min_duration = 0`);
    await sql.query(`SET auto_explain.log_level = 'notice'`);
    return { result: await work(), plans };
  } finally {
    // in a failed transaction the caller's rollback undoes the settings instead
    await sql.query(`RESET auto_explain.log_min_duration`).catch(() => undefined);
    sql.off('notice', notice);
  }
}

/** A workspace (currency CNY) with `customers` customers for a plan test to fill: its id and theirs, in id order. */
export async function planWorkspace(
  sql: Client,
  slug: string,
  customers: number,
): Promise<{ workspaceId: string; customerIds: string[] }> {
  const {
    rows: [ws],
  } = await sql.query<{ id: string }>(
    `INSERT INTO workspaces (slug, name, currency) VALUES ($1, $1, 'CNY') RETURNING id`,
    [slug],
  );
  const { rows } = await sql.query<{ id: string }>(
    `INSERT INTO customers (workspace_id, external_id)
     SELECT $1, 'c' || g FROM generate_series(1, $2::int) g ORDER BY g RETURNING id`,
    [ws.id, customers],
  );
  return { workspaceId: ws.id, customerIds: rows.map((r) => r.id) };
}
