import { ForecastAccuracyRepository } from '../../src/scoring/forecast-accuracy.repository';
import { type BacktestResult, holdoutMetrics } from '../../src/scoring/models/backtest';
import { seedCrm } from '../support/crm-fixture';
import { useTestApp } from '../support/use-test-app';
import { client, keyFor } from '../worklist/worklist-support';
import { runScoring, scoresByExternalId } from './scoring-fixture';

/**
 * Issue 13: every run backtests its candidate models on its own history, stores the figures per run and serves
 * them (GET /v1/score-runs/{id}/accuracy), says in its report which model it chose and why, and scores the same
 * date with unchanged data to the same tiers.
 */
describe('the self-backtest of a scoring run', () => {
  const nest = useTestApp({ http: true });
  const AS_OF = '2026-11-23';
  let workspaceId: string;

  beforeAll(async () => {
    ({ workspaceId } = await seedCrm(nest.app, {
      slug: 'acc',
      customers: 400,
      seed: 11,
      asOf: '2026-11-24',
    }));
  });

  it('stores and serves each candidate’s backtest figures and reports the choice; same date, same data → same scores', async () => {
    const run = await runScoring(nest.app, workspaceId, AS_OF);
    expect(run.status).toBe('completed');
    const choice = (run.report as { models: { choice: Record<string, unknown>; reasons: string[] } }).models;
    expect(choice.choice).toMatchObject({ horizons: expect.any(Array) });
    expect(choice.reasons.join('\n')).toMatch(/self-backtest/);

    // the learned correction on top of the chosen model: used or not, with its reason in the report's reasons
    const correction = (run.report as { models: { correction?: { used: boolean; reason: string } } }).models
      .correction;
    if (choice.choice.chosen) {
      expect(correction).toMatchObject({ used: expect.any(Boolean), reason: expect.any(String) });
      expect(choice.reasons).toContain(correction!.reason);
    }

    const key = await keyFor(nest.app, workspaceId, 'admin');
    const view = (await client(nest.app).get(`/v1/score-runs/${run.id}/accuracy`, key).expect(200)).body;
    expect(view.runId).toBe(run.id);
    expect(view.reason).toMatch(/lowest mean backtest MAE/);
    // the learned correction as the report has it, with what this run's validation supported for the next one
    if (choice.choice.chosen) {
      const reported = (
        run.report as {
          models: {
            correction: { used: boolean; reason: string; supported: { count: boolean; pBuy: boolean } };
          };
        }
      ).models.correction;
      expect(view.correction).toMatchObject({
        used: reported.used,
        reason: reported.reason,
        supported: { expectedPurchases: reported.supported.count, pBuy: reported.supported.pBuy },
      });
      expect(view.correction.coefficients).toBeUndefined();
      // per value tier at the split: over all buyers, the chosen model's stored backtest row at the longest horizon
      const longest = view.backtests
        .filter((b: { model: string }) => b.model === view.chosen)
        .sort((p: { horizonDays: number }, q: { horizonDays: number }) => q.horizonDays - p.horizonDays)[0];
      expect(view.byTier).toMatchObject({ model: view.chosen, horizonDays: longest.horizonDays });
      expect(view.byTier.overall.customers).toBe(longest.customers);
      expect(view.byTier.overall.mae).toBeCloseTo(longest.mae, 9);
      expect(view.byTier.overall.aggregateError).toBeCloseTo(longest.aggregateError, 9);
      const groups = Object.values(view.byTier.tiers).filter(Boolean) as Array<{ customers: number }>;
      expect(groups.reduce((n, g) => n + g.customers, 0)).toBe(longest.customers);
      expect(groups.length).toBeGreaterThan(1);
    } else {
      expect(view.correction).toBeNull();
      expect(view.byTier).toBeNull();
    }
    const models = new Set(view.backtests.map((b: { model: string }) => b.model));
    expect([...models].sort()).toEqual(['bg-nbd', 'mbg-nbd', 'pareto-nbd']);
    for (const b of view.backtests) {
      expect(b.customers).toBeGreaterThan(0);
      expect(b.mae).toBeGreaterThanOrEqual(0);
      expect(b.rmse).toBeGreaterThanOrEqual(b.mae);
      expect(b.calibration.length).toBeGreaterThan(0);
    }
    if (view.chosen) {
      expect(view.backtests.filter((b: { chosen: boolean }) => b.chosen).length).toBeGreaterThan(0);
      expect(
        view.backtests.every(
          (b: { chosen: boolean; model: string }) => b.chosen === (b.model === view.chosen),
        ),
      ).toBe(true);
    }
    const [{ n }] = await nest.db.query(
      `SELECT count(*)::int AS n FROM score_run_accuracy WHERE workspace_id = $1 AND run_id = $2`,
      [workspaceId, run.id],
    );
    expect(n).toBe(view.backtests.length);
    // the priority check at the longest backtest horizon, beside the naive rankings, in the report and the view
    const longest = Math.max(...view.backtests.map((b: { horizonDays: number }) => b.horizonDays));
    expect(view.priorityCheck).toMatchObject({ horizonDays: longest, bestNaive: expect.any(String) });
    expect(view.priorityCheck.customers).toBeGreaterThan(0);
    for (const share of Object.values(view.priorityCheck.capture as Record<string, number | null>))
      if (share !== null) expect(share).toBeGreaterThanOrEqual(0);
    expect(view.priorityCheck.worse).toBe(
      view.priorityCheck.capture.priority < view.priorityCheck.capture[view.priorityCheck.bestNaive],
    );
    expect((run.report as { models: { priorityCheck: unknown } }).models.priorityCheck).toEqual(
      view.priorityCheck,
    );
    // the spend model chosen by the same backtest, every candidate's figures and why (issue 13 item 4)
    const spendChoice = (run.report as { models: { spendChoice: { chosen: string; reason: string } } }).models
      .spendChoice;
    expect(view.spend).toMatchObject({ chosen: spendChoice.chosen, reason: spendChoice.reason });
    expect(view.spend.candidates.map((c: { model: string }) => c.model)).toEqual([
      'own-mean',
      'gamma-gamma',
      'gamma-gamma-winsorised',
      'log-normal',
    ]);
    expect(view.spend.reason).toMatch(/lowest mean backtest MAE of the holdout buyers' mean order value/);

    // P(buy in the horizon) is stored for every buyer the chosen model scored (null for prospects) and served
    const stored: Array<{
      customer_id: string;
      frequency: number;
      p_alive: number | null;
      p_buy: number | null;
    }> = await nest.db.query(
      `SELECT customer_id::text AS customer_id, frequency, p_alive, p_buy FROM customer_scores WHERE run_id = $1
         ORDER BY customer_id`,
      [run.id],
    );
    const buyers = stored.filter((r) => r.frequency > 0);
    expect(buyers.length).toBeGreaterThan(100);
    for (const r of buyers) {
      expect(r.p_buy).toEqual(expect.any(Number));
      expect(r.p_buy).toBeGreaterThanOrEqual(0);
      expect(r.p_buy).toBeLessThanOrEqual(1);
    }
    expect(new Set(buyers.map((r) => r.p_buy)).size).toBeGreaterThan(10);
    expect(stored.filter((r) => r.frequency === 0).every((r) => r.p_buy === null)).toBe(true);
    const page = (await client(nest.app).get(`/v1/score-runs/${run.id}/scores?limit=1000`, key).expect(200))
      .body;
    expect(page.horizonDays).toBe(run.horizonDays);
    const byId = new Map(stored.map((r) => [r.customer_id, r.p_buy]));
    for (const item of page.items)
      expect([item.customerId, item.pBuy]).toEqual([item.customerId, byId.get(item.customerId)]);
    const customer = (await client(nest.app).get(`/v1/customers/${buyers[0].customer_id}`, key).expect(200))
      .body;
    expect(customer.scores).toMatchObject({ pBuy: buyers[0].p_buy, horizonDays: run.horizonDays });

    // outside the workspace: 404; a run id that does not exist: 404
    const other = await seedCrm(nest.app, { slug: 'acc-other', customers: 30, seed: 3, asOf: '2026-11-24' });
    const otherKey = await keyFor(nest.app, other.workspaceId, 'admin');
    await client(nest.app).get(`/v1/score-runs/${run.id}/accuracy`, otherKey).expect(404);
    await client(nest.app)
      .get(`/v1/score-runs/00000000-0000-4000-8000-000000000000/accuracy`, key)
      .expect(404);
    await client(nest.app).get(`/v1/score-runs/not-a-uuid/accuracy`, key).expect(400);

    // re-scoring the same date with unchanged data: the same model, tiers, lifecycles and model figures. (Priority
    // may move: its growth term compares CLV with the previous run's, and the first run had none.)
    const again = await runScoring(nest.app, workspaceId, AS_OF);
    expect(again.status).toBe('completed');
    const [a, b] = [await scoresByExternalId(nest.db, run.id), await scoresByExternalId(nest.db, again.id)];
    expect(Object.keys(a).length).toBe(run.customersTotal);
    const pick = (scores: typeof a) =>
      Object.fromEntries(
        Object.entries(scores).map(([id, s]) => [
          id,
          [
            s.value_tier,
            s.lifecycle,
            s.p_alive,
            s.p_buy,
            s.expected_purchases,
            s.clv,
            s.rfm_segment,
            s.abc_class,
          ],
        ]),
      );
    expect(pick(b)).toEqual(pick(a));
    // and a third run, whose previous run is as the second's was, equals the second in every column
    const third = await runScoring(nest.app, workspaceId, AS_OF);
    expect(await scoresByExternalId(nest.db, third.id)).toEqual(b);
    const second = (await client(nest.app).get(`/v1/score-runs/${again.id}/accuracy`, key).expect(200)).body;
    expect(second.chosen).toBe(view.chosen);
    expect(second.scale).toBe(view.scale);
    expect(second.priorityCheck).toEqual(view.priorityCheck);
    expect(second.spend).toEqual(view.spend);
  }, 240_000);

  it('stores and serves a horizon where nothing was bought as no aggregate error (it was 0 %, a perfect forecast)', async () => {
    const [{ id }] = await nest.db.query(
      `SELECT id FROM score_runs WHERE workspace_id = $1 AND status = 'completed' ORDER BY created_at LIMIT 1`,
      [workspaceId],
    );
    // a young workspace's shortest horizon: nobody of the sample bought in it, the model expected 1.6 purchases
    const metrics = holdoutMetrics([0.4, 1.2], [0, 0]);
    await nest.app.get(ForecastAccuracyRepository).save(workspaceId, id, {
      cutoffDay: 100,
      horizons: [3],
      customers: 2,
      candidates: [
        {
          model: 'bg-nbd',
          horizons: [{ horizon: 3, metrics, params: { r: 1, alpha: 1, a: 1, b: 1 }, degenerate: [] }],
          meanMae: metrics.mae,
          scale: 1,
          scaleDetail: { logRatios: [], shrinkage: 0, calendarVariance: 0 },
          excluded: false,
          aucBy: 'expected',
          meanAuc: { p_buy: null, expected: null },
        },
      ],
      chosen: null,
      scale: 1,
      reason: 'test',
      seasonality: null,
      seasonalityReason: 'test',
      yearAgo: null,
    } as unknown as BacktestResult);
    const key = await keyFor(nest.app, workspaceId, 'admin');
    const view = (await client(nest.app).get(`/v1/score-runs/${id}/accuracy`, key).expect(200)).body;
    const row = view.backtests.find((b: { horizonDays: number }) => b.horizonDays === 3);
    expect(row).toMatchObject({ actualPurchases: 0, aggregateError: null });
    expect(row.predictedPurchases).toBeCloseTo(1.6, 9);
  });
});
