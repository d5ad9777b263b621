import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';
import { Tx } from '../database/transactions';

/** A workspace row as a person sets it (the columns of workspace-fields.ts plus the settings JSON). */
export interface WorkspaceRow {
  id: string;
  slug: string;
  name: string;
  timezone: string;
  locale: string;
  /** char(3): padded by PostgreSQL only when shorter, which a validated code never is */
  currency: string;
  scoring_cron: string;
  settings: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export interface WorkspaceColumns {
  name: string;
  timezone: string;
  locale: string;
  currency: string;
  scoring_cron: string;
  settings: Record<string, unknown>;
}

/** What a workspace holds that a change of currency or time zone affects. */
export interface WorkspaceHoldings {
  customers: number;
  interactions: number;
  /** orders per currency (upper-case ISO code) */
  ordersByCurrency: Record<string, number>;
  completedRuns: number;
}

const COLUMNS = `id, slug, name, timezone, locale, currency, scoring_cron, settings, created_at, updated_at`;

/** The workspaces table (not a tenant table: a row is the tenant) read and written one row at a time. */
@Injectable()
export class WorkspaceRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** Inserts a workspace; undefined when the slug is taken. */
  insert(slug: string, c: WorkspaceColumns, tx?: Tx): Promise<WorkspaceRow | undefined> {
    return this.first<WorkspaceRow>(
      `INSERT INTO workspaces (slug, name, timezone, locale, currency, scoring_cron, settings)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (slug) DO NOTHING
       RETURNING ${COLUMNS}`,
      [slug, c.name, c.timezone, c.locale, c.currency, c.scoring_cron, JSON.stringify(c.settings)],
      tx,
    );
  }

  bySlug(slug: string, tx?: Tx): Promise<WorkspaceRow | undefined> {
    return this.first<WorkspaceRow>(`SELECT ${COLUMNS} FROM workspaces WHERE slug = $1`, [slug], tx);
  }

  byId(id: string, tx?: Tx): Promise<WorkspaceRow | undefined> {
    return this.first<WorkspaceRow>(`SELECT ${COLUMNS} FROM workspaces WHERE id = $1`, [id], tx);
  }

  /** The row, locked until the transaction ends, so two changes of the settings JSON cannot lose each other's keys. */
  lock(id: string, tx: Tx): Promise<WorkspaceRow | undefined> {
    return this.first<WorkspaceRow>(`SELECT ${COLUMNS} FROM workspaces WHERE id = $1 FOR UPDATE`, [id], tx);
  }

  async update(id: string, c: WorkspaceColumns, tx: Tx): Promise<WorkspaceRow> {
    const [row] = await this.returning<WorkspaceRow>(
      `UPDATE workspaces
          SET name = $2, timezone = $3, locale = $4, currency = $5, scoring_cron = $6, settings = $7,
              updated_at = now()
        WHERE id = $1
       RETURNING ${COLUMNS}`,
      [id, c.name, c.timezone, c.locale, c.currency, c.scoring_cron, JSON.stringify(c.settings)],
      tx,
    );
    return row;
  }

  async holdings(workspaceId: string, tx?: Tx): Promise<WorkspaceHoldings> {
    const orders = await this.rows<{ currency: string; n: number }>(
      `SELECT upper(trim(currency)) AS currency, count(*)::int AS n
         FROM orders WHERE workspace_id = $1 GROUP BY 1 ORDER BY 1`,
      [workspaceId],
      tx,
    );
    const [counts] = await this.rows<{ customers: number; interactions: number; runs: number }>(
      `SELECT (SELECT count(*)::int FROM customers WHERE workspace_id = $1) AS customers,
              (SELECT count(*)::int FROM interactions WHERE workspace_id = $1) AS interactions,
              (SELECT count(*)::int FROM score_runs WHERE workspace_id = $1 AND status = 'completed') AS runs`,
      [workspaceId],
      tx,
    );
    return {
      customers: counts.customers,
      interactions: counts.interactions,
      ordersByCurrency: Object.fromEntries(orders.map((o) => [o.currency, o.n])),
      completedRuns: counts.runs,
    };
  }
}
