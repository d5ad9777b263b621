import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { Queue } from 'bullmq';
import { writeCrmCsvs } from '../../src/generator/crm-csv-writer';
import { ScoreExportService, SCORE_EXPORT_COLUMNS } from '../../src/scoring/score-export.service';
import { ScoreRunRepository } from '../../src/scoring/score-run.repository';
import { ScoreRunService } from '../../src/scoring/score-run.service';
import { queueToken } from '../../src/queue/queue.module';
import { QUEUES } from '../../src/queue/queue-factory';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { seedCrm } from '../support/crm-fixture';
import { queueBackends } from '../support/test-db';
import { useTestApp } from '../support/use-test-app';
import { importCrmDir, runScoring, scoresByExternalId, truncateCrmDir } from './scoring-fixture';

/** Columns a prospect (no counted purchase) legitimately leaves empty: everything computed from purchases. */
const BUYER_ONLY_COLUMNS = [
  'recency_days',
  'r_score',
  'f_score',
  'm_score',
  'rfm_segment',
  'abc_class',
  'p_alive',
  'p_buy',
  'expected_purchases',
  'expected_order_value',
  'clv',
];

describe.each(queueBackends())('nightly scoring run (queues on $name)', ({ redisUrl }) => {
  const DATA_END = '2026-11-24';
  const AS_OF_1 = '2026-08-31';
  const AS_OF_2 = '2026-11-23';
  const nest = useTestApp({ redis: redisUrl });
  let runs: ScoreRunService;
  let workspaceId: string;
  let dir: string;
  let firstRunId: string;

  beforeAll(async () => {
    runs = nest.app.get(ScoreRunService);
    ({ workspaceId, dir } = await seedCrm(nest.app, {
      slug: 'acme',
      customers: 500,
      seed: 7,
      asOf: DATA_END,
    }));
  });

  it('refuses an as-of that is not a calendar day before starting anything (2026-02-30 reached PostgreSQL)', async () => {
    for (const asOf of ['2026-02-30', '2026-13-01', '2026-1-01'])
      await expect(runs.start({ workspaceId, asOf, trigger: 'test' })).rejects.toMatchObject({
        code: 'invalid_as_of',
      });
    const [{ n }] = await nest.db.query(`SELECT count(*)::int AS n FROM score_runs WHERE workspace_id = $1`, [
      workspaceId,
    ]);
    expect(n).toBe(0);
  });

  it('with --as-of ignores everything later: equal to a run on the data truncated at that date', async () => {
    // the end of the as-of day in the workspace time zone (Asia/Shanghai, UTC+8)
    const cutoff = new Date(`2026-09-01T00:00:00+08:00`);
    const truncatedId = await importCrmDir(nest.app, 'acme-truncated', truncateCrmDir(dir, cutoff));
    const [full, truncated] = [
      await runScoring(nest.app, workspaceId, AS_OF_1),
      await runScoring(nest.app, truncatedId, AS_OF_1),
    ];
    expect(full.status).toBe('completed');
    expect(truncated.status).toBe('completed');
    firstRunId = full.id;
    expect(full.customersTotal).toBe(truncated.customersTotal);
    const [a, b] = [
      await scoresByExternalId(nest.db, full.id),
      await scoresByExternalId(nest.db, truncated.id),
    ];
    expect(Object.keys(a).length).toBe(full.customersTotal);
    expect(a).toEqual(b);
    // and the later data did exist in the full workspace
    const [{ later }] = await nest.db.query(
      `SELECT count(*)::int AS later FROM orders WHERE workspace_id = $1 AND placed_at >= $2`,
      [workspaceId, cutoff],
    );
    expect(later).toBeGreaterThan(100);
    expect(full.report).toMatchObject({ history: { mode: 'full', rows: full.customersTotal }, moves: null });
  });

  it('five simultaneous starts make one run, which scores every customer and reports moves since the last', async () => {
    const started = await Promise.all(
      Array.from({ length: 5 }, () =>
        runs.start({ workspaceId, asOf: AS_OF_2, trigger: 'test', publishWorklists: false }),
      ),
    );
    expect(started.filter((s) => s.started)).toHaveLength(1);
    expect(new Set(started.map((s) => s.run.id)).size).toBe(1);
    const run = await runs.waitFor(workspaceId, started[0].run.id, undefined, 90_000);
    expect(run.status).toBe('completed');
    const [{ n }] = await nest.db.query(
      `SELECT count(*)::int AS n FROM score_runs WHERE workspace_id = $1 AND as_of = $2`,
      [workspaceId, AS_OF_2],
    );
    expect(n).toBe(1);

    // every live customer known on the as-of date has a score row
    const [{ expected }] = await nest.db.query(
      `SELECT count(*)::int AS expected FROM customers
       WHERE workspace_id = $1 AND merged_into_id IS NULL AND deleted_at IS NULL
         AND (source_created_at IS NULL OR source_created_at < '2026-11-24T00:00:00+08:00')`,
      [workspaceId],
    );
    const [{ scored }] = await nest.db.query(
      `SELECT count(*)::int AS scored FROM customer_scores WHERE run_id = $1`,
      [run.id],
    );
    expect(run.customersTotal).toBe(expected);
    expect(scored).toBe(expected);
    expect(run.chunksDone).toBe(run.chunksTotal);
    const report = run.report as {
      scored: number;
      tiers: Record<string, number>;
      lifecycles: Record<string, number>;
      models: {
        summary: Record<string, string>;
        reasons: string[];
        spendChoice?: {
          chosen: string;
          reason: string;
          candidates: Array<{ model: string; meanMae: number | null; excluded: string | null }>;
        };
      };
      previousRunId: string;
      moves: { promotions: number; demotions: number; newlyAtRisk: number; top: Record<string, unknown[]> };
      history: { mode: string; rows: number };
    };
    expect(report.scored).toBe(expected);
    expect(Object.values(report.tiers).reduce((s, v) => s + v, 0)).toBe(expected);
    expect(Object.values(report.lifecycles).reduce((s, v) => s + v, 0)).toBe(expected);
    expect(report.models.summary.bgNbd).toBe('fitted');
    // the generator mixes consumers and businesses: spend is too heavy-tailed for Gamma-Gamma, and the report says so
    if (report.models.summary.gammaGamma !== 'fitted') {
      expect(report.models.reasons.join(' ')).toMatch(/Gamma-Gamma fit not used \(q=/);
    }
    // the spend model is chosen by the self-backtest: every candidate's figures, the choice and why (issue 13 item 4)
    const spend = report.models.spendChoice!;
    expect(spend.candidates.map((c) => c.model)).toEqual([
      'own-mean',
      'gamma-gamma',
      'gamma-gamma-winsorised',
      'log-normal',
    ]);
    expect(spend.candidates.find((c) => c.model === 'own-mean')!.meanMae).toBeGreaterThan(0);
    expect(spend.candidates.map((c) => c.model)).toContain(spend.chosen);
    expect(report.models.reasons.join(' ')).toContain(`spend model chosen by the self-backtest:`);
    // three months later: some customers moved up, some down, some became at risk
    expect(report.previousRunId).toBe(firstRunId);
    // the models the previous run's scores used travel to this one, whose choices keep them through a night's
    // sampling noise (models/incumbent.ts)
    const [first] = await nest.db.query(
      `SELECT report #>> '{models,choice,chosen}' AS count, report #>> '{models,spendChoice,chosen}' AS spend,
              model_params #> '{context,forecast,correction}' AS correction,
              report #> '{models,correction,supported}' AS supported
       FROM score_runs WHERE id = $1`,
      [firstRunId],
    );
    const [{ previous }] = await nest.db.query(
      `SELECT model_params -> 'previousModels' AS previous FROM score_runs WHERE id = $1`,
      [run.id],
    );
    expect(first.spend).not.toBeNull();
    const correction = first.correction as { count: number[] | null; pBuy: number[] | null } | null;
    expect(previous).toEqual({
      count: first.count,
      spend: first.spend,
      correction: correction ? { count: correction.count, pBuy: correction.pBuy } : null,
      // what the first run's validation supported: a part not in use switches on only when two runs agree
      correctionSupported: first.supported,
    });
    expect(first.supported).toEqual({ count: expect.any(Boolean), pBuy: expect.any(Boolean) });
    expect(report.moves.promotions).toBeGreaterThan(0);
    expect(report.moves.demotions).toBeGreaterThan(0);
    expect(report.moves.newlyAtRisk).toBeGreaterThan(0);
    expect(report.moves.top.newlyAtRisk.length).toBeGreaterThan(0);
    const [moved] = await nest.db.query(
      `SELECT count(*) FILTER (WHERE n.lifecycle = 'at_risk' AND p.lifecycle <> 'at_risk')::int AS newly_at_risk,
              count(*) FILTER (WHERE n.value_tier = 'core' AND p.value_tier <> 'core'
                                  OR n.value_tier = 'potential' AND p.value_tier = 'general')::int AS promotions
       FROM customer_scores n JOIN customer_scores p ON p.customer_id = n.customer_id AND p.run_id = $2
       WHERE n.run_id = $1`,
      [run.id, firstRunId],
    );
    expect(report.moves).toMatchObject({ newlyAtRisk: moved.newly_at_risk, promotions: moved.promotions });
    // delta history: a row for each customer who changed, not for everyone
    expect(report.history.mode).toBe('delta');
    const [{ h }] = await nest.db.query(`SELECT count(*)::int AS h FROM score_history WHERE run_id = $1`, [
      run.id,
    ]);
    expect(h).toBe(report.history.rows);
    expect(h).toBeGreaterThan(0);
    expect(h).toBeLessThan(expected);

    expect(report.moves.top.newlyAtRisk[0]).toMatchObject({
      externalId: expect.stringMatching(/^cus-/),
      to: 'at_risk',
    });

    // the snapshot is swapped in: the workspace points at the new run, whose rows are a partition of their own
    const [ws] = await nest.db.query(`SELECT current_score_run_id FROM workspaces WHERE id = $1`, [
      workspaceId,
    ]);
    expect(ws.current_score_run_id).toBe(run.id);
    expect(await partitionOf(run.id)).toBe(true);
    expect(
      await nest.db.query(`SELECT relname FROM pg_class WHERE relname LIKE 'score\\_inputs\\_r%'`),
    ).toEqual([]);
  });

  it('re-scoring a date starts from the models the date’s first run was given, not from that run’s own choices', async () => {
    // the current snapshot is the run of AS_OF_2 (above): what it was given is made recognisable, a count model
    // it did not choose and a correction part supported, so that a re-run taking its choices instead would show
    const [current] = await nest.db.query(
      `SELECT r.id, r.report #>> '{models,choice,chosen}' AS chosen
       FROM workspaces w JOIN score_runs r ON r.id = w.current_score_run_id WHERE w.id = $1`,
      [workspaceId],
    );
    const given = {
      count: ['bg-nbd', 'mbg-nbd', 'pareto-nbd'].find((m) => m !== current.chosen),
      spend: 'own-mean',
      correction: null,
      correctionSupported: { count: true, pBuy: false },
    };
    await nest.db.query(
      `UPDATE score_runs SET model_params = jsonb_set(model_params, '{previousModels}', $2::jsonb) WHERE id = $1`,
      [current.id, JSON.stringify(given)],
    );
    const again = await runScoring(nest.app, workspaceId, AS_OF_2);
    expect(again.status).toBe('completed');
    const [{ previous }] = await nest.db.query(
      `SELECT model_params -> 'previousModels' AS previous FROM score_runs WHERE id = $1`,
      [again.id],
    );
    expect(previous).toEqual(given);
    // a later date starts from what that run chose and used
    const runsRepo = nest.app.get(ScoreRunRepository);
    const later = await runsRepo.completedRun(again.id, DATA_END);
    const [chosen] = await nest.db.query(
      `SELECT report #>> '{models,choice,chosen}' AS count, report #> '{models,correction,supported}' AS supported
       FROM score_runs WHERE id = $1`,
      [again.id],
    );
    expect(later!.models.count).toBe(chosen.count);
    expect(later!.models.correctionSupported).toEqual(chosen.supported);
  });

  it('exports every column for buyers; prospects leave only the purchase-based columns empty', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'callplan-export-')), 'scores.csv');
    const { rows } = await nest.app.get(ScoreExportService).exportCsv(workspaceId, file);
    const records = parse(readFileSync(file, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(records).toHaveLength(rows);
    expect(Object.keys(records[0])).toEqual([...SCORE_EXPORT_COLUMNS]);
    const buyers = records.filter((r) => Number(r.frequency) > 0);
    const prospects = records.filter((r) => Number(r.frequency) === 0);
    expect(buyers.length).toBeGreaterThan(100);
    expect(prospects.length).toBeGreaterThan(0);
    for (const r of buyers) {
      for (const column of SCORE_EXPORT_COLUMNS) expect([column, r[column]]).not.toEqual([column, '']);
    }
    // without a paid order: a prospect when they never bought, and not one when their orders are only refunds
    const refunders = new Set(
      (
        await nest.db.query(
          `SELECT DISTINCT c.external_id FROM orders o JOIN customers c ON c.id = o.customer_id
           WHERE o.workspace_id = $1 AND o.status = 'refunded' AND o.deleted_at IS NULL`,
          [workspaceId],
        )
      ).map((r: { external_id: string }) => r.external_id),
    );
    for (const r of prospects) {
      for (const column of SCORE_EXPORT_COLUMNS) {
        if (BUYER_ONLY_COLUMNS.includes(column)) expect([column, r[column]]).toEqual([column, '']);
        else expect([column, r[column]]).not.toEqual([column, '']);
      }
      if (refunders.has(r.customer_external_id)) expect(['churned', 'at_risk']).toContain(r.lifecycle);
      else expect(r.lifecycle).toBe('prospect');
    }
  });

  it('scores a cold-start workspace (30 customers, three weeks) with RFM, ABC and rules, and says why', async () => {
    const coldDir = mkdtempSync(join(tmpdir(), 'callplan-cold-'));
    await writeCrmCsvs({
      customers: 30,
      seed: 3,
      outDir: coldDir,
      asOf: new Date(`${DATA_END}T00:00:00Z`),
      historyDays: 21,
    });
    const coldId = await importCrmDir(nest.app, 'cold', coldDir);
    const run = await runScoring(nest.app, coldId, AS_OF_2);
    expect(run.status).toBe('completed');
    const report = run.report as { models: { summary: Record<string, string>; reasons: string[] } };
    expect(report.models.summary).toEqual({ bgNbd: 'skipped', gammaGamma: 'skipped' });
    expect(report.models.reasons.join(' ')).toMatch(/BG\/NBD not fitted: \d+ buyers and \d+ repeat buyers/);
    expect(report.models.reasons.join(' ')).toMatch(/Gamma-Gamma not fitted/);
    const rows: Array<Record<string, unknown>> = await nest.db.query(
      `SELECT frequency, r_score, f_score, m_score, rfm_segment, abc_class, value_tier, lifecycle, p_alive, p_buy,
              clv, expected_order_value, priority
       FROM customer_scores WHERE run_id = $1`,
      [run.id],
    );
    expect(rows.length).toBe(run.customersTotal);
    const buyers = rows.filter((r) => Number(r.frequency) > 0);
    expect(buyers.length).toBeGreaterThan(3);
    for (const r of buyers) {
      expect(r).toMatchObject({
        r_score: expect.any(Number),
        f_score: expect.any(Number),
        m_score: expect.any(Number),
        rfm_segment: expect.any(String),
        abc_class: expect.stringMatching(/^[ABC]$/),
        p_alive: null,
        p_buy: null,
        clv: null,
        expected_order_value: expect.any(String),
      });
      expect(['new', 'active', 'loyal', 'at_risk', 'churned']).toContain(r.lifecycle);
    }
    expect(rows.some((r) => Number(r.priority) > 0)).toBe(true);
  });

  it('completes an empty workspace with an empty snapshot', async () => {
    const emptyId = (await nest.app.get(WorkspacesService).ensure({ slug: 'empty' })).id;
    const run = await runScoring(nest.app, emptyId, AS_OF_2);
    expect(run).toMatchObject({ status: 'completed', customersTotal: 0, chunksTotal: 0 });
    expect(run.report).toMatchObject({
      scored: 0,
      models: { summary: { bgNbd: 'skipped', gammaGamma: 'skipped' } },
    });
  });

  it('fails a stale run left active by a crashed deployment on the next start, but never a live one', async () => {
    const staleId = await insertActiveRun("now() - interval '2 hours'");
    // a live run: its prepare job waits in the queue (delayed), so it must survive however old it looks
    const liveId = await insertActiveRun("now() - interval '3 hours'", 'other');
    const queue = nest.app.get<Queue>(queueToken(QUEUES.scoring));
    await queue.add('prepare', { runId: liveId }, { jobId: `score-prepare-${liveId}`, delay: 3_600_000 });

    const run = await runScoring(nest.app, workspaceId, AS_OF_2);
    expect(run.status).toBe('completed');
    // full rows stay for this run and the previous one; the first run lives on in score_history only
    expect(await partitionOf(firstRunId)).toBeNull();
    expect(await partitionOf((run.report as { previousRunId: string }).previousRunId)).toBe(true);
    const [stale] = await nest.db.query(`SELECT status, error FROM score_runs WHERE id = $1`, [staleId]);
    expect(stale.status).toBe('failed');
    expect(stale.error).toMatch(/^stale: no live queue job and no progress for 30 minutes/);

    const otherId = (await nest.db.query(`SELECT workspace_id FROM score_runs WHERE id = $1`, [liveId]))[0]
      .workspace_id as string;
    const again = await runs.start({ workspaceId: otherId, asOf: AS_OF_2, trigger: 'test' });
    expect(again).toMatchObject({ started: false, run: { id: liveId } });
    // a run that started moments ago is not stale even though it has no job yet
    await queue.remove(`score-prepare-${liveId}`);
    await nest.db.query(`UPDATE score_runs SET created_at = now() WHERE id = $1`, [liveId]);
    expect(await runs.failIfStale(otherId)).toBeNull();
    await nest.db.query(`UPDATE score_runs SET status = 'failed' WHERE id = $1`, [liveId]);
  });

  it('scores from the customer summaries exactly as from the history, after refunds, merges, deletes, new orders and complaints', async () => {
    // orders of 2026-11-24 known to a run as of the 23rd: pending in the summaries until a later cutoff passes them;
    // a complaint of 2026-08-26: in the 90-day window as of the 23rd, out of it as of the 24th
    await nest.db.query(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       SELECT $1, 'next-day-' || c.id, c.id, TIMESTAMPTZ '2026-11-24T10:00:00+08:00', 5000, 'CNY', 'paid'
       FROM customers c WHERE c.workspace_id = $1 ORDER BY c.id LIMIT 5`,
      [workspaceId],
    );
    await nest.db.query(
      `INSERT INTO interactions (workspace_id, external_id, customer_id, occurred_at, kind)
       SELECT $1, 'old-complaint-' || c.id, c.id, TIMESTAMPTZ '2026-08-26T12:00:00+08:00', 'complaint'
       FROM customers c WHERE c.workspace_id = $1 ORDER BY c.id DESC LIMIT 3`,
      [workspaceId],
    );
    expect((await runScoring(nest.app, workspaceId, AS_OF_2)).status).toBe('completed');
    const night = await runScoring(nest.app, workspaceId, DATA_END);
    expect(night.status).toBe('completed');
    // the cutoff moved a day: exactly the customers it made stale were recomputed (nothing was written): those who
    // paid or were touched on the 24th, and those whose first complaint in the window left it
    const [{ stale }] = await nest.db.query(
      `SELECT count(*)::int AS stale FROM (
         SELECT customer_id FROM orders
         WHERE workspace_id = $1 AND status = 'paid' AND deleted_at IS NULL
           AND placed_at >= '2026-11-24T00:00:00+08:00' AND placed_at < '2026-11-25T00:00:00+08:00'
         UNION
         SELECT customer_id FROM interactions
         WHERE workspace_id = $1 AND occurred_at >= '2026-11-24T00:00:00+08:00' AND occurred_at < '2026-11-25T00:00:00+08:00'
         UNION
         SELECT customer_id FROM interactions
         WHERE workspace_id = $1 AND kind = 'complaint'
           AND occurred_at >= '2026-08-26T00:00:00+08:00' AND occurred_at < '2026-08-27T00:00:00+08:00') s`,
      [workspaceId],
    );
    expect(stale).toBeGreaterThanOrEqual(8);
    expect(night.report).toMatchObject({ customerSummaries: { mode: 'refresh', customers: stale } });

    // a day of CRM changes, each through plain SQL on orders as the sync, import and merge code paths write them
    await nest.db.query(
      `UPDATE orders SET status = 'refunded'
       WHERE id IN (SELECT id FROM orders WHERE workspace_id = $1 AND status = 'paid' ORDER BY id LIMIT 20)`,
      [workspaceId],
    );
    await nest.db.query(
      `UPDATE orders SET deleted_at = now()
       WHERE id IN (SELECT id FROM orders WHERE workspace_id = $1 AND deleted_at IS NULL ORDER BY id DESC LIMIT 10)`,
      [workspaceId],
    );
    const buyers: Array<{ id: string }> = await nest.db.query(
      `SELECT DISTINCT customer_id AS id FROM orders WHERE workspace_id = $1 ORDER BY 1 LIMIT 6`,
      [workspaceId],
    );
    for (let i = 0; i < 3; i++) {
      await nest.db.query(`UPDATE orders SET customer_id = $2 WHERE customer_id = $1`, [
        buyers[i].id,
        buyers[i + 3].id,
      ]);
    }
    await nest.db.query(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       SELECT $1, 'late-' || c.id, c.id, TIMESTAMPTZ '2026-11-24T15:00:00+08:00', 12345, 'CNY', 'paid'
       FROM customers c WHERE c.workspace_id = $1 ORDER BY c.id DESC LIMIT 30`,
      [workspaceId],
    );

    await nest.db.query(
      `INSERT INTO interactions (workspace_id, external_id, customer_id, occurred_at, kind, score)
       SELECT $1, 'day-' || c.id || '-' || k, c.id, TIMESTAMPTZ '2026-11-24T09:00:00+08:00', k,
              CASE WHEN k = 'survey' THEN 2 END
       FROM (SELECT id FROM customers WHERE workspace_id = $1 ORDER BY id LIMIT 40 OFFSET 100) c
       CROSS JOIN (VALUES ('complaint'), ('survey')) AS kinds (k)`,
      [workspaceId],
    );
    await nest.db.query(
      `DELETE FROM interactions
       WHERE id IN (SELECT id FROM interactions WHERE workspace_id = $1 AND kind = 'complaint' ORDER BY id LIMIT 15)`,
      [workspaceId],
    );

    const fromSummaries = await runScoring(nest.app, workspaceId, DATA_END);
    expect(fromSummaries.report).toMatchObject({ customerSummaries: { mode: 'refresh' } });
    // pretend the summaries were already a day ahead: the same run must then read orders and interactions
    await nest.db.query(
      `UPDATE customer_summary_state SET cutoff = cutoff + interval '1 day' WHERE workspace_id = $1`,
      [workspaceId],
    );
    const fromOrders = await runScoring(nest.app, workspaceId, DATA_END);
    expect(fromOrders.report).toMatchObject({ customerSummaries: { mode: 'behind' } });
    // the columns made of purchases and touches (the rest also depends on the previous run, which differs here)
    const purchaseColumns = (scores: Record<string, Record<string, unknown>>) =>
      Object.fromEntries(
        Object.entries(scores).map(([id, s]) => [
          id,
          [
            s.recency_days,
            s.frequency,
            s.monetary,
            s.r_score,
            s.f_score,
            s.m_score,
            s.abc_class,
            s.p_alive,
            s.expected_purchases,
            s.expected_order_value,
            s.clv,
            s.churn_risk,
          ],
        ]),
      );
    const [a, b] = [
      purchaseColumns(await scoresByExternalId(nest.db, fromSummaries.id)),
      purchaseColumns(await scoresByExternalId(nest.db, fromOrders.id)),
    ];
    expect(Object.keys(a).length).toBe(fromSummaries.customersTotal);
    expect(a).toEqual(b);
  });

  /** Whether a run's scores table is attached to customer_scores (null: the table is gone). */
  async function partitionOf(runId: string): Promise<boolean | null> {
    const [row] = await nest.db.query(`SELECT relispartition FROM pg_class WHERE relname = $1`, [
      `customer_scores_r${runId.replace(/-/g, '')}`,
    ]);
    return row ? (row.relispartition as boolean) : null;
  }

  async function insertActiveRun(createdAt: string, slug?: string): Promise<string> {
    let ws = workspaceId;
    if (slug) ws = (await nest.app.get(WorkspacesService).ensure({ slug })).id;
    const [row] = await nest.db.query(
      `INSERT INTO score_runs (workspace_id, as_of, horizon_days, trigger, status, created_at, started_at)
       VALUES ($1, $2, 365, 'test', 'scoring', ${createdAt}, ${createdAt}) RETURNING id`,
      [ws, AS_OF_2],
    );
    return row.id as string;
  }
});
