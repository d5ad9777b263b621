import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../../database/sql-repository';

/** What the call reach of a customer is computed from: kind, country and the owner's external id. */
export interface ReachSubjectRow {
  kind: string;
  country: string | null;
  owner_external_id: string | null;
}

/**
 * The drawer's own reads beyond the item: whom a customer's call reach is about and the names of the reps it
 * proposes. One small query each, so the drawer does not pay for the whole customer view (several reads and
 * decryptions it would not show).
 */
@Injectable()
export class RepDrawerRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** The customer's kind, country and owner; undefined when there is no such customer in the workspace. */
  reachSubject(workspaceId: string, customerId: string): Promise<ReachSubjectRow | undefined> {
    return this.first<ReachSubjectRow>(
      `SELECT c.kind, c.country::text AS country, r.external_id AS owner_external_id
         FROM customers c LEFT JOIN reps r ON r.id = c.owner_rep_id AND r.workspace_id = c.workspace_id
        WHERE c.workspace_id = $1 AND c.id = $2`,
      [workspaceId, customerId],
    );
  }

  /** The names of the workspace's reps with these external ids, in the order asked (unknown ids left out). */
  async repNames(workspaceId: string, externalIds: readonly string[]): Promise<string[]> {
    if (externalIds.length === 0) return [];
    const rows = await this.rows<{ external_id: string; name: string }>(
      `SELECT external_id, name FROM reps WHERE workspace_id = $1 AND external_id = ANY ($2::text[])`,
      [workspaceId, externalIds],
    );
    const byId = new Map(rows.map((r) => [r.external_id, r.name]));
    return externalIds.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  }
}
