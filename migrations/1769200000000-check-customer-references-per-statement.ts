import { MigrationInterface, QueryRunner } from 'typeorm';

/** The tables whose `customer_id` referenced `customers(id)` through a per-row foreign key (NO ACTION). */
const REFERENCING = ['orders', 'interactions'] as const;

/**
 * The per-row foreign keys of `orders` and `interactions` to `customers(id)` (NO ACTION) and to `workspaces(id)`
 * (ON DELETE CASCADE) become statement-level triggers over transition tables: PostgreSQL's RI triggers look up and
 * `FOR KEY SHARE`-lock the referenced row once per inserted row, which made landing 2M orders in place cost most of
 * an import (docs/benchmarks.md, CSV import). One query per statement now locks the statement's distinct
 * workspaces and checks and locks its distinct customers — the same locks, so a concurrent delete of either still
 * waits for the inserting transaction — and also refuses a customer of another workspace, which the keys never did.
 * A row's workspace need not be looked up: its customer is in it, and `customers.workspace_id` is a foreign key.
 *
 * The referenced side keeps the keys' semantics: deleting (or truncating, or renumbering) customers still
 * referenced fails with 23503 after the statement, as PostgreSQL's NO ACTION check does; deleting a workspace first
 * deletes its orders and interactions (a BEFORE trigger, so the cascade to its customers then finds them
 * unreferenced). The migration first verifies no order or interaction references a customer of another workspace.
 *
 * The functions are SECURITY DEFINER with `app.cross_tenant` on and a fixed search_path: the tenant policy is
 * forced on every table, while PostgreSQL's own RI queries bypass it (they run as the table owner without forced row
 * security). Under the caller's policy a check would see what the caller's scope shows — a cross-tenant session
 * everything, an unscoped one nothing — and a workspace's delete could not reach its rows; as definer it sees
 * every row whoever calls, and the workspace match is explicit in the query rather than left to the policy.
 */
export class CheckCustomerReferencesPerStatement1769200000000 implements MigrationInterface {
  name = 'CheckCustomerReferencesPerStatement1769200000000';

  async up(q: QueryRunner): Promise<void> {
    const settings = await definerSettings(q);
    for (const table of REFERENCING) {
      const rows = (await q.query(
        `SELECT r.id, r.customer_id FROM ${table} r JOIN customers c ON c.id = r.customer_id
          WHERE c.workspace_id <> r.workspace_id LIMIT 1`,
      )) as { id: string; customer_id: string }[];
      if (rows.length > 0) {
        throw new Error(
          `${table} ${rows[0].id} references customer ${rows[0].customer_id} of another workspace: fix it before this migration`,
        );
      }
    }

    // TG_ARGV[0]: the constraint name errors carry, as the foreign key's did.
    await q.query(`
      CREATE FUNCTION check_customer_references() RETURNS trigger LANGUAGE plpgsql ${settings} AS $$
      DECLARE
        missing record;
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM 1 FROM workspaces w WHERE w.id IN (SELECT workspace_id FROM new_rows) FOR KEY SHARE;
          SELECT n.customer_id, n.workspace_id INTO missing
          FROM (SELECT DISTINCT customer_id, workspace_id FROM new_rows) n
          LEFT JOIN LATERAL (
            SELECT c.id FROM customers c WHERE c.id = n.customer_id AND c.workspace_id = n.workspace_id FOR KEY SHARE
          ) c ON true
          WHERE c.id IS NULL LIMIT 1;
        ELSE
          -- Only rows whose reference changed, as the keys did (an UPDATE OF trigger cannot have transition tables).
          PERFORM 1 FROM workspaces w
          WHERE w.id IN (SELECT n.workspace_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                          WHERE n.workspace_id <> o.workspace_id)
          FOR KEY SHARE;
          SELECT n.customer_id, n.workspace_id INTO missing
          FROM (SELECT DISTINCT n.customer_id, n.workspace_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                 WHERE n.customer_id <> o.customer_id OR n.workspace_id <> o.workspace_id) n
          LEFT JOIN LATERAL (
            SELECT c.id FROM customers c WHERE c.id = n.customer_id AND c.workspace_id = n.workspace_id FOR KEY SHARE
          ) c ON true
          WHERE c.id IS NULL LIMIT 1;
        END IF;
        IF FOUND THEN
          RAISE foreign_key_violation USING
            MESSAGE = format('insert or update on table "%s" violates foreign key constraint "%s"', TG_TABLE_NAME, TG_ARGV[0]),
            DETAIL = format('Key (customer_id)=(%s) is not present in table "customers" in workspace %s.',
                            missing.customer_id, missing.workspace_id),
            TABLE = TG_TABLE_NAME, COLUMN = 'customer_id', CONSTRAINT = TG_ARGV[0], SCHEMA = TG_TABLE_SCHEMA;
        END IF;
        RETURN NULL;
      END $$;

      -- NO ACTION for a DELETE of customers: after the statement, no order or interaction may still name them.
      CREATE FUNCTION refuse_delete_of_referenced_customers() RETURNS trigger LANGUAGE plpgsql ${settings} AS $$
      DECLARE
        gone bigint;
        referencing text;
      BEGIN
        SELECT g.id, CASE WHEN EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = g.id) THEN 'orders' ELSE 'interactions' END
          INTO gone, referencing
        FROM old_rows g
        WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = g.id)
           OR EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id = g.id)
        LIMIT 1;
        IF FOUND THEN
          RAISE foreign_key_violation USING
            MESSAGE = format('update or delete on table "customers" violates foreign key constraint "%s_customer_id_fkey" on table "%s"',
                             referencing, referencing),
            DETAIL = format('Key (id)=(%s) is still referenced from table "%s".', gone, referencing),
            TABLE = referencing, CONSTRAINT = referencing || '_customer_id_fkey', SCHEMA = TG_TABLE_SCHEMA;
        END IF;
        RETURN NULL;
      END $$;

      -- The cascade of the dropped workspace keys, before the row goes: the cascade to customers then finds them free.
      CREATE FUNCTION delete_rows_of_deleted_workspace() RETURNS trigger LANGUAGE plpgsql ${settings} AS $$
      BEGIN
        DELETE FROM orders WHERE workspace_id = OLD.id;
        DELETE FROM interactions WHERE workspace_id = OLD.id;
        RETURN OLD;
      END $$;

      -- Ids are never changed by the code (customers': an identity; SET id = DEFAULT is possible), nor may they
      -- move away from rows naming them. TG_ARGV[0]: the referencing column.
      CREATE FUNCTION refuse_id_change_of_referenced_rows() RETURNS trigger LANGUAGE plpgsql ${settings} AS $$
      DECLARE
        referenced boolean;
      BEGIN
        IF NEW.id IS DISTINCT FROM OLD.id THEN
          EXECUTE format('SELECT EXISTS (SELECT 1 FROM orders WHERE %1$I = $1) OR EXISTS (SELECT 1 FROM interactions WHERE %1$I = $1)',
                         TG_ARGV[0])
            INTO referenced USING OLD.id;
          IF referenced THEN
            RAISE foreign_key_violation USING
              MESSAGE = format('update on table "%s" violates a foreign key of table "orders" or "interactions"', TG_TABLE_NAME),
              DETAIL = format('Key (id)=(%s) is still referenced.', OLD.id), TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA;
          END IF;
        END IF;
        RETURN NEW;
      END $$;

      -- TRUNCATE (even with CASCADE, which no longer reaches orders and interactions) leaves them empty or fails.
      CREATE FUNCTION refuse_truncate_of_referenced_rows() RETURNS trigger LANGUAGE plpgsql ${settings} AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM orders) OR EXISTS (SELECT 1 FROM interactions) THEN
          RAISE foreign_key_violation USING
            MESSAGE = format('cannot truncate table "%s" referenced by orders or interactions', TG_TABLE_NAME),
            HINT = 'Truncate orders and interactions in the same command.';
        END IF;
        RETURN NULL;
      END $$;
    `);

    for (const table of REFERENCING) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_customer_id_fkey`);
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_workspace_id_fkey`);
      await q.query(`
        CREATE TRIGGER ${table}_references_insert AFTER INSERT ON ${table}
          REFERENCING NEW TABLE AS new_rows
          FOR EACH STATEMENT EXECUTE FUNCTION check_customer_references('${table}_customer_id_fkey');
        CREATE TRIGGER ${table}_references_update AFTER UPDATE ON ${table}
          REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
          FOR EACH STATEMENT EXECUTE FUNCTION check_customer_references('${table}_customer_id_fkey');
      `);
    }
    await q.query(`
      CREATE TRIGGER customers_referenced_delete AFTER DELETE ON customers
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete_of_referenced_customers();
      CREATE TRIGGER customers_referenced_id_update BEFORE UPDATE OF id ON customers
        FOR EACH ROW EXECUTE FUNCTION refuse_id_change_of_referenced_rows('customer_id');
      CREATE TRIGGER customers_referenced_truncate AFTER TRUNCATE ON customers
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate_of_referenced_rows();
      CREATE TRIGGER workspaces_delete_orders_and_interactions BEFORE DELETE ON workspaces
        FOR EACH ROW EXECUTE FUNCTION delete_rows_of_deleted_workspace();
      CREATE TRIGGER workspaces_referenced_id_update BEFORE UPDATE OF id ON workspaces
        FOR EACH ROW EXECUTE FUNCTION refuse_id_change_of_referenced_rows('workspace_id');
      CREATE TRIGGER workspaces_referenced_truncate AFTER TRUNCATE ON workspaces
        FOR EACH STATEMENT EXECUTE FUNCTION refuse_truncate_of_referenced_rows();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER workspaces_referenced_truncate ON workspaces;
      DROP TRIGGER workspaces_referenced_id_update ON workspaces;
      DROP TRIGGER workspaces_delete_orders_and_interactions ON workspaces;
      DROP TRIGGER customers_referenced_truncate ON customers;
      DROP TRIGGER customers_referenced_id_update ON customers;
      DROP TRIGGER customers_referenced_delete ON customers;
    `);
    for (const table of REFERENCING) {
      await q.query(`
        DROP TRIGGER ${table}_references_update ON ${table};
        DROP TRIGGER ${table}_references_insert ON ${table};
        ALTER TABLE ${table}
          ADD CONSTRAINT ${table}_workspace_id_fkey FOREIGN KEY (workspace_id) REFERENCES workspaces(id) ON DELETE CASCADE,
          ADD CONSTRAINT ${table}_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers(id);
      `);
    }
    await q.query(`
      DROP FUNCTION refuse_truncate_of_referenced_rows();
      DROP FUNCTION refuse_id_change_of_referenced_rows();
      DROP FUNCTION delete_rows_of_deleted_workspace();
      DROP FUNCTION refuse_delete_of_referenced_customers();
      DROP FUNCTION check_customer_references();
    `);
  }
}

/**
 * The settings of a trigger function that must see every workspace's rows whoever fires it (see above): SECURITY
 * DEFINER with `app.cross_tenant` on and the migration's schema as a fixed search_path.
 */
export async function definerSettings(q: QueryRunner): Promise<string> {
  const [{ schema }] = (await q.query(`SELECT current_schema() AS schema`)) as { schema: string }[];
  return `SECURITY DEFINER SET search_path = ${quoteIdent(schema)}, pg_temp SET app.cross_tenant = 'on'`;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
