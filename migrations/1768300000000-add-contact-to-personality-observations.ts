import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A personality per contact person of a business customer (issue 14): an observation with `contact_id` is about
 * that person, one without about the customer as a whole. The contact's own profile is computed from its rows the
 * same way (personality-profile.ts); `customers.personality` and every customer-level read keep to the rows without
 * a contact. Contact rows come only from people (a rep's tag, the questionnaire), never from a CRM import, so the
 * import triggers of 1767300000000 need no change. A contact dropped from the CRM record takes its rows with it.
 */
export class AddContactToPersonalityObservations1768300000000 implements MigrationInterface {
  name = 'AddContactToPersonalityObservations1768300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE personality_observations
        ADD COLUMN contact_id bigint REFERENCES contacts(id) ON DELETE CASCADE;
      CREATE INDEX personality_observations_contact_idx
        ON personality_observations (workspace_id, contact_id, id) WHERE contact_id IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM personality_observations WHERE contact_id IS NOT NULL;
      DROP INDEX IF EXISTS personality_observations_contact_idx;
      ALTER TABLE personality_observations DROP COLUMN IF EXISTS contact_id;
    `);
  }
}
