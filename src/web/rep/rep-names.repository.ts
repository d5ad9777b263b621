import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../../database/sql-repository';

/** Reps' names by external id: the drawer names the rep a call-reach proposal points to. */
@Injectable()
export class RepNamesRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** The names of the workspace's reps with these external ids, in the order asked (unknown ids left out). */
  async names(workspaceId: string, externalIds: readonly string[]): Promise<string[]> {
    if (externalIds.length === 0) return [];
    const rows = await this.rows<{ external_id: string; name: string }>(
      `SELECT external_id, name FROM reps WHERE workspace_id = $1 AND external_id = ANY ($2::text[])`,
      [workspaceId, externalIds],
    );
    const byId = new Map(rows.map((r) => [r.external_id, r.name]));
    return externalIds.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
  }
}
