import {
  apiSchema,
  arr,
  bool,
  day,
  described,
  instant,
  int,
  map,
  nullable,
  num,
  obj,
  str,
  uuid,
} from '../common/api-schema';

export const ExperimentSchema = apiSchema(
  'Experiment',
  obj(
    { id: uuid, name: str, holdoutShare: num, startsOn: day, endsOn: nullable(day), createdAt: instant },
    {
      example: {
        id: '3537cbe8-fe8f-491a-9ff0-3aa2afde78a8',
        name: 'winback-q1',
        holdoutShare: 0.1,
        startsOn: '2027-01-09',
        endsOn: '2027-03-31',
        createdAt: '2026-12-06T13:47:03.216Z',
      },
    },
  ),
);
export const ExperimentListSchema = apiSchema('ExperimentList', arr(ExperimentSchema));

const group = obj({
  customers: int,
  converted: int,
  revenue: described(num, 'revenue in the window, minor units'),
  conversionRate: num,
  revenuePerCustomer: num,
});
const interval = obj({ value: num, low: num, high: num });
const LiftSchema = apiSchema(
  'ExperimentLift',
  obj({
    treated: group,
    holdout: group,
    difference: described(nullable(interval), 'conversion rate treated − holdout with its 95% interval'),
    lift: described(
      nullable(interval),
      'relative lift with its 95% interval (null without conversions in the holdout)',
    ),
    significant: bool,
  }),
);
export const ExperimentReportSchema = apiSchema(
  'ExperimentReport',
  obj({
    experiment: ExperimentSchema,
    window: obj({ from: day, to: day }),
    overall: LiftSchema,
    byTier: map(LiftSchema, 'by value tier'),
  }),
);
