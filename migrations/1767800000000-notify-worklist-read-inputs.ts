import { MigrationInterface, QueryRunner } from 'typeorm';

/** LIST_INPUTS_CHANNEL (src/database/notification-channel.ts); a literal here, as a migration must not change. */
const CHANNEL = 'callplan_list_inputs';
/** Past this many lists in one statement a notification names the workspace only (payloads stay under 8,000 bytes). */
const MAX_LIST_IDS = 100;

/**
 * Every input of a served list page (its ETag and body: docs/worklists.md#served-from-memory) tells the API
 * processes that it changed, so they can answer `GET /v1/me/worklist` and its 304s from memory
 * (src/worklist/list-read-cache.service.ts) without reading PostgreSQL.
 *
 * Statement-level triggers with transition tables: one `pg_notify` per workspace (and statement), whatever the
 * number of rows, delivered on commit only (a rollback sends nothing; identical payloads of one transaction are
 * sent once). Payload: `<workspace id>` — everything of that workspace may have changed — or
 * `<workspace id>:<list id>,<list id>…` — only those lists did (item changes, a list's own row). TRUNCATE says `*`
 * (every workspace). Score partitions dropped by retention fire no trigger: run-tables.repository.ts notifies them.
 */
export class NotifyWorklistReadInputs1767800000000 implements MigrationInterface {
  name = 'NotifyWorklistReadInputs1767800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION notify_list_inputs_of_workspaces() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'workspaces' THEN
          PERFORM pg_notify('${CHANNEL}', w::text) FROM (SELECT DISTINCT id AS w FROM changed) x;
        ELSE
          PERFORM pg_notify('${CHANNEL}', w::text) FROM (SELECT DISTINCT workspace_id AS w FROM changed) x;
        END IF;
        RETURN NULL;
      END $$;

      CREATE FUNCTION notify_list_inputs_of_lists() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- a new list can take the place of any list a reader was given for that day: the whole workspace
        IF TG_OP = 'INSERT' AND TG_TABLE_NAME = 'worklists' THEN
          PERFORM pg_notify('${CHANNEL}', w::text) FROM (SELECT DISTINCT workspace_id AS w FROM changed) x;
        ELSIF TG_TABLE_NAME = 'worklists' THEN
          PERFORM pg_notify('${CHANNEL}', w::text || CASE WHEN n <= ${MAX_LIST_IDS} THEN ':' || ids ELSE '' END)
          FROM (SELECT workspace_id AS w, count(DISTINCT id) AS n,
                       string_agg(DISTINCT id::text, ',' ORDER BY id::text) AS ids
                FROM changed GROUP BY workspace_id) x;
        ELSE
          PERFORM pg_notify('${CHANNEL}', w::text || CASE WHEN n <= ${MAX_LIST_IDS} THEN ':' || ids ELSE '' END)
          FROM (SELECT workspace_id AS w, count(DISTINCT worklist_id) AS n,
                       string_agg(DISTINCT worklist_id::text, ',' ORDER BY worklist_id::text) AS ids
                FROM changed GROUP BY workspace_id) x;
        END IF;
        RETURN NULL;
      END $$;

      CREATE FUNCTION notify_list_inputs_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('${CHANNEL}', '*');
        RETURN NULL;
      END $$;
    `);
    for (const [table, fn] of TRIGGERS) {
      for (const [op, transition] of OPS) {
        await q.query(
          `CREATE TRIGGER ${table}_list_inputs_${op.toLowerCase()} AFTER ${op} ON ${table}
             REFERENCING ${transition} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
        );
      }
      await q.query(
        `CREATE TRIGGER ${table}_list_inputs_truncate AFTER TRUNCATE ON ${table}
           FOR EACH STATEMENT EXECUTE FUNCTION notify_list_inputs_truncated()`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table] of TRIGGERS) {
      for (const [op] of [...OPS, ['TRUNCATE']]) {
        await q.query(`DROP TRIGGER IF EXISTS ${table}_list_inputs_${op.toLowerCase()} ON ${table}`);
      }
    }
    await q.query(`
      DROP FUNCTION IF EXISTS notify_list_inputs_of_workspaces();
      DROP FUNCTION IF EXISTS notify_list_inputs_of_lists();
      DROP FUNCTION IF EXISTS notify_list_inputs_truncated();
    `);
  }
}

const OPS = [
  ['INSERT', 'NEW'],
  ['UPDATE', 'NEW'],
  ['DELETE', 'OLD'],
] as const;

/**
 * The tables a served page is made of, with what a change of theirs invalidates (docs/worklists.md lists why each
 * one is here): lists and their items per list, everything else per workspace.
 */
const TRIGGERS: ReadonlyArray<readonly [string, string]> = [
  ['worklists', 'notify_list_inputs_of_lists'],
  ['worklist_items', 'notify_list_inputs_of_lists'],
  ['customers', 'notify_list_inputs_of_workspaces'],
  ['reps', 'notify_list_inputs_of_workspaces'],
  ['pool_entries', 'notify_list_inputs_of_workspaces'],
  ['offers', 'notify_list_inputs_of_workspaces'],
  ['offer_versions', 'notify_list_inputs_of_workspaces'],
  ['customer_scores', 'notify_list_inputs_of_workspaces'],
  ['workspaces', 'notify_list_inputs_of_workspaces'],
];
