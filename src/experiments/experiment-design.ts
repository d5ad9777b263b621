/**
 * An experiment's design, pure (no I/O): its arms, what each arm does to a call list (its strategy), how a
 * customer is assigned to an arm, and the checks a new design must pass. Assignment is a hash, not a table: the
 * same (experiment, customer) lands in the same arm in Node (`armOf`) and in SQL (`ASSIGNMENT_UNIT_SQL`), for the
 * publisher and the report alike, with no state to keep in step.
 */
import { createHash } from 'node:crypto';
import { isDay } from '../common/calendar-day';
import { z } from 'zod';

/**
 * What an arm does to its customers' call-list items.
 * - `list`: the usual list (the control of a strategy test).
 * - `holdout`: kept off the lists, except customers with a promise (a callback they asked for, a manager's pin),
 *   who stay on and are left out of the analysis.
 * - `offer`: the item offers this catalog offer when the customer is eligible for it (`null`: no offer at all).
 * - `talk_track`: the item's talk track is written with this variant (settings.talkTracks.variants, or `default`:
 *   the workspace's own templates) and the item records the key.
 */
export type ArmStrategy =
  | { type: 'list' }
  | { type: 'holdout' }
  | { type: 'offer'; offerCode: string | null }
  | { type: 'talk_track'; variant: string };

export interface Arm {
  key: string;
  /** share of the population, in (0, 1); the weights of an experiment sum to 1 */
  weight: number;
  strategy: ArmStrategy;
  /** the arm's slice [bucketFrom, bucketTo) of the unit interval the assignment hash falls in */
  bucketFrom: number;
  bucketTo: number;
}

export interface ExperimentDesign {
  name: string;
  startsOn: string;
  endsOn: string | null;
  arms: Arm[];
  /** the arm every other arm is compared with */
  control: string;
}

/** A refused field of a new experiment, with its path from the body's root and a machine-readable code. */
export interface DesignIssue {
  path: string;
  code: string;
  message: string;
}

const KEY = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** weights are decimals typed by a person: 0.333 + 0.333 + 0.334 must pass, 0.3 + 0.3 must not */
const WEIGHT_TOLERANCE = 1e-6;

const strategySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('list') }).strict(),
  z.object({ type: z.literal('holdout') }).strict(),
  z.object({ type: z.literal('offer'), offerCode: z.string().min(1).max(64).nullable() }).strict(),
  z.object({ type: z.literal('talk_track'), variant: z.string().regex(KEY) }).strict(),
]);

const bodySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    startsOn: z.string().regex(DAY).optional(),
    endsOn: z.string().regex(DAY).optional(),
    /** the old lists-vs-holdout form: `holdoutShare` alone means arms `holdout` (control) and `lists` */
    holdoutShare: z.number().min(0.01).max(0.5).optional(),
    arms: z
      .array(
        z
          .object({ key: z.string().regex(KEY), weight: z.number().gt(0).lt(1), strategy: strategySchema })
          .strict(),
      )
      .min(2)
      .max(8)
      .optional(),
    control: z.string().regex(KEY).optional(),
  })
  .strict();

/**
 * Checks a new experiment's body against `today` (the workspace's day): every issue with its field path, or the
 * design with its arms' buckets. `offerCodes` are the catalog's codes (an offer arm must name one of them),
 * `talkTrackVariants` the workspace's talk-track variant keys with `default` (a talk-track arm must name one).
 */
export function parseDesign(
  body: unknown,
  today: string,
  offerCodes: ReadonlySet<string>,
  talkTrackVariants: ReadonlySet<string>,
): { design: ExperimentDesign; issues: [] } | { design: null; issues: DesignIssue[] } {
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success) {
    return {
      design: null,
      issues: parsed.error.issues.map((i) => ({
        path: i.path.map(String).join('.') || '(body)',
        code: 'invalid_field',
        message: i.message,
      })),
    };
  }
  const b = parsed.data;
  const issues: DesignIssue[] = [];
  const startsOn = b.startsOn ?? today;
  // A start before today would report a "lift" over days when no list followed the design.
  if (!isDay(startsOn)) issues.push(issue('startsOn', 'invalid_date', 'not a calendar day'));
  else if (startsOn < today)
    issues.push(issue('startsOn', 'start_in_past', `the experiment cannot start before today (${today})`));
  if (b.endsOn !== undefined) {
    if (!isDay(b.endsOn)) issues.push(issue('endsOn', 'invalid_date', 'not a calendar day'));
    else if (b.endsOn < startsOn)
      issues.push(issue('endsOn', 'ends_before_start', 'endsOn is before startsOn'));
  }
  if ((b.holdoutShare === undefined) === (b.arms === undefined))
    issues.push(issue('arms', 'arms_required', 'give either arms or holdoutShare'));
  const raw = b.arms ?? (b.holdoutShare !== undefined ? holdoutArms(b.holdoutShare) : []);
  const control = b.control ?? raw.find((a) => a.strategy.type === 'holdout')?.key ?? raw[0]?.key;
  const sum = raw.reduce((s, a) => s + a.weight, 0);
  if (raw.length > 0 && Math.abs(sum - 1) > WEIGHT_TOLERANCE)
    issues.push(issue('arms', 'weights_sum', `the arms' weights sum to ${round(sum)}, not 1`));
  const seen = new Set<string>();
  raw.forEach((a, i) => {
    if (seen.has(a.key)) issues.push(issue(`arms.${i}.key`, 'duplicate_arm', `arm ${a.key} twice`));
    seen.add(a.key);
    if (a.strategy.type === 'offer' && a.strategy.offerCode !== null && !offerCodes.has(a.strategy.offerCode))
      issues.push(issue(`arms.${i}.strategy.offerCode`, 'unknown_offer', `no offer ${a.strategy.offerCode}`));
    // an undefined variant would render the default track while the report calls it a different one
    if (a.strategy.type === 'talk_track' && !talkTrackVariants.has(a.strategy.variant))
      issues.push(
        issue(`arms.${i}.strategy.variant`, 'unknown_variant', `no talk-track variant ${a.strategy.variant}`),
      );
  });
  if (raw.filter((a) => a.strategy.type === 'holdout').length > 1)
    issues.push(issue('arms', 'two_holdouts', 'at most one holdout arm'));
  if (control !== undefined && !seen.has(control))
    issues.push(issue('control', 'unknown_arm', `no arm ${control}`));
  if (issues.length) return { design: null, issues };
  return {
    design: { name: b.name, startsOn, endsOn: b.endsOn ?? null, arms: withBuckets(raw), control: control! },
    issues: [],
  };
}

/** The old form: the holdout first, so that its bucket [0, share) is the one the first holdout experiments used. */
function holdoutArms(share: number): Array<Omit<Arm, 'bucketFrom' | 'bucketTo'>> {
  return [
    { key: 'holdout', weight: share, strategy: { type: 'holdout' } },
    { key: 'lists', weight: 1 - share, strategy: { type: 'list' } },
  ];
}

/** Consecutive slices of [0, 1) in the arms' order, scaled so that the last one ends exactly at 1. */
export function withBuckets(arms: ReadonlyArray<Omit<Arm, 'bucketFrom' | 'bucketTo'>>): Arm[] {
  const total = arms.reduce((s, a) => s + a.weight, 0);
  let from = 0;
  return arms.map((a, i) => {
    const to = i === arms.length - 1 ? 1 : from + a.weight / total;
    const arm = { ...a, bucketFrom: from, bucketTo: to };
    from = to;
    return arm;
  });
}

/**
 * The customer's point in [0, 1) for this experiment: the first 32 bits of md5("<experiment>:<customer>") over
 * 2³². Equal to ASSIGNMENT_UNIT_SQL.
 */
export function assignmentUnit(experimentId: string, customerId: string): number {
  const hex = createHash('md5').update(`${experimentId}:${customerId}`).digest('hex');
  return parseInt(hex.slice(0, 8), 16) / 4294967296;
}

/** The arm a customer is in: the one whose bucket holds the customer's unit. */
export function armOf<A extends Pick<Arm, 'bucketFrom' | 'bucketTo'>>(
  experimentId: string,
  customerId: string,
  arms: readonly A[],
): A {
  const u = assignmentUnit(experimentId, customerId);
  return arms.find((a) => u >= a.bucketFrom && u < a.bucketTo) ?? arms[arms.length - 1];
}

/** SQL of assignmentUnit over two SQL expressions (uuid and bigint columns, or parameters). */
export const ASSIGNMENT_UNIT_SQL = (experimentId: string, customerId: string) =>
  `(('x' || substr(md5(${experimentId}::text || ':' || ${customerId}::text), 1, 8))::bit(32)::bigint / 4294967296.0)`;

function issue(path: string, code: string, message: string): DesignIssue {
  return { path, code, message };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** What an arm changes on its customers' items: only the offer (null: none) or the talk-track variant. */
export interface ArmEffect {
  offerCode?: string | null;
  talkTrackVariant?: string;
}

/** The effect of a strategy on an item; a holdout customer on a list (a promise) gets the usual item. */
export function armEffect(strategy: ArmStrategy): ArmEffect {
  if (strategy.type === 'offer') return { offerCode: strategy.offerCode };
  if (strategy.type === 'talk_track') return { talkTrackVariant: strategy.variant };
  return {};
}

/**
 * The customer's arm in the experiments running on a list day (overlaps are refused, so one at most), or null
 * when none runs. The publisher and urgent inserts both assign through it, so an item gets the same arm however
 * it reached the list.
 */
export function runningArmOf<A extends Pick<Arm, 'key' | 'strategy' | 'bucketFrom' | 'bucketTo'>>(
  experiments: ReadonlyArray<{ id: string; arms: readonly A[] }>,
  customerId: string,
): { experimentId: string; arm: A } | null {
  const e = experiments[0];
  return e ? { experimentId: e.id, arm: armOf(e.id, customerId, e.arms) } : null;
}
