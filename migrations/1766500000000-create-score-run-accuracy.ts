import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The self-backtest of each scoring run (issue 13): per candidate model and backtest horizon, how right the model
 * fitted on (as-of − h) was about the h days that followed — aggregate error, MAE, RMSE, AUC, top-decile capture,
 * calibration by decile — whether the fit was degenerate, the correction learnt, and which model the run chose.
 * Kept per run (the runs are never deleted), so accuracy can be read over time.
 */
export class CreateScoreRunAccuracy1766500000000 implements MigrationInterface {
  name = 'CreateScoreRunAccuracy1766500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE score_run_accuracy (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        run_id uuid NOT NULL REFERENCES score_runs(id) ON DELETE CASCADE,
        model text NOT NULL CHECK (model IN ('bg-nbd', 'mbg-nbd', 'pareto-nbd')),
        horizon_days int NOT NULL CHECK (horizon_days > 0),
        chosen boolean NOT NULL,
        excluded boolean NOT NULL,
        customers int NOT NULL,
        actual float8 NOT NULL,
        predicted float8 NOT NULL,
        aggregate_error float8 NOT NULL,
        mae float8 NOT NULL,
        rmse float8 NOT NULL,
        auc float8,
        top_decile_capture float8,
        calibration jsonb NOT NULL,
        params jsonb NOT NULL,
        degenerate text[] NOT NULL DEFAULT '{}',
        scale float8 NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (run_id, model, horizon_days)
      );
      CREATE INDEX score_run_accuracy_workspace_idx ON score_run_accuracy (workspace_id, created_at DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS score_run_accuracy`);
  }
}
