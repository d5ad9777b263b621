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
import { VALUE_TIERS } from '../scoring/models/types';

const nstr = nullable(str);
const tier = oneOfValues([...VALUE_TIERS]);
const repRef = obj({ id: uuid, externalId: str, name: str });
const customerRef = obj({ id: bigId, externalId: str, name: nstr });
const teamRef = obj({ id: uuid, externalId: str, name: str });
const tierMap = <T extends object>(v: T) => obj({ core: v, potential: v, general: v });

export const AssignmentHistorySchema = apiSchema(
  'AssignmentHistory',
  obj({
    entries: arr(
      obj({
        id: bigId,
        batchId: uuid,
        customer: customerRef,
        from: nullable(repRef),
        to: nullable(repRef),
        poolTeam: nstr,
        reason: str,
        detail: nstr,
        note: nstr,
        proposalId: nullable(uuid),
        actor: str,
        at: instant,
      }),
    ),
    nextBefore: described(nstr, 'pass as `before` for the next page'),
  }),
);

const tierCounts = obj(
  { total: int, core: int, potential: int, general: int, unscored: int },
  { optional: ['unscored'] },
);
export const TeamLoadSchema = apiSchema(
  'TeamLoad',
  obj({
    team: teamRef,
    scoreRunId: nullable(uuid),
    currency: str,
    workingDays: int,
    reps: arr(
      obj({
        rep: obj({ id: uuid, externalId: str, name: str, role: str, active: bool }),
        dailyCapacity: int,
        accounts: tierCounts,
        expectedValue: described(
          obj({ total: num, core: num, potential: num, general: num }),
          'sum of CLV, minor units',
        ),
        capacity: obj({ accounts: int, use: described(nullable(num), 'share of capacity used') }),
      }),
    ),
    totals: obj({ accounts: tierCounts, expectedValue: num, capacityAccounts: int }),
    pool: obj({ accounts: int, core: int, potential: int, general: int }),
    openProposals: int,
  }),
);

const MOVE_REASONS = [
  'owner_inactive',
  'previous_owner',
  'from_pool',
  'balance_value',
  'balance_workload',
  'no_eligible_rep',
];
const repLoad = obj({
  repId: uuid,
  eligible: bool,
  dailyCapacity: int,
  accounts: int,
  value: num,
  targetAccounts: num,
  targetValue: num,
  withinTolerance: bool,
  rep: nullable(repRef),
});
const proposalHead = {
  id: uuid,
  team: teamRef,
  trigger: oneOfValues(['manual', 'deactivation']),
  mode: oneOfValues(['full', 'orphans']),
  status: oneOfValues(['open', 'applied', 'discarded']),
};
export const ProposalSchema = apiSchema(
  'RebalanceProposal',
  obj({
    ...proposalHead,
    params: described(anyObject, 'the parameters it was computed with (tolerance, includePool…)'),
    scoreRunId: nullable(uuid),
    createdBy: str,
    createdAt: instant,
    closedBy: nstr,
    closedAt: nullable(instant),
    result: described(nullable(anyObject), 'what applying did (moved, skipped…)'),
    summary: obj({
      moves: int,
      byReason: map(int, 'moves per reason'),
      withinTolerance: bool,
      totals: obj({ accounts: int, value: num }),
      before: arr(repLoad),
      after: arr(repLoad),
    }),
    moves: obj({
      total: int,
      offset: int,
      limit: int,
      items: arr(
        obj({
          seq: int,
          customer: customerRef,
          from: nullable(repRef),
          to: described(nullable(repRef), 'null: back to the team pool'),
          reason: oneOfValues(MOVE_REASONS),
          why: described(str, "the reason in the reader's language"),
          tier,
          expectedValue: num,
          contactedRecently: bool,
        }),
      ),
    }),
  }),
);
export const ProposalListSchema = apiSchema(
  'RebalanceProposalList',
  obj({
    proposals: arr(
      obj({ ...proposalHead, moves: int, createdBy: str, createdAt: instant, closedAt: nullable(instant) }),
    ),
  }),
);

export const DeactivationSchema = apiSchema(
  'RepDeactivation',
  obj({
    rep: obj({ id: uuid, externalId: str, active: { type: 'boolean', enum: [false] } }),
    keysRevoked: described(int, "the rep's API keys, revoked with the deactivation"),
    proposal: described(
      nullable(ProposalSchema),
      "where the rep's accounts go: a proposal for the team's manager",
    ),
    releasedToPool: int,
  }),
);

const allowance = obj({
  claimsToday: int,
  claimsLeftToday: int,
  holdings: tierMap(obj({ held: int, cap: nullable(int) })),
});
export const PoolPageSchema = apiSchema(
  'PoolPage',
  obj({
    accounts: arr(
      obj({
        id: bigId,
        externalId: str,
        name: nstr,
        tier,
        expectedValue: described(num, 'CLV of the current snapshot, minor units'),
        lifecycle: nstr,
        team: described(nstr, 'null: the workspace pool, open to every team'),
        releasedAt: nullable(instant),
        releasedFrom: nstr,
        reason: nstr,
      }),
    ),
    nextCursor: nstr,
    allowance: described(nullable(allowance), 'for reps: what they may still claim today'),
  }),
);
export const ClaimResultSchema = apiSchema(
  'PoolClaim',
  obj({ claimed: arr(bigId), batchId: uuid, allowance }),
);
export const RemindersSchema = apiSchema(
  'PoolReminders',
  obj({
    reminders: arr(
      obj({
        id: bigId,
        customer: customerRef,
        rep: str,
        tier,
        lastFollowUpAt: instant,
        releaseOn: day,
        remindedAt: instant,
      }),
    ),
  }),
);
export const PoolPolicySchema = apiSchema(
  'PoolPolicy',
  obj(
    {
      enabled: bool,
      followUpDays: described(
        tierMap(nullable(int)),
        'days without follow-up before release, per tier; null = never',
      ),
      reminderDaysBefore: int,
      holdingCap: described(
        tierMap(nullable(int)),
        'most accounts of a tier a rep may hold and still claim; null = no cap',
      ),
      dailyClaimLimit: int,
      reclaimCooldownDays: int,
      sweepCron: str,
    },
    {
      example: {
        enabled: true,
        followUpDays: { core: 30, potential: 45, general: 60 },
        reminderDaysBefore: 3,
        holdingCap: { core: 50, potential: 100, general: null },
        dailyClaimLimit: 20,
        reclaimCooldownDays: 30,
        sweepCron: '30 5 * * *',
      },
    },
  ),
);
export const SweepReportSchema = apiSchema(
  'PoolSweep',
  obj(
    { workspaceId: uuid, today: day, reminded: int, released: int, skipped: str },
    { optional: ['skipped'] },
  ),
);
