import {
  anyObject,
  apiSchema,
  arr,
  bigId,
  bool,
  day,
  described,
  instant,
  int,
  map,
  nullable,
  num,
  obj,
  oneOfValues,
  str,
  uuid,
} from '../common/api-schema';
import { COUNT_MODELS } from './models/count-models';
import { SPEND_MODELS } from './models/spend-models';
import { VALUE_TIERS } from './models/types';

const nstr = nullable(str);

export const ScoreRunSchema = apiSchema(
  'ScoreRun',
  obj(
    {
      id: uuid,
      workspaceId: uuid,
      asOf: day,
      horizonDays: int,
      trigger: str,
      backtest: described(bool, 'a run as of an earlier day: never touches live scores or lists'),
      status: oneOfValues(['queued', 'preparing', 'scoring', 'finalizing', 'completed', 'failed']),
      customersTotal: int,
      chunksTotal: int,
      chunksDone: int,
      report: described(anyObject, 'counts, moves and timings once finished (docs/scoring-run.md)'),
      error: nstr,
      createdAt: instant,
      finishedAt: nullable(instant),
    },
    {
      example: {
        id: '3509818e-637e-4bca-b0fd-a49f23f5052a',
        workspaceId: '69436154-d815-4cb5-81fc-56e5ded6135d',
        asOf: '2026-12-06',
        horizonDays: 365,
        trigger: 'api',
        backtest: false,
        status: 'scoring',
        customersTotal: 50000,
        chunksTotal: 4,
        chunksDone: 1,
        report: {},
        error: null,
        createdAt: '2026-12-06T02:00:00.000Z',
        finishedAt: null,
      },
    },
  ),
);
export const ScoreRunListSchema = apiSchema('ScoreRunList', arr(ScoreRunSchema));
export const ScoreRunStartedSchema = apiSchema(
  'ScoreRunStarted',
  obj({
    started: described(bool, 'false when a run was already in progress (it is the run returned)'),
    run: ScoreRunSchema,
  }),
);
export const RunScoresPageSchema = apiSchema(
  'RunScoresPage',
  obj({
    runId: uuid,
    asOf: day,
    horizonDays: described(int, 'the forecast horizon of `pBuy` and `expectedPurchases`, in days'),
    backtest: bool,
    items: arr(
      obj({
        customerId: bigId,
        externalId: str,
        recencyDays: nullable(int),
        frequency: num,
        monetary: described(num, 'minor units'),
        rfmSegment: nstr,
        abcClass: nstr,
        valueTier: str,
        frequencyClass: nstr,
        lifecycle: str,
        pAlive: nullable(num),
        pBuy: described(
          nullable(num),
          "probability (0–1) of at least one purchase in the `horizonDays` days after `asOf` (the run's chosen " +
            'purchase model); null without a fitted purchase model, for a customer who never bought, and for runs ' +
            'before P(buy) was stored',
        ),
        expectedPurchases: nullable(num),
        expectedOrderValue: nullable(num),
        clv: nullable(num),
        churnRisk: num,
        priority: num,
      }),
    ),
    nextAfter: described(nullable(bigId), 'pass as `after` for the next page'),
  }),
);

const nnum = nullable(num);

/** The holdout figures of a group of a run's backtest sample: a backtest row's, and each value tier's. */
const holdoutFigures = {
  customers: int,
  actualPurchases: num,
  predictedPurchases: num,
  aggregateError: described(
    nnum,
    '(predicted − actual) / actual; null when nothing was bought but something was predicted',
  ),
  mae: num,
  rmse: num,
  auc: nnum,
  topDecileCapture: nnum,
};
const tierFigures = obj(holdoutFigures);

export const RunAccuracySchema = apiSchema(
  'ScoreRunAccuracy',
  obj({
    runId: uuid,
    asOf: day,
    status: str,
    chosen: described(
      nullable(oneOfValues(['bg-nbd', 'mbg-nbd', 'pareto-nbd'])),
      'the model the run scores with (null: no self-backtest ran, see note)',
    ),
    scale: described(nnum, 'the correction applied to its expected purchases'),
    reason: nullable(str),
    note: nullable(str),
    backtests: arr(
      obj({
        model: oneOfValues(['bg-nbd', 'mbg-nbd', 'pareto-nbd']),
        horizonDays: int,
        chosen: bool,
        excluded: bool,
        degenerate: described(arr(str), 'why the fit is degenerate (empty: it is not)'),
        ...holdoutFigures,
        calibration: arr(obj({ decile: int, customers: int, predicted: num, actual: num })),
        params: map(num),
        scale: num,
      }),
      'per candidate model and backtest horizon: how right the fit on (as-of − h) was about the next h days',
    ),
    priorityCheck: described(
      nullable(
        obj({
          horizonDays: int,
          customers: int,
          holdoutRevenue: described(num, 'net spend of the sampled buyers in the h days, minor units'),
          capture: obj({ priority: nnum, recency: nnum, frequency: nnum, monetary: nnum }),
          bestNaive: oneOfValues(['recency', 'frequency', 'monetary']),
          worse: described(bool, 'the priority captured less than the best naive ranking (the run warns)'),
        }),
      ),
      "share of the sample's revenue in the h days after (as-of − h) brought by the top 10 % of the priority and of each naive ranking (null: no self-backtest)",
    ),
    byTier: described(
      nullable(
        obj({
          model: oneOfValues(COUNT_MODELS),
          horizonDays: int,
          overall: tierFigures,
          tiers: obj(Object.fromEntries(VALUE_TIERS.map((t) => [t, nullable(tierFigures)]))),
        }),
      ),
      "the chosen model at the longest backtest horizon, over every sampled buyer and per value tier the buyer held at the split, as the run's rules put it (null per tier: no buyer of it; null: no model chosen)",
    ),
    correction: described(
      nullable(
        obj({
          used: described(bool, 'the scores use at least one part'),
          expectedPurchases: described(bool, "the counts' part is used (a factor on expected purchases)"),
          pBuy: described(bool, "P(buy)'s part is used"),
          supported: described(
            nullable(obj({ expectedPurchases: bool, pBuy: bool })),
            "the parts this run's validation supported, used or not: a part not in use is switched on when two runs in a row support it (null: a run from before that rule)",
          ),
          reason: str,
          horizonDays: described(
            nullable(int),
            'the backtest split it was learnt on (days before the as-of date)',
          ),
          customers: int,
          buyers: int,
          validation: described(
            nullable(
              obj({
                uncorrected: obj({
                  aggregateError: nnum,
                  mae: num,
                  auc: nnum,
                  topDecileCapture: nnum,
                  aucExpected: described(nnum, 'AUC of the model as is, ranked by expected purchases'),
                }),
                corrected: obj({ aggregateError: nnum, mae: num, auc: nnum, topDecileCapture: nnum }),
              }),
            ),
            'cross-fitted on that split: the chosen model as is and corrected (null: not tried, see reason)',
          ),
        }),
      ),
      'the learned correction on top of the chosen model (docs/models-clv.md, "Learned correction"; null: no model chosen, or a run from before it)',
    ),
    spend: described(
      nullable(
        obj({
          chosen: described(
            oneOfValues(SPEND_MODELS),
            'the spend model the run scores expected order value with',
          ),
          reason: str,
          candidates: arr(
            obj({
              model: oneOfValues(SPEND_MODELS),
              meanMae: described(
                nnum,
                "mean over the horizons of |predicted − actual| mean order value of the holdout's buyers, minor units (null: never fitted)",
              ),
              meanAggregateError: described(
                nnum,
                '(Σ holdout purchases × predicted order value − holdout revenue) / holdout revenue',
              ),
              meanRevenueMae: described(
                nnum,
                "mean |E[X] × order value − holdout revenue| over the sampled buyers, with the chosen count model's E[X]",
              ),
              meanRevenueAggregateError: nnum,
              excluded: described(
                nullable(str),
                'why it was left out of the choice (its fit was rejected); null: it was not',
              ),
            }),
          ),
        }),
      ),
      "the spend model chosen by the self-backtest and every candidate's figures (null: no self-backtest, or the sample had no spend)",
    ),
  }),
);
