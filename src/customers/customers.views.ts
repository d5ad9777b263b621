import {
  apiSchema,
  arr,
  bigId,
  bool,
  day,
  described,
  instant,
  int,
  nullable,
  num,
  obj,
  oneOfValues,
  str,
  uuid,
} from '../common/api-schema';

const nstr = nullable(str);
/** money as a decimal string of minor units (bigint) */
const minor = {
  type: 'string',
  pattern: '^-?[0-9]+$',
  description: 'minor units of the currency',
  example: '125000',
};
const fieldSource = obj({ setBy: nstr, setAt: nullable(instant) });
const fieldValue = (source: object) => obj({ value: nstr, source, at: nullable(instant) });

export const CustomerScoresView = apiSchema(
  'CustomerScores',
  obj(
    {
      runId: uuid,
      asOf: day,
      recencyDays: nullable(int),
      frequency: num,
      monetary: minor,
      rfm: described(nstr, 'R, F and M quintiles, e.g. "545"'),
      rfmSegment: nstr,
      abcClass: nstr,
      valueTier: str,
      frequencyClass: str,
      lifecycle: str,
      pAlive: nullable(num),
      pBuy: described(
        nullable(num),
        'probability (0–1) that the customer buys at least once in the `horizonDays` days after `asOf`, from the ' +
          "run's chosen purchase model (docs/models-clv.md, P(buy)); null when no purchase model was fitted, for a " +
          'customer who never bought, and for runs before P(buy) was stored',
      ),
      horizonDays: described(int, 'the forecast horizon of `pBuy`, `expectedPurchases` and `clv`, in days'),
      expectedPurchases: nullable(num),
      clv: nullable(minor),
      churnRisk: num,
      priority: num,
      reasons: arr(
        obj({ code: str, weight: described(num, 'priority points this reason adds') }),
        'why the priority is what it is, largest first',
      ),
      lifecycleReasons: described(
        nullable(arr(str)),
        'why the lifecycle is what it is, e.g. ["overdue_vs_cycle", "low_p_alive", "two_way_contact_delays_churn"] ' +
          '(docs/scoring.md#lifecycle); null for runs before these were kept',
      ),
    },
    { description: 'The scores of the current run (null before the first run that included the customer)' },
  ),
);

export const CustomerView = apiSchema(
  'Customer',
  obj(
    {
      id: bigId,
      requestedId: described(bigId, 'the id asked for, when it was a record merged into this customer'),
      kind: str,
      name: nstr,
      email: described(nstr, 'masked (`c***@example.com`) for integration keys'),
      phone: described(nstr, 'masked for integration keys'),
      piiMasked: bool,
      region: nstr,
      country: nstr,
      industry: nstr,
      owner: nullable(obj({ id: uuid, externalId: str, name: str })),
      callReach: described(
        nullable(
          obj({
            ownerReaches: described(
              bool,
              "the owner's shift meets the customer's business hours on at least one of the coming 7 days",
            ),
            reason: described(nullable(oneOfValues(['owner_hours_never_meet'])), 'why the owner cannot call'),
            proposal: described(
              nullable(oneOfValues(['assign_to_rep_in_hours', 'no_rep_in_hours'])),
              'a proposal only: owners are never moved automatically',
            ),
            reps: arr(str, "external ids of the active reps whose shifts meet the customer's hours"),
          }),
        ),
        'whether the account can be called by its owner (null: no owner); docs/worklists.md',
      ),
      personality: nstr,
      fieldSources: obj({ owner: fieldSource, personality: fieldSource }),
      fieldHistory: arr(
        obj({ field: str, old: fieldValue(nstr), new: fieldValue(str) }),
        'latest changes of the fields shared with the CRM, newest first',
      ),
      sourceIds: arr(obj({ id: bigId, source: str, externalId: str })),
      sourceCreatedAt: nullable(instant),
      createdAt: instant,
      deletedAt: nullable(instant),
      erasedAt: nullable(instant),
      contacts: arr(obj({ name: nstr, title: nstr, email: nstr, phone: nstr })),
      orders: obj({
        count: int,
        paid: int,
        paidRevenue: arr(obj({ currency: str, amountMinor: minor }), 'paid revenue per currency'),
        firstOrderAt: nullable(instant),
        lastOrderAt: nullable(instant),
      }),
      interactions: obj({ count: int, lastAt: nullable(instant) }),
      scores: nullable(CustomerScoresView),
    },
    { optional: ['requestedId'] },
  ),
);

export const ErasureReportView = apiSchema(
  'ErasureReport',
  obj(
    {
      customerId: bigId,
      erasedAt: instant,
      erased: described(bool, 'false when the customer had already been erased (nothing changed)'),
      records: described(int, 'source records erased: the customer and every record merged into it'),
      interactionNotes: int,
      contacts: int,
      worklistItems: int,
    },
    {
      example: {
        customerId: '5',
        erasedAt: '2026-12-06T13:47:03.216Z',
        erased: true,
        records: 1,
        interactionNotes: 0,
        contacts: 0,
        worklistItems: 1,
      },
    },
  ),
);

export const MergeView = apiSchema(
  'Merge',
  obj(
    {
      id: uuid,
      winnerId: bigId,
      loserId: bigId,
      reason: str,
      actor: str,
      movedOrders: int,
      movedInteractions: int,
      createdAt: instant,
      undoneAt: nullable(instant),
      winnerExternalId: str,
      loserExternalId: str,
      undoneBy: nstr,
    },
    { optional: ['winnerExternalId', 'loserExternalId', 'undoneBy'] },
  ),
);
export const MergePageView = apiSchema(
  'MergePage',
  obj({ items: arr(MergeView), nextBefore: described(nullable(uuid), 'pass as `before` for the next page') }),
);

export const MergeCandidateView = apiSchema(
  'MergeCandidate',
  obj({
    id: uuid,
    status: oneOfValues(['pending', 'accepted', 'rejected', 'superseded']),
    shared: arr(oneOfValues(['email', 'phone']), 'the contact keys the two share'),
    customers: {
      ...arr(
        obj({
          id: bigId,
          externalId: str,
          kind: str,
          name: described(nstr, "null when outside the caller's scope"),
          currentId: described(bigId, 'the live customer this record stands for now'),
        }),
      ),
      minItems: 2,
      maxItems: 2,
    },
    createdAt: instant,
    decidedAt: nullable(instant),
    decidedBy: nstr,
    mergeId: nullable(uuid),
  }),
);
export const MergeCandidatePageView = apiSchema(
  'MergeCandidatePage',
  obj({ items: arr(MergeCandidateView), nextBefore: nullable(uuid) }),
);
