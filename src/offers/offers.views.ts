import {
  anyObject,
  apiSchema,
  arr,
  described,
  instant,
  int,
  nullable,
  obj,
  oneOfValues,
  str,
} from '../common/api-schema';

const terms = described(
  anyObject,
  'the offer as stored: title/description (en, zh-CN), tiers, lifecycles, discountPct, minOrderValue, validFrom, ' +
    'validTo, budget (count), budgetMinor, costMinor, attributionDays, priority, eligibility, caps',
);

export const OfferSchema = apiSchema(
  'Offer',
  obj(
    {
      code: str,
      version: described(int, 'send it back as If-Match to change or archive the offer'),
      state: oneOfValues(
        ['active', 'scheduled', 'expired', 'exhausted', 'archived'],
        'as of today in the workspace time zone',
      ),
      terms,
      usage: obj({
        redemptions: int,
        redeemedMinor: described(int, 'money the redemptions cost, minor units'),
        remaining: described(nullable(int), 'redemptions left; null without a count budget'),
        remainingMinor: described(nullable(int), 'money left, minor units; null without a money budget'),
      }),
      archivedAt: nullable(instant),
      createdAt: instant,
      updatedAt: instant,
    },
    {
      example: {
        code: 'WINBACK_STANDARD',
        version: 2,
        state: 'active',
        terms: {
          title: { en: 'a welcome-back discount', 'zh-CN': '回归优惠' },
          description: { en: '10% off your next order', 'zh-CN': '再次下单享九折' },
          tiers: ['core', 'potential', 'general'],
          lifecycles: ['at_risk', 'churned'],
          discountPct: 10,
          budget: 200,
          budgetMinor: 500000,
          priority: 80,
          caps: { perCustomer: { max: 2, days: 30 }, onePerCustomer: true },
        },
        usage: { redemptions: 12, redeemedMinor: 31250, remaining: 188, remainingMinor: 468750 },
        archivedAt: null,
        createdAt: '2026-12-01T08:00:00.000Z',
        updatedAt: '2026-12-05T10:12:00.000Z',
      },
    },
  ),
);
export const OfferListSchema = apiSchema('OfferList', arr(OfferSchema));
export const OfferVersionListSchema = apiSchema(
  'OfferVersionList',
  arr(obj({ version: int, terms, createdBy: nullable(str), createdAt: instant })),
);
