import { apiSchema, arr, described, int, obj, oneOfValues, str } from '../common/api-schema';

const PARTS = ['database', 'queue', 'workers', 'scoring'];
const part = {
  ...obj(
    { status: oneOfValues(['up', 'down']), message: described(str, 'why the part is down') },
    { optional: ['message'] },
  ),
  additionalProperties: true,
};

export const HealthReportSchema = apiSchema(
  'HealthReport',
  obj(
    {
      status: oneOfValues(['ok', 'error']),
      failing: described(arr(oneOfValues(PARTS)), 'the parts that are down'),
      checks: obj(Object.fromEntries(PARTS.map((p) => [p, part]))),
      timeoutMs: described(int, 'the most any one part may take'),
    },
    {
      example: {
        status: 'ok',
        failing: [],
        checks: {
          database: { status: 'up' },
          queue: { status: 'up' },
          workers: { status: 'up' },
          scoring: { status: 'up' },
        },
        timeoutMs: 2000,
      },
    },
  ),
);
