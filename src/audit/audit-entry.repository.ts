import { Queryable } from '../database/sql';

/**
 * The audit writer: appends one entry to the audit log (append-only: a trigger forbids UPDATE and DELETE). Call it
 * with the change's own transaction, so the entry commits or rolls back with the change. A function rather than a
 * provider, so every module can write entries without importing a module.
 */
export async function audit(
  tx: Queryable,
  entry: { workspaceId: string; actor: string; action: string; subject?: string; details?: unknown },
): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (workspace_id, actor, action, subject, details) VALUES ($1, $2, $3, $4, $5)`,
    [
      entry.workspaceId,
      entry.actor,
      entry.action,
      entry.subject ?? null,
      JSON.stringify(entry.details ?? {}),
    ],
  );
}
