import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Tx } from '../database/transactions';
import { SqlRepository } from '../database/sql-repository';
import { Arm, ArmStrategy, ASSIGNMENT_UNIT_SQL, ExperimentDesign } from './experiment-design';

export interface WorkspaceRow {
  timezone: string;
  current_score_run_id: string | null;
  /** the keys of settings.talkTracks.variants (validated on save), without `default` */
  talk_track_variants: string[];
}

export interface ArmRow {
  key: string;
  weight: number;
  bucketFrom: number;
  bucketTo: number;
  strategy: ArmStrategy;
}

export interface ExperimentRow {
  id: string;
  workspace_id: string;
  name: string;
  starts_on: string;
  ends_on: string | null;
  control_arm: string;
  created_by: string;
  created_at: Date;
  /** in position order */
  arms: ArmRow[];
}

/** One group of the report: a value tier (null: all tiers) and an arm. Sums come as text (numeric). */
export interface ArmGroupRow {
  tier: string | null;
  arm: string;
  /** analysed customers: the arm's population without those promised at the start */
  customers: number;
  converted: number;
  revenue: string;
  revenue_squares: string;
  /** left out of the analysis: a callback or a pin on the experiment's first day */
  promised: number;
}

export interface ExposureCountRow {
  arm: string;
  customers: number;
  items: number;
  /** customers of a holdout arm put on a list by a promise */
  promised_customers: number;
  first_day: string | null;
  last_day: string | null;
}

/** One published item of a running experiment's customer. */
export interface Exposure {
  experimentId: string;
  arm: string;
  customerId: string;
  worklistId: string;
  promised: boolean;
}

/** `e` an experiments row: its arms in position order, as JSON. */
const ARMS_JSON = `(SELECT json_agg(json_build_object('key', a.key, 'weight', a.weight, 'bucketFrom', a.bucket_from,
                     'bucketTo', a.bucket_to, 'strategy', a.strategy) ORDER BY a.position)
                    FROM experiment_arms a WHERE a.experiment_id = e.id AND a.workspace_id = e.workspace_id)`;
const COLUMNS = `e.id, e.workspace_id, e.name, e.starts_on::text AS starts_on, e.ends_on::text AS ends_on,
                 e.control_arm, e.created_by, e.created_at, ${ARMS_JSON} AS arms`;

/** Experiments, their arms and exposures, and the per-arm outcome groups of the report. */
@Injectable()
export class ExperimentRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** The workspace's day zone, current run and talk-track variant keys (settings.talkTracks.variants). */
  async workspaceOf(workspaceId: string): Promise<WorkspaceRow> {
    const ws = await this.first<WorkspaceRow>(
      // @crossTenant the workspace row itself, by its primary key
      `SELECT timezone, current_score_run_id,
              CASE WHEN jsonb_typeof(settings -> 'talkTracks' -> 'variants') = 'object'
                   THEN ARRAY(SELECT jsonb_object_keys(settings -> 'talkTracks' -> 'variants'))
                   ELSE '{}'::text[] END AS talk_track_variants
       FROM workspaces WHERE id = $1`,
      [workspaceId],
    );
    return ws!;
  }

  /** Serialises the creation of a workspace's experiments, so two overlapping ones cannot both pass the check. */
  async lockWorkspace(workspaceId: string, tx: Tx): Promise<void> {
    await this.exec(`SELECT pg_advisory_xact_lock(hashtext('experiments:' || $1::text))`, [workspaceId], tx);
  }

  async overlaps(workspaceId: string, startsOn: string, endsOn: string | null, tx?: Tx): Promise<boolean> {
    const rows = await this.rows<unknown>(
      `SELECT 1 FROM experiments WHERE workspace_id = $1 AND daterange(starts_on, ends_on, '[]') && daterange($2::date, $3::date, '[]')`,
      [workspaceId, startsOn, endsOn],
      tx,
    );
    return rows.length > 0;
  }

  async insert(
    workspaceId: string,
    d: ExperimentDesign & { createdBy: string; tierRunId: string | null },
    tx: Tx,
  ): Promise<string> {
    const [row] = await this.rows<{ id: string }>(
      `INSERT INTO experiments (workspace_id, name, starts_on, ends_on, control_arm, tier_run_id, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [workspaceId, d.name, d.startsOn, d.endsOn, d.control, d.tierRunId, d.createdBy],
      tx,
    );
    await this.insertArms(workspaceId, row.id, d.arms, tx);
    return row.id;
  }

  private async insertArms(workspaceId: string, experimentId: string, arms: readonly Arm[], tx: Tx) {
    await this.exec(
      `INSERT INTO experiment_arms (workspace_id, experiment_id, key, position, weight, bucket_from, bucket_to, strategy)
       SELECT $1, $2, t.key, t.ord - 1, t.weight, t.bucket_from, t.bucket_to, t.strategy
       FROM unnest($3::text[], $4::float8[], $5::float8[], $6::float8[], $7::jsonb[])
         WITH ORDINALITY AS t(key, weight, bucket_from, bucket_to, strategy, ord)`,
      [
        workspaceId,
        experimentId,
        arms.map((a) => a.key),
        arms.map((a) => a.weight),
        arms.map((a) => a.bucketFrom),
        arms.map((a) => a.bucketTo),
        arms.map((a) => JSON.stringify(a.strategy)),
      ],
      tx,
    );
  }

  list(workspaceId: string): Promise<ExperimentRow[]> {
    return this.rows<ExperimentRow>(
      `SELECT ${COLUMNS} FROM experiments e WHERE e.workspace_id = $1 ORDER BY e.starts_on DESC, e.created_at DESC`,
      [workspaceId],
    );
  }

  find(
    workspaceId: string,
    experimentId: string,
    tx?: Tx,
  ): Promise<(ExperimentRow & { timezone: string }) | undefined> {
    return this.first<ExperimentRow & { timezone: string }>(
      `SELECT ${COLUMNS}, w.timezone FROM experiments e JOIN workspaces w ON w.id = e.workspace_id
       WHERE e.id = $1 AND e.workspace_id = $2`,
      [experimentId, workspaceId],
      tx,
    );
  }

  /** The experiments running on `day` (overlaps are refused, so at most one today; the type allows more). */
  runningOn(workspaceId: string, day: string, tx?: Tx): Promise<ExperimentRow[]> {
    return this.rows<ExperimentRow>(
      `SELECT ${COLUMNS} FROM experiments e
       WHERE e.workspace_id = $1 AND e.starts_on <= $2::date AND (e.ends_on IS NULL OR e.ends_on >= $2::date)
       ORDER BY e.starts_on, e.id`,
      [workspaceId, day],
      tx,
    );
  }

  /** Logs the published items of running experiments' customers (a republished list logs again). */
  async insertExposures(workspaceId: string, listDate: string, rows: readonly Exposure[], tx: Tx) {
    if (rows.length === 0) return;
    await this.exec(
      `INSERT INTO experiment_exposures (workspace_id, experiment_id, arm_key, customer_id, worklist_id, list_date, promised)
       SELECT $1, t.experiment_id, t.arm, t.customer_id, t.worklist_id, $2::date, t.promised
       FROM unnest($3::uuid[], $4::text[], $5::bigint[], $6::uuid[], $7::boolean[])
         AS t(experiment_id, arm, customer_id, worklist_id, promised)
       ON CONFLICT (experiment_id, worklist_id, customer_id) DO NOTHING`,
      [
        workspaceId,
        listDate,
        rows.map((r) => r.experimentId),
        rows.map((r) => r.arm),
        rows.map((r) => r.customerId),
        rows.map((r) => r.worklistId),
        rows.map((r) => r.promised),
      ],
      tx,
    );
  }

  exposureCounts(workspaceId: string, experimentId: string): Promise<ExposureCountRow[]> {
    return this.rows<ExposureCountRow>(
      `SELECT arm_key AS arm, count(DISTINCT customer_id)::int AS customers, count(*)::int AS items,
              count(DISTINCT customer_id) FILTER (WHERE promised)::int AS promised_customers,
              min(list_date)::text AS first_day, max(list_date)::text AS last_day
       FROM experiment_exposures WHERE workspace_id = $1 AND experiment_id = $2 GROUP BY arm_key`,
      [workspaceId, experimentId],
    );
  }

  /**
   * Per arm and tier (and per arm over all tiers): the owned live customers the hash puts in the arm, the paid
   * orders of the window [from, to] (days in the workspace zone), and those left out for a promise held on the
   * first day (an open callback or an active pin). Tiers are those of the run current when the experiment was
   * made (before any arm acted), else of the current run.
   */
  armGroups(
    workspaceId: string,
    experimentId: string,
    window: { from: string; to: string; timezone: string },
  ): Promise<ArmGroupRow[]> {
    return this.rows<ArmGroupRow>(
      `WITH e AS (SELECT * FROM experiments WHERE id = $2 AND workspace_id = $1),
       k AS (SELECT ($3::date::timestamp AT TIME ZONE $5) AS t0, (($4::date + 1)::timestamp AT TIME ZONE $5) AS t1,
                    $3::date AS d0),
       promised AS (
         SELECT f.customer_id FROM worklist_follow_ups f, k
         WHERE f.workspace_id = $1 AND f.kind = 'callback' AND f.created_at < k.t0
           AND (f.resolved_at IS NULL OR f.resolved_at >= k.t0)
         UNION
         SELECT p.customer_id FROM worklist_pins p, k
         WHERE p.workspace_id = $1 AND p.starts_on <= k.d0 AND (p.ends_on IS NULL OR p.ends_on >= k.d0)
           AND (p.removed_at IS NULL OR p.removed_at >= k.t0)
       ),
       population AS (
         SELECT c.id, COALESCE(s0.value_tier, s1.value_tier, 'unscored') AS tier, a.key AS arm,
                pr.customer_id IS NOT NULL AS promised
         FROM customers c
         CROSS JOIN e
         JOIN experiment_arms a ON a.experiment_id = e.id AND a.workspace_id = $1
           AND ${ASSIGNMENT_UNIT_SQL('e.id', 'c.id')} >= a.bucket_from
           AND ${ASSIGNMENT_UNIT_SQL('e.id', 'c.id')} < a.bucket_to
         JOIN workspaces w ON w.id = c.workspace_id
         LEFT JOIN customer_scores s0 ON s0.run_id = e.tier_run_id AND s0.customer_id = c.id
         LEFT JOIN customer_scores s1 ON s1.run_id = w.current_score_run_id AND s1.customer_id = c.id
         LEFT JOIN promised pr ON pr.customer_id = c.id
         WHERE c.workspace_id = $1 AND c.owner_rep_id IS NOT NULL AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
       ),
       outcome AS (
         SELECT o.customer_id, sum(o.amount_minor)::numeric AS revenue
         FROM orders o, k
         WHERE o.workspace_id = $1 AND o.status = 'paid' AND o.deleted_at IS NULL
           AND o.placed_at >= k.t0 AND o.placed_at < k.t1
         GROUP BY o.customer_id
       )
       SELECT p.tier, p.arm,
              count(*) FILTER (WHERE NOT p.promised)::int AS customers,
              count(o.customer_id) FILTER (WHERE NOT p.promised)::int AS converted,
              COALESCE(sum(o.revenue) FILTER (WHERE NOT p.promised), 0)::text AS revenue,
              COALESCE(sum(o.revenue * o.revenue) FILTER (WHERE NOT p.promised), 0)::text AS revenue_squares,
              count(*) FILTER (WHERE p.promised)::int AS promised
       FROM population p LEFT JOIN outcome o ON o.customer_id = p.id
       GROUP BY GROUPING SETS ((p.tier, p.arm), (p.arm))`,
      [workspaceId, experimentId, window.from, window.to, window.timezone],
    );
  }
}
