import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../../database/sql-repository';
import { Tx } from '../../database/transactions';

/** The encrypted secrets a workspace's inbound messages verify against (previous only while still valid). */
export interface InboundSecretsRow {
  id: string;
  current_enc: Buffer;
  previous_enc: Buffer | null;
}

/** crm_webhook_secrets: one row per workspace, the current inbound secret and the previous one during its grace. */
@Injectable()
export class WebhookSecretsRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** Stores a new current secret, keeping the old one valid for `graceSeconds`; answers until when. */
  async rotate(
    workspaceId: string,
    currentEnc: Buffer,
    graceSeconds: number,
    tx: Tx,
  ): Promise<{ previous_valid_until: Date | null }> {
    const [row] = await this.rows<{ previous_valid_until: Date | null }>(
      `INSERT INTO crm_webhook_secrets AS t (workspace_id, current_enc) VALUES ($1, $2)
         ON CONFLICT (workspace_id) DO UPDATE SET
           previous_enc = t.current_enc, previous_valid_until = now() + make_interval(secs => $3),
           current_enc = EXCLUDED.current_enc, rotated_at = now()
         RETURNING previous_valid_until`,
      [workspaceId, currentEnc, graceSeconds],
      tx,
    );
    return row;
  }

  /** The secrets of the workspace with this slug (an inbound message names its workspace by slug). */
  bySlug(slug: string): Promise<InboundSecretsRow | undefined> {
    return this.crossTenant('an unauthenticated message names its workspace by slug', () =>
      this.first(
        // @crossTenant finds the workspace: the slug is how an unauthenticated message names it
        `SELECT w.id, s.current_enc, CASE WHEN s.previous_valid_until > now() THEN s.previous_enc END AS previous_enc
       FROM workspaces w JOIN crm_webhook_secrets s ON s.workspace_id = w.id WHERE w.slug = $1`,
        [slug],
      ),
    );
  }
}
