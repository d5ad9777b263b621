import type { Client } from 'pg';
import type { Queryable } from './sql';

/**
 * The channel on which a change of any input of a served list page is reported (migration 1767800000000's
 * triggers; payload `*`, `<workspace id>` or `<workspace id>:<list id>,…`): src/worklist/list-read-cache.service.ts.
 */
export const LIST_INPUTS_CHANNEL = 'callplan_list_inputs';

/** A channel name LISTEN takes as an identifier: checked, since it cannot be a bind parameter. */
function checked(channel: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  return channel;
}

/** Sends `payload` on `channel` when `tx` commits (PostgreSQL holds a NOTIFY until then; a rollback drops it). */
export async function notifyOnCommit(tx: Queryable, channel: string, payload: string): Promise<void> {
  await tx.query(`SELECT pg_notify($1, $2)`, [checked(channel), payload]);
}

/** Starts hearing `channel` on a dedicated connection (its `notification` events carry the payloads). */
export async function listenOn(client: Client, channel: string): Promise<void> {
  await client.query(`LISTEN ${checked(channel)}`);
}
