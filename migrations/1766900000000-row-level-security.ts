import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Row-level security as a second wall behind the `WHERE workspace_id = $1` of every statement (docs/architecture.md
 * "Row-level security"). The application's connections `SET ROLE callplan_app` (src/database/tenant-connection.ts):
 * a role that is neither superuser nor BYPASSRLS, with DML on every table. Every table with a `workspace_id` column
 * gets FORCE ROW LEVEL SECURITY and one policy: a row is visible and writable only when its workspace is the one
 * the connection's `app.workspace_id` names, or the connection says `app.cross_tenant = on` (sweeps, schedulers,
 * jobs loading their row by primary key). Neither set → no rows: it fails closed.
 *
 * The role is cluster-wide and many databases (tests, several installations) migrate at once: creating it
 * tolerates a concurrent creator. The scoring run creates, attaches and drops its own tables (the partitions of
 * customer_scores), which needs ownership of the parent: the app role owns customer_scores and its partitions.
 * Migrations stay with the owner (the migration connection's role), which is a member of the app role.
 */
export const APP_ROLE = 'callplan_app';

/** Tables the scoring run creates at run time (score-run.tables.ts): the app role owns them. */
const RUN_TABLE = `'^(customer_scores_r|score_inputs_r)[0-9a-f]{32}'`;

/** The policy as this migration first wrote it (migration 1768800000000 puts its settings in sub-selects). */
export const TENANT_POLICY_V1 = `workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid
  OR current_setting('app.cross_tenant', true) = 'on'`;

/**
 * The tenant policy. Each setting is read in a scalar sub-select, evaluated once per statement (an InitPlan), and
 * `workspace_id = $param` is estimated from the column's statistics. Written inline, the planner folded the settings
 * at plan time: on a cross-tenant connection `workspace_id = NULL OR <unknown> = 'on'` came out at 0.5 % of the rows
 * of every scan of every tenant table, and a 20k-customer publish run that way nested-looped over materialised sets
 * once per customer (20 s instead of 1.6 s for its candidate query).
 */
export const TENANT_POLICY = `workspace_id = (SELECT nullif(current_setting('app.workspace_id', true), '')::uuid)
  OR (SELECT current_setting('app.cross_tenant', true)) = 'on'`;

/**
 * The statements that put a tenant table created after this migration behind the same wall: RLS enabled and
 * forced, the tenant policy, and the app role's grants (`grants`: fewer for an append-only table).
 */
export function tenantIsolationSql(table: string, grants = 'SELECT, INSERT, UPDATE, DELETE'): string {
  return `
    ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
    ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON ${table} USING (${TENANT_POLICY}) WITH CHECK (${TENANT_POLICY});
    GRANT ${grants} ON ${table} TO ${APP_ROLE};
  `;
}

export class RowLevelSecurity1766900000000 implements MigrationInterface {
  name = 'RowLevelSecurity1766900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$ BEGIN
        CREATE ROLE ${APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- another database's migration made it
      END $$;
      DO $$ BEGIN
        IF NOT pg_has_role(current_user, '${APP_ROLE}', 'MEMBER') THEN
          EXECUTE format('GRANT ${APP_ROLE} TO %I', current_user);
        END IF;
      END $$;
      DO $$ BEGIN
        EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO ${APP_ROLE}', current_schema());
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER
                          ON ALL TABLES IN SCHEMA %I TO ${APP_ROLE}', current_schema());
        EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO ${APP_ROLE}', current_schema());
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I
                          GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLES TO ${APP_ROLE}',
                       current_schema());
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${APP_ROLE}',
                       current_schema());
      END $$;
    `);
    // the scoring run's DDL: ATTACH needs the parent's ownership, DROP the partition's
    await q.query(`
      DO $$ DECLARE t text; BEGIN
        ALTER TABLE customer_scores OWNER TO ${APP_ROLE};
        FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
                   AND (c.relname = 'customer_scores_default' OR c.relname ~ ${RUN_TABLE}) LOOP
          EXECUTE format('ALTER TABLE %I OWNER TO ${APP_ROLE}', t);
        END LOOP;
      END $$;
    `);
    await q.query(`
      DO $$ DECLARE t text; BEGIN
        FOR t IN SELECT c.relname FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped
                 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname !~ ${RUN_TABLE} LOOP
          EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t);
          EXECUTE format($p$CREATE POLICY tenant_isolation ON %I USING (${TENANT_POLICY_V1}) WITH CHECK (${TENANT_POLICY_V1})$p$, t);
        END LOOP;
      END $$;
      -- ANALYZE needs the table's owner; after a large import the app asks the owner through this function
      CREATE FUNCTION analyze_tenant_table(t regclass) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = pg_catalog, pg_temp AS $$
        BEGIN
          IF (SELECT relname FROM pg_class WHERE oid = t)
             NOT IN ('customers', 'orders', 'interactions', 'order_lines', 'contacts', 'reps', 'teams') THEN
            RAISE EXCEPTION 'analyze_tenant_table: % is not an import target', t;
          END IF;
          EXECUTE format('ANALYZE %s', t);
        END $$;
      REVOKE ALL ON FUNCTION analyze_tenant_table(regclass) FROM PUBLIC;
      GRANT EXECUTE ON FUNCTION analyze_tenant_table(regclass) TO ${APP_ROLE};
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS analyze_tenant_table(regclass);
      DO $$ DECLARE t text; BEGIN
        FOR t IN SELECT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = current_schema() AND p.polname = 'tenant_isolation' LOOP
          EXECUTE format('DROP POLICY tenant_isolation ON %I', t);
          EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY', t);
        END LOOP;
        FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
                   AND (c.relname LIKE 'customer_scores%' OR c.relname ~ ${RUN_TABLE}) LOOP
          EXECUTE format('ALTER TABLE %I OWNER TO %I', t, current_user);
        END LOOP;
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM ${APP_ROLE}', current_schema());
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM ${APP_ROLE}', current_schema());
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON TABLES FROM ${APP_ROLE}', current_schema());
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON SEQUENCES FROM ${APP_ROLE}', current_schema());
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM ${APP_ROLE}', current_schema());
      END $$;
    `);
    // the role stays: other databases of the cluster may use it
  }
}
