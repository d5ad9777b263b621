import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import type { Role } from '../../src/auth/api-key.entity';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';

/** Factories for assignment tests: teams, reps, customers and a score snapshot straight in SQL (set-based). */
export class Org {
  readonly teams = new Map<string, string>();
  readonly reps = new Map<string, string>();
  private runId: string | null = null;

  private constructor(
    readonly app: INestApplicationContext,
    readonly sql: DataSource,
    readonly workspaceId: string,
  ) {}

  static async create(app: INestApplicationContext, slug: string): Promise<Org> {
    const ws = await app.get(WorkspacesService).ensure({ slug });
    return new Org(app, app.get(DataSource), ws.id);
  }

  async team(ext: string): Promise<string> {
    const [row] = await this.sql.query(
      `INSERT INTO teams (workspace_id, external_id, name) VALUES ($1, $2, $2) RETURNING id`,
      [this.workspaceId, ext],
    );
    this.teams.set(ext, row.id);
    return row.id;
  }

  async rep(
    ext: string,
    opts: {
      team?: string | null;
      role?: 'rep' | 'manager' | 'admin';
      manager?: string;
      capacity?: number;
      active?: boolean;
    } = {},
  ): Promise<string> {
    const [row] = await this.sql.query(
      `INSERT INTO reps (workspace_id, external_id, name, role, team_id, manager_id, daily_capacity, active, locale)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'en') RETURNING id`,
      [
        this.workspaceId,
        ext,
        `Rep ${ext}`,
        opts.role ?? 'rep',
        opts.team ? this.teams.get(opts.team) : null,
        opts.manager ? this.reps.get(opts.manager) : null,
        opts.capacity ?? 25,
        opts.active ?? true,
      ],
    );
    this.reps.set(ext, row.id);
    return row.id;
  }

  /** `n` customers `${prefix}-0001…`, owned by `owner` (a rep external id) or unowned; returns their ids. */
  async customers(prefix: string, n: number, owner: string | null): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.sql.query(
      `INSERT INTO customers (workspace_id, external_id, name, owner_rep_id)
       SELECT $1, $2 || '-' || lpad(g::text, 5, '0'), 'Customer ' || $2 || '-' || g, $3
       FROM generate_series(1, $4) g ORDER BY g RETURNING id::text`,
      [this.workspaceId, prefix, owner ? this.reps.get(owner) : null, n],
    );
    return rows.map((r) => r.id);
  }

  /**
   * A completed score run over every customer of the workspace, made current: tier and CLV (minor units) from
   * `score(externalId)`, default general / 10,000.
   */
  async scores(score: (externalId: string) => { tier?: string; clv?: number } = () => ({})): Promise<string> {
    const [run] = await this.sql.query(
      `INSERT INTO score_runs (workspace_id, as_of, horizon_days, status, finished_at) VALUES ($1, current_date, 365, 'completed', now())
       RETURNING id`,
      [this.workspaceId],
    );
    const customers: Array<{ id: string; external_id: string }> = await this.sql.query(
      `SELECT id::text, external_id FROM customers WHERE workspace_id = $1`,
      [this.workspaceId],
    );
    const s = customers.map((c) => ({
      id: c.id,
      ...{ tier: 'general', clv: 10_000 },
      ...score(c.external_id),
    }));
    await this.sql.query(
      `INSERT INTO customer_scores (run_id, customer_id, workspace_id, frequency, monetary, value_tier, frequency_class,
         lifecycle, churn_risk, priority, clv)
       SELECT $1, t.id, $2, 1, 1000, t.tier, 'low', 'active', 0.2, 0.5, t.clv
       FROM unnest($3::bigint[], $4::text[], $5::bigint[]) AS t(id, tier, clv)`,
      [run.id, this.workspaceId, s.map((x) => x.id), s.map((x) => x.tier), s.map((x) => x.clv)],
    );
    await this.sql.query(`UPDATE workspaces SET current_score_run_id = $2 WHERE id = $1`, [
      this.workspaceId,
      run.id,
    ]);
    this.runId = run.id;
    return run.id;
  }

  async key(role: Role, rep?: string): Promise<string> {
    const { key } = await this.app.get(ApiKeysService).create({
      workspaceId: this.workspaceId,
      name: `${role}-${rep ?? 'ws'}`,
      role,
      repId: rep ? this.reps.get(rep)! : null,
    });
    return key;
  }

  async ownerOf(customerId: string): Promise<string | null> {
    const [row] = await this.sql.query(
      `SELECT r.external_id FROM customers c LEFT JOIN reps r ON r.id = c.owner_rep_id WHERE c.id = $1`,
      [customerId],
    );
    return row?.external_id ?? null;
  }

  async countOwned(rep: string): Promise<number> {
    const [row] = await this.sql.query(`SELECT count(*)::int AS n FROM customers WHERE owner_rep_id = $1`, [
      this.reps.get(rep),
    ]);
    return row.n;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are arbitrary JSON, asserted field by field
type Json = any;

export interface Answer<T = Json> {
  status: number;
  body: T;
}

/** A tiny HTTP client for the test app: `call(key)(method, path, body?)`. */
export function client(app: INestApplication) {
  const address = app.getHttpServer().address() as { port: number };
  const base = `http://127.0.0.1:${address.port}`;
  return (key: string | null) =>
    async <T = Json>(method: string, path: string, body?: unknown): Promise<Answer<T>> => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON (e.g. metrics): keep the text
      }
      return { status: res.status, body: parsed as T };
    };
}
