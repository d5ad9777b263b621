import { MigrationInterface, QueryRunner } from 'typeorm';

/** LIST_INPUTS_CHANNEL (src/database/notification-channel.ts); a literal here, as a migration must not change. */
const CHANNEL = 'callplan_list_inputs';
/** Past this many lists in one statement a notification names the workspace only (payloads stay under 8,000 bytes). */
const MAX_LIST_IDS = 100;
/** Past this many changed customers in one statement, the workspace is named without looking up their lists. */
const MAX_CUSTOMERS_LOOKED_UP = 1000;

/**
 * A change of `customers` rows now names the lists that show those customers (`<workspace>:<list>,…`), not the
 * whole workspace: a CRM that syncs a customer every few seconds otherwise made every API process forget every
 * remembered page of the workspace each time (docs/worklists.md#served-from-memory), though a page shows a
 * customer only through its items. A customer on no list notifies nothing; a statement over more than
 * MAX_CUSTOMERS_LOOKED_UP customers (an import) names the workspace, as before, instead of joining them all.
 */
export class NotifyCustomerChangesPerList1769100000000 implements MigrationInterface {
  name = 'NotifyCustomerChangesPerList1769100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION notify_list_inputs_of_customers() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT count(*) FROM (SELECT 1 FROM changed LIMIT ${MAX_CUSTOMERS_LOOKED_UP} + 1) x)
             > ${MAX_CUSTOMERS_LOOKED_UP} THEN
          PERFORM pg_notify('${CHANNEL}', w::text) FROM (SELECT DISTINCT workspace_id AS w FROM changed) x;
        ELSE
          PERFORM pg_notify('${CHANNEL}', w::text || CASE WHEN n <= ${MAX_LIST_IDS} THEN ':' || ids ELSE '' END)
          FROM (SELECT c.workspace_id AS w, count(DISTINCT i.worklist_id) AS n,
                       string_agg(DISTINCT i.worklist_id::text, ',' ORDER BY i.worklist_id::text) AS ids
                FROM changed c
                JOIN worklist_items i ON i.workspace_id = c.workspace_id AND i.customer_id = c.id
                GROUP BY c.workspace_id) x;
        END IF;
        RETURN NULL;
      END $$;
    `);
    await replaceCustomerTriggers(q, 'notify_list_inputs_of_customers');
  }

  async down(q: QueryRunner): Promise<void> {
    await replaceCustomerTriggers(q, 'notify_list_inputs_of_workspaces');
    await q.query(`DROP FUNCTION IF EXISTS notify_list_inputs_of_customers()`);
  }
}

async function replaceCustomerTriggers(q: QueryRunner, fn: string): Promise<void> {
  for (const [op, transition] of [
    ['INSERT', 'NEW'],
    ['UPDATE', 'NEW'],
    ['DELETE', 'OLD'],
  ] as const) {
    await q.query(`DROP TRIGGER IF EXISTS customers_list_inputs_${op.toLowerCase()} ON customers`);
    await q.query(
      `CREATE TRIGGER customers_list_inputs_${op.toLowerCase()} AFTER ${op} ON customers
         REFERENCING ${transition} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
    );
  }
}
