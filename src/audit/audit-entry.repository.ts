import { Queryable } from '../database/sql';

/**
 * The audit writer, used by every module inside its own transactions (a function, not a provider, so a caller
 * needs no module import). Appends to the audit log (append-only: a trigger forbids UPDATE and DELETE). Call inside the change's transaction. */
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
