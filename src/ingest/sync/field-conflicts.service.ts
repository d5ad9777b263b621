import { Injectable } from '@nestjs/common';
import { FieldConflictRow, FieldConflictsRepository } from './field-conflicts.repository';

export interface FieldConflictView {
  customer: { id: string; source: string; externalId: string };
  field: string;
  /** what the CRM (or a CSV import) said, and when (its version time; the import time for a CSV without one) */
  crm: { value: string | null; source: string; at: Date | null };
  /** what Callplan kept, who set it and when */
  kept: { value: string | null; source: string | null; at: Date | null };
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** how many syncs or imports sent a value that was refused */
  occurrences: number;
}

/** Conflicts of field ownership: one entry per customer and field, the latest refused CRM value. */
@Injectable()
export class FieldConflictsService {
  constructor(private readonly repo: FieldConflictsRepository) {}

  async list(
    workspaceId: string,
    limit: number,
    field?: string,
  ): Promise<{ total: number; items: FieldConflictView[] }> {
    const [rows, total] = await Promise.all([
      this.repo.list(workspaceId, limit, field ?? null),
      this.repo.count(workspaceId),
    ]);
    return { total, items: rows.map(view) };
  }
}

function view(r: FieldConflictRow): FieldConflictView {
  return {
    customer: { id: r.customer_id, source: r.source, externalId: r.external_id },
    field: r.field,
    crm: { value: r.crm_value, source: r.crm_source, at: r.crm_at },
    kept: { value: r.kept_value, source: r.kept_source, at: r.kept_at },
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    occurrences: r.occurrences,
  };
}
