import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which PII_HASH_KEY a workspace's keyed hashes (customers' and contacts' email/phone hashes, wrong-number marks,
 * pull rejects' digests) are under: a fingerprint of the key (PiiCipher.keyId), set by `callplan pii rotate-hash`
 * when it has re-keyed the workspace. NULL or another fingerprint during a rotation means "the previous key".
 */
export class AddWorkspaceHashKey1765900000000 implements MigrationInterface {
  name = 'AddWorkspaceHashKey1765900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE workspaces ADD COLUMN pii_hash_key_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE workspaces DROP COLUMN IF EXISTS pii_hash_key_id`);
  }
}
