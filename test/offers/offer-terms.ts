import { LIFECYCLES, VALUE_TIERS } from '../../src/scoring/models/types';

/** The terms of an offer every customer is eligible for (20 % off, top priority), with `over` laid on top. */
export const offerTerms = (over: Record<string, unknown> = {}) => ({
  title: { en: 'our top pick', 'zh-CN': '精选优惠' },
  description: { en: '20% off your next order', 'zh-CN': '下次下单享八折' },
  tiers: [...VALUE_TIERS],
  lifecycles: [...LIFECYCLES],
  discountPct: 20,
  priority: 1000,
  ...over,
});
