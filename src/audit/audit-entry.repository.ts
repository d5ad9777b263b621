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

/** Several entries of one workspace in one statement, in the order given (a batch of merges of a dedupe run). */
export async function auditMany(
  tx: Queryable,
  workspaceId: string,
  entries: ReadonlyArray<{ actor: string; action: string; subject?: string; details?: unknown }>,
): Promise<void> {
  if (entries.length === 0) return;
  await tx.query(
    `INSERT INTO audit_log (workspace_id, actor, action, subject, details)
     SELECT $1, x.actor, x.action, x.subject, x.details
       FROM jsonb_to_recordset($2::jsonb) AS x(actor text, action text, subject text, details jsonb)`,
    [
      workspaceId,
      JSON.stringify(
        entries.map((e) => ({
          actor: e.actor,
          action: e.action,
          subject: e.subject ?? null,
          details: e.details ?? {},
        })),
      ),
    ],
  );
}
