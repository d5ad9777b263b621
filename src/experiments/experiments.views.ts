import {
  apiSchema,
  arr,
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

const strategy = described(
  {
    type: 'object',
    required: ['type'],
    properties: {
      type: oneOfValues(['list', 'holdout', 'offer', 'talk_track']),
      offerCode: described(nullable(str), 'offer arms: the catalog offer (null: no offer)'),
      variant: described(str, 'talk_track arms: the variant key the items record'),
    },
  },
  'what the arm does to its customers’ items',
);

const arm = obj({
  key: str,
  weight: described(num, 'share of the population; the weights sum to 1'),
  strategy,
});

export const ExperimentSchema = apiSchema(
  'Experiment',
  obj(
    {
      id: uuid,
      name: str,
      startsOn: day,
      endsOn: nullable(day),
      control: described(str, 'the arm the others are compared with'),
      arms: arr(arm),
      createdAt: instant,
    },
    {
      example: {
        id: '3537cbe8-fe8f-491a-9ff0-3aa2afde78a8',
        name: 'talk tracks: warm vs direct',
        startsOn: '2027-01-09',
        endsOn: '2027-03-31',
        control: 'warm',
        arms: [
          { key: 'warm', weight: 0.5, strategy: { type: 'talk_track', variant: 'warm' } },
          { key: 'direct', weight: 0.5, strategy: { type: 'talk_track', variant: 'direct' } },
        ],
        createdAt: '2026-12-06T13:47:03.216Z',
      },
    },
  ),
);
export const ExperimentListSchema = apiSchema('ExperimentList', arr(ExperimentSchema));

/** The body of POST /v1/experiments (validated by experiment-design.ts; 422 with the field path of each issue). */
export const CreateExperimentBodySchema = obj(
  {
    name: str,
    startsOn: described(day, 'today or later in the workspace’s zone; default today'),
    endsOn: day,
    arms: arr(arm, '2–8 arms; keys ^[a-z0-9][a-z0-9_-]{0,39}$'),
    control: described(str, 'default: the holdout arm, else the first arm'),
    holdoutShare: described(
      num,
      'instead of arms: a lists-vs-holdout test with this holdout share, 0.01–0.5',
    ),
  },
  { optional: ['startsOn', 'endsOn', 'arms', 'control', 'holdoutShare'] },
);

const interval = obj({ value: num, low: num, high: num });
const comparison = obj({
  conversionDifference: described(nullable(interval), 'rate arm − control, Newcombe hybrid score interval'),
  conversionLift: described(nullable(interval), 'rate arm / control − 1, Katz log interval'),
  revenueDifference: described(
    nullable(obj({ value: num, low: num, high: num, df: num })),
    'mean revenue per customer arm − control (minor units), Welch interval',
  ),
  revenueLift: described(nullable(interval), 'revenue difference / control mean'),
  sequential: described(
    nullable(obj({ pValue: num, interval })),
    'always-valid (mSPRT) p-value and interval of the conversion difference: valid at any number of looks',
  ),
  significant: described(
    { type: 'boolean' },
    'the fixed-horizon interval excludes 0 (valid for one planned look only)',
  ),
  advice: oneOfValues(['keep_running', 'stop_arm_wins', 'stop_arm_loses', 'stop_no_effect_detected']),
});
const ArmReportSchema = apiSchema(
  'ExperimentArmReport',
  obj({
    arm: str,
    strategy,
    customers: described(int, 'analysed customers (without those left out for a promise)'),
    converted: int,
    conversion: described(nullable(interval), 'conversion rate with its Wilson interval'),
    revenue: described(num, 'revenue in the window, minor units'),
    revenuePerCustomer: num,
    excludedPromised: described(int, 'left out: a callback asked for or a manager’s pin on the first day'),
    exposures: obj({
      customers: int,
      items: int,
      promisedCustomers: described(int, 'holdout customers kept on a list by a promise'),
    }),
    vsControl: described(nullable(comparison), 'null for the control arm'),
  }),
);
export const ExperimentReportSchema = apiSchema(
  'ExperimentReport',
  obj({
    experiment: ExperimentSchema,
    window: obj({ from: day, to: day, ended: { type: 'boolean' } }),
    method: obj({
      level: num,
      alpha: num,
      sequential: oneOfValues(['msprt']),
      relativeEffect: num,
      minCustomersPerArm: int,
    }),
    excludedPromised: int,
    arms: arr(ArmReportSchema),
    byTier: map(
      arr(ArmReportSchema),
      'the arms per value tier (tiers as scored when the experiment was made)',
    ),
  }),
);
