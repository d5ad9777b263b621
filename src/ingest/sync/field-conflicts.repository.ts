import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../../database/sql-repository';

export interface FieldConflictRow {
  customer_id: string;
  source: string;
  external_id: string;
  field: string;
  crm_value: string | null;
  crm_source: string;
  crm_at: Date | null;
  kept_value: string | null;
  kept_source: string | null;
  kept_at: Date | null;
  first_seen_at: Date;
  last_seen_at: Date;
  occurrences: number;
}

/** The CRM values refused because Callplan owns the field (written by the customer upserts, field-ownership.sql.ts). */
@Injectable()
export class FieldConflictsRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** Newest first; `field` narrows to one field. */
  list(workspaceId: string, limit: number, field: string | null): Promise<FieldConflictRow[]> {
    return this.rows(
      `SELECT k.customer_id::text AS customer_id, c.source, c.external_id, k.field, k.crm_value, k.crm_source,
         k.crm_at, k.kept_value, k.kept_source, k.kept_at, k.first_seen_at, k.last_seen_at, k.occurrences
       FROM customer_field_conflicts k JOIN customers c ON c.id = k.customer_id
       WHERE k.workspace_id = $1 AND ($3::text IS NULL OR k.field = $3)
       ORDER BY k.last_seen_at DESC, k.customer_id, k.field
       LIMIT $2`,
      [workspaceId, limit, field],
    );
  }

  async count(workspaceId: string): Promise<number> {
    const row = await this.first<{ n: number }>(
      `SELECT count(*)::int AS n FROM customer_field_conflicts WHERE workspace_id = $1`,
      [workspaceId],
    );
    return row?.n ?? 0;
  }
}
