import { MigrationInterface, QueryRunner } from 'typeorm';
import { TENANT_POLICY, TENANT_POLICY_V1 } from './1766900000000-row-level-security';

/**
 * Rewrites the `tenant_isolation` policy of every tenant table so that it reads its two settings in scalar
 * sub-selects (TENANT_POLICY): the same rows pass, but a cross-tenant statement's scans are no longer estimated at
 * 0.5 % of their rows (which had small workspaces' plans nest-loop over materialised sets), and the settings are
 * read once per statement instead of once per row.
 */
export class TenantPolicySettingsOnce1768800000000 implements MigrationInterface {
  name = 'TenantPolicySettingsOnce1768800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(alterEveryPolicy(TENANT_POLICY));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(alterEveryPolicy(TENANT_POLICY_V1));
  }
}

function alterEveryPolicy(policy: string): string {
  return `
    DO $$ DECLARE t text; BEGIN
      FOR t IN SELECT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = current_schema() AND p.polname = 'tenant_isolation' LOOP
        EXECUTE format($p$ALTER POLICY tenant_isolation ON %I USING (${policy}) WITH CHECK (${policy})$p$, t);
      END LOOP;
    END $$;`;
}
