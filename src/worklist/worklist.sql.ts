import { ASSIGNMENT_UNIT_SQL } from '../experiments/experiment-design';
/**
 * Set-based SQL of the daily lists. The candidate query does, over every scored customer of the workspace, what
 * must not be done row by row in Node: the hard contact rules (do-not-call, wrong number, snoozes, follow-ups not
 * yet due, contacted today, per-tier frequency caps, business hours by country) and a pre-ranking by the same
 * expected value `callValue` (ranking.ts) computes, cut per rep at capacity × overfetch. ranking.ts then orders
 * and mixes the few rows per rep that survive. The two value formulas are kept equal by an integration test.
 */
import { CRM_NON_CONTACT_OUTCOMES } from '../scoring/customer-summary.sql';
import { VALUE_TIERS as tiers } from '../scoring/models/types';
import { CONTACT_OUTCOMES, UNANSWERED_OUTCOMES } from './outcome-rules';
import type { WorklistSettings } from './worklist-settings';

const quoted = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');

export interface CandidateParams {
  workspaceId: string;
  runId: string;
  listDate: string;
  timeZone: string;
  scoredAsOf: string;
  horizonDays: number;
  currency: string;
  repIds: string[];
  settings: Readonly<WorklistSettings>;
  referenceValue: number;
  /**
   * the business-hours rule as a set: (rep, customer kind, country) whose customers the rep's shift reaches today;
   * country '' stands for the countries not in `knownCountries` (ranking.ts callableByRep)
   */
  callable: CallableSet;
  knownCountries: string[];
}

/** Parallel arrays of (rep, customer kind, country) triples (ranking.ts callableByRep). */
export interface CallableSet {
  repIds: string[];
  kinds: string[];
  countries: string[];
}

/** The exclusion count's inputs: the candidates' plus the triples reached on some day of the coming week. */
export interface ExclusionParams extends CandidateParams {
  reachable: CallableSet;
}

/** Positional parameters of CANDIDATES_SQL, in order. */
export function candidateParams(p: CandidateParams): unknown[] {
  const s = p.settings;
  return [
    p.workspaceId, // $1
    p.runId, // $2
    p.listDate, // $3
    p.timeZone, // $4
    p.scoredAsOf, // $5
    p.horizonDays, // $6
    p.currency, // $7
    p.repIds, // $8
    s.weights.overdue, // $9
    s.weights.valueAtRisk, // $10
    s.weights.expectedValue, // $11
    s.weights.growth, // $12
    s.weights.prospect, // $13
    s.winBackFactor, // $14
    s.lookaheadDays, // $15
    s.minCycleDays, // $16
    s.due.startRatio, // $17
    s.due.fullRatio, // $18
    s.due.fadeRatio, // $19
    s.prospects.valueMinor ?? Math.max(0, p.referenceValue), // $20
    s.prospects.coldFactor, // $21
    s.prospects.warmDays, // $22
    s.overfetch, // $23
    Math.max(...tiers.map((t) => s.contactCaps[t].perDays)), // $24
    [...tiers], // $25
    tiers.map((t) => s.contactCaps[t].maxCalls), // $26
    tiers.map((t) => s.contactCaps[t].perDays), // $27
    p.callable.repIds, // $28
    p.callable.kinds, // $29
    p.callable.countries, // $30
    p.knownCountries, // $31
    s.snoozeEndedReasonDays, // $32
  ];
}

/** Positional parameters of EXCLUSIONS_SQL: the candidates' ($1–$32), then the week's reachable triples. */
export function exclusionParams(p: ExclusionParams): unknown[] {
  return [
    ...candidateParams(p),
    p.reachable.repIds, // $33
    p.reachable.kinds, // $34
    p.reachable.countries, // $35
  ];
}

/**
 * Joins the (rep, kind, country) triples of CTE `set` to customer `c` as `alias`: a match means the owner's shift
 * reaches the customer ('' stands for a country the time-zone table does not know). A hash join, not a lookup
 * per row.
 */
const reachedBy = (set: string, alias: string) => `
    LEFT JOIN ${set} ${alias} ON ${alias}.rep_id = c.owner_rep_id AND ${alias}.kind = c.kind
      AND ${alias}.country = CASE WHEN upper(trim(c.country)) = ANY ($31::text[]) THEN upper(trim(c.country)) ELSE '' END`;

/**
 * The list day's first and last instant in the workspace's zone ($3, $4), as `k` has them. The scans of the big
 * tables (interactions, outcomes, orders) spell their bounds out instead of reading `k`: joined to `k`, a bound is
 * unknown when the statement is planned — the planner kept only the upper one as an index condition (every
 * interaction of the workspace up to today, 732k rows at 100k customers, read to keep the 3.8k of the capped
 * window), and the first-order aggregate could not be computed in the parallel workers.
 */
const DAY_START = `($3::date::timestamp AT TIME ZONE $4)`;
const DAY_END = `(($3::date + 1)::timestamp AT TIME ZONE $4)`;

/**
 * The statement head shared by CANDIDATES_SQL and EXCLUSIONS_SQL: the day's constants (`k`), and the small sets
 * the contact rules are made of — follow-ups, pins, recent contacts, frequency caps, suppressions (with the first
 * reason that applies: do-not-call, wrong number, snooze). The aggregates are MATERIALIZED: computed once, whatever
 * the planner estimates (with stale statistics right after an import it nested-looped an inlined aggregate once
 * per customer: 16 s instead of 0.3 s for 3,000 customers).
 */
const RULE_SETS = `
  WITH k AS (
    SELECT ${DAY_START} AS day_start, ${DAY_END} AS day_end,
           $3::date AS d, $5::date AS as_of, GREATEST($6::float8, 1) AS h,
           $9::float8 AS w_overdue, $10::float8 AS w_risk, $11::float8 AS w_expected, $12::float8 AS w_growth,
           $13::float8 AS w_prospect, $14::float8 AS win_back, $15::float8 AS lookahead, $16::float8 AS min_cycle,
           $17::float8 AS due_start, $18::float8 AS due_full, $19::float8 AS due_fade,
           $20::float8 AS prospect_value, $21::float8 AS cold_factor, $22::int AS warm_days, $23::int AS overfetch,
           $24::int AS max_cap_days, $32::int AS snooze_ended_days, $7::text AS currency
  ),
  caps AS (SELECT * FROM unnest($25::text[], $26::int[], $27::int[]) AS t(tier, max_calls, per_days)),
  callable AS (SELECT * FROM unnest($28::uuid[], $29::text[], $30::text[]) AS t(rep_id, kind, country)),
  rep AS (SELECT r.id, r.daily_capacity FROM reps r WHERE r.workspace_id = $1 AND r.id = ANY ($8::uuid[])),
  fu AS MATERIALIZED (
    SELECT DISTINCT ON (f.customer_id) f.customer_id, f.kind, f.due_at, f.attempt, f.created_at
    FROM worklist_follow_ups f
    WHERE f.workspace_id = $1 AND f.resolved_at IS NULL
    ORDER BY f.customer_id, f.due_at, f.id
  ),
  pin AS (
    SELECT pn.customer_id, pn.note FROM worklist_pins pn, k
    WHERE pn.workspace_id = $1 AND pn.removed_at IS NULL AND pn.starts_on <= k.d
      AND (pn.ends_on IS NULL OR pn.ends_on >= k.d)
  ),
  touch AS (
    SELECT i.customer_id, i.occurred_at AS at,
           COALESCE(i.outcome, '') NOT IN (${quoted(CRM_NON_CONTACT_OUTCOMES)}) AS completed
    FROM interactions i
    WHERE i.workspace_id = $1 AND i.kind IN ('call', 'visit')
      AND i.occurred_at >= ${DAY_START} - $24::int * interval '24 hours' AND i.occurred_at < ${DAY_END}
    UNION ALL
    SELECT o.customer_id, o.occurred_at, o.outcome IN (${quoted(CONTACT_OUTCOMES)})
    FROM worklist_outcomes o
    WHERE o.workspace_id = $1
      AND o.occurred_at >= ${DAY_START} - $24::int * interval '24 hours' AND o.occurred_at < ${DAY_END}
  ),
  touch_agg AS MATERIALIZED (
    SELECT t.customer_id, bool_or(t.at >= k.day_start) AS today,
           jsonb_agg(jsonb_build_object('at', t.at, 'completed', t.completed) ORDER BY t.at DESC) AS contacts
    FROM touch t, k GROUP BY t.customer_id
  ),
  capped AS MATERIALIZED (
    SELECT t.customer_id FROM touch t
    JOIN customer_scores cs ON cs.run_id = $2 AND cs.customer_id = t.customer_id
    JOIN caps ON caps.tier = cs.value_tier
    CROSS JOIN k
    WHERE t.completed AND t.at >= k.day_start - (caps.per_days - 1) * interval '24 hours' AND t.at < k.day_end
    GROUP BY t.customer_id, caps.max_calls HAVING count(*) >= caps.max_calls
  ),
  blocked AS MATERIALIZED (
    SELECT x.customer_id,
           (array_agg(x.kind ORDER BY array_position(ARRAY['do_not_call', 'wrong_number', 'snooze'], x.kind)))[1]
             AS kind
    FROM contact_suppressions x JOIN customers bc ON bc.id = x.customer_id, k
    WHERE x.workspace_id = $1
      AND (x.kind = 'do_not_call' OR (x.kind = 'snooze' AND x.until > k.d)
           OR (x.kind = 'wrong_number' AND x.phone_hash IS NOT DISTINCT FROM bc.phone_hash))
    GROUP BY x.customer_id
  )`;

/** The scored, live customers of the reps of $8 with the rule sets joined (`s` score, `c` customer). */
const RULED_CUSTOMERS = `
    FROM customer_scores s
    JOIN customers c ON c.id = s.customer_id
    JOIN rep ON rep.id = c.owner_rep_id
    CROSS JOIN k
    LEFT JOIN fu ON fu.customer_id = s.customer_id
    LEFT JOIN pin ON pin.customer_id = s.customer_id
    LEFT JOIN touch_agg ta ON ta.customer_id = s.customer_id
    LEFT JOIN capped cp ON cp.customer_id = s.customer_id
    LEFT JOIN blocked bl ON bl.customer_id = s.customer_id
    ${reachedBy('callable', 'cw')}`;

/** The holdout of a running experiment stays off the lists (urgent service items still reach them). */
/**
 * The customer `c` is in the holdout arm of an experiment running on $3 and has no promise — a callback they asked
 * for or a manager's pin (`pin`) keeps them on the list (src/experiments). Urgent service items still reach them.
 */
const IN_HOLDOUT = `(pin.customer_id IS NULL
        AND NOT EXISTS (SELECT 1 FROM worklist_follow_ups cb WHERE cb.workspace_id = $1 AND cb.customer_id = c.id
                          AND cb.kind = 'callback' AND cb.resolved_at IS NULL)
        AND EXISTS (
          SELECT 1 FROM experiments e
          JOIN experiment_arms a ON a.experiment_id = e.id AND a.workspace_id = $1 AND a.strategy->>'type' = 'holdout'
          WHERE e.workspace_id = $1 AND $3::date >= e.starts_on AND (e.ends_on IS NULL OR $3::date <= e.ends_on)
            AND ${ASSIGNMENT_UNIT_SQL('e.id', 'c.id')} >= a.bucket_from
            AND ${ASSIGNMENT_UNIT_SQL('e.id', 'c.id')} < a.bucket_to))`;

/** Columns about a customer that the talk track and the reasons need; used with CONTEXT_JOINS over `r`, `k`. */
const CONTEXT_COLUMNS = `
  c.name AS customer_name, c.external_id AS customer_external_id, c.personality,
  sc.rfm_segment, sc.priority AS score_priority, lo.amount_minor AS last_order_minor, lo.currency AS last_order_currency,
  lc.occurred_at AS last_complaint_at, lc.note AS last_complaint_note,
  lx.outcome AS last_outcome, lx.occurred_at AS last_outcome_at,
  COALESCE(sc.reasons @> '[{"code": "high_cancellation_rate"}]', false) AS high_cancellation_rate,
  es.until::text AS snooze_until, es.reason AS snooze_reason`;

/** $1 workspace, $2 run; `r.customer_id` the customer, `k` with d, day_start, day_end, snooze_ended_days. */
const CONTEXT_JOINS = `
  JOIN customers c ON c.id = r.customer_id
  JOIN customer_scores sc ON sc.run_id = $2 AND sc.customer_id = r.customer_id
  LEFT JOIN LATERAL (
    SELECT amount_minor, currency FROM orders o
    WHERE o.customer_id = r.customer_id AND o.status = 'paid' AND o.deleted_at IS NULL AND o.placed_at < k.day_end
    ORDER BY o.placed_at DESC LIMIT 1) lo ON true
  LEFT JOIN LATERAL (
    SELECT occurred_at, note FROM interactions i
    WHERE i.customer_id = r.customer_id AND i.kind = 'complaint'
      AND i.occurred_at >= k.day_start - interval '90 days' AND i.occurred_at < k.day_end
    ORDER BY i.occurred_at DESC LIMIT 1) lc ON true
  LEFT JOIN LATERAL (
    SELECT outcome, occurred_at FROM worklist_outcomes o
    WHERE o.workspace_id = $1 AND o.customer_id = r.customer_id
      AND o.occurred_at >= k.day_start - interval '90 days' AND o.occurred_at < k.day_end
    ORDER BY o.occurred_at DESC LIMIT 1) lx ON true
  LEFT JOIN LATERAL (
    SELECT until, reason FROM contact_suppressions x
    WHERE x.workspace_id = $1 AND x.customer_id = r.customer_id AND x.kind = 'snooze'
      AND x.until <= k.d AND x.until > k.d - k.snooze_ended_days
    ORDER BY x.until DESC LIMIT 1) es ON true`;

/**
 * One row per surviving candidate, ordered by rep, prospect flag and pre-rank. `value` is the SQL pre-rank value
 * (equal to callValue()). Instants come back as timestamptz, days as date strings.
 */
export const CANDIDATES_SQL = `${RULE_SETS},
  warm AS MATERIALIZED (
    SELECT x.customer_id, max(x.at) AS last_at FROM (
      SELECT i.customer_id, i.occurred_at AS at FROM interactions i
      WHERE i.workspace_id = $1 AND i.occurred_at >= ${DAY_START} - $22::int * interval '1 day'
        AND i.occurred_at < ${DAY_END}
      UNION ALL
      SELECT o.customer_id, o.occurred_at FROM worklist_outcomes o
      WHERE o.workspace_id = $1 AND o.occurred_at >= ${DAY_START} - $22::int * interval '1 day'
        AND o.occurred_at < ${DAY_END}
    ) x GROUP BY x.customer_id
  ),
  fd AS MATERIALIZED (
    SELECT o.customer_id, (min(o.placed_at) AT TIME ZONE $4)::date AS first_day
    FROM orders o
    WHERE o.workspace_id = $1 AND o.status = 'paid' AND o.deleted_at IS NULL AND o.currency = $7
      AND o.placed_at < (($5::date + 1)::timestamp AT TIME ZONE $4)
    GROUP BY o.customer_id
  ),
  base AS (
    SELECT c.id AS customer_id, c.owner_rep_id AS rep_id, c.kind, c.country::text AS country,
           s.value_tier, s.lifecycle, s.recency_days, s.frequency, s.monetary, s.p_alive, s.expected_purchases,
           s.expected_order_value, s.clv, s.churn_risk,
           CASE WHEN s.frequency >= 2 AND fd.first_day IS NOT NULL AND s.recency_days IS NOT NULL
                THEN ((k.as_of - s.recency_days) - fd.first_day)::float8 / (s.frequency - 1) END AS own_cycle,
           CASE WHEN s.frequency >= 2 THEN k.as_of - fd.first_day END AS first_age,
           fu.kind AS fu_kind, fu.due_at AS fu_due, fu.attempt AS fu_attempt, fu.created_at AS fu_created,
           pin.customer_id IS NOT NULL AS pinned, pin.note AS pin_note, ta.contacts,
           CASE WHEN w.last_at IS NOT NULL THEN k.d - (w.last_at AT TIME ZONE $4)::date END AS days_since_interaction,
           (s.lifecycle = 'prospect') AS prospect
    ${RULED_CUSTOMERS}
    LEFT JOIN fd ON fd.customer_id = s.customer_id AND s.frequency >= 2
    LEFT JOIN warm w ON w.customer_id = s.customer_id
    WHERE s.run_id = $2 AND c.workspace_id = $1 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
      AND bl.customer_id IS NULL
      AND NOT ${IN_HOLDOUT}
      AND (fu.due_at IS NULL OR fu.due_at < k.day_end)
      AND NOT COALESCE(ta.today, false)
      AND (fu.kind IS NOT DISTINCT FROM 'callback' OR pin.customer_id IS NOT NULL OR cp.customer_id IS NULL)
      AND (fu.kind IS NOT DISTINCT FROM 'callback' OR cw.rep_id IS NOT NULL)
  ),
  v1 AS (
    SELECT b.*,
           CASE WHEN b.expected_order_value IS NOT NULL THEN GREATEST(b.expected_order_value::float8, 0)
                WHEN b.frequency > 0 THEN GREATEST(b.monetary::float8, 0) / b.frequency ELSE 0 END AS eov,
           CASE WHEN b.own_cycle IS NOT NULL AND b.frequency >= 2 THEN GREATEST(k.min_cycle, b.own_cycle) END AS cyc,
           LEAST(GREATEST(b.churn_risk, 0), 1) AS risk,
           GREATEST(COALESCE(b.clv, 0)::float8, 0) AS clv_v,
           GREATEST(COALESCE(b.recency_days, 0), 0) + GREATEST(0, k.d - k.as_of) AS days_silent,
           CASE WHEN b.frequency >= 2 AND b.first_age IS NOT NULL THEN GREATEST(b.first_age, 0) + GREATEST(0, k.d - k.as_of)
                ELSE GREATEST(COALESCE(b.recency_days, 0), 0) + GREATEST(0, k.d - k.as_of) END AS tenure
    FROM base b, k
    OFFSET 0
  ),
  v2 AS (
    SELECT v.*,
           CASE WHEN v.expected_purchases IS NOT NULL THEN GREATEST(v.expected_purchases, 0)
                WHEN v.cyc IS NOT NULL THEN (k.h / v.cyc) * (1 - v.risk) ELSE 0 END AS purchases,
           (GREATEST(v.monetary::float8, 0) * k.h) / GREATEST(v.tenure, k.h) AS pace,
           CASE WHEN v.cyc IS NULL THEN NULL ELSE v.days_silent / v.cyc END AS due_ratio
    FROM v1 v, k
    OFFSET 0
  ),
  v3 AS (
    SELECT v.*,
      CASE WHEN v.prospect THEN
        k.w_prospect * k.prospect_value * (CASE WHEN v.days_since_interaction IS NOT NULL THEN 1 ELSE k.cold_factor END)
      ELSE
        (CASE WHEN v.cyc IS NULL THEN 0 ELSE k.w_overdue * (CASE
           WHEN NOT (v.due_ratio > k.due_start) THEN 0
           WHEN v.due_ratio < k.due_full THEN (v.due_ratio - k.due_start) / (k.due_full - k.due_start)
           WHEN v.due_ratio <= k.due_fade THEN 1
           ELSE k.due_fade / v.due_ratio END) * v.eov END)
        + k.w_risk * v.risk * GREATEST(v.clv_v, v.pace) * (CASE WHEN v.lifecycle = 'churned' THEN k.win_back ELSE 1 END)
        + k.w_expected * ((v.purchases * v.eov * LEAST(k.lookahead, k.h)) / k.h)
        + k.w_growth * GREATEST(0, v.clv_v - v.pace)
      END AS value
    FROM v2 v, k
  ),
  ranked AS (
    SELECT v.*, row_number() OVER (
      PARTITION BY v.rep_id, v.prospect
      ORDER BY (v.fu_kind IS NOT NULL OR v.pinned) DESC, v.value DESC, v.customer_id) AS rn
    FROM v3 v
  )
  SELECT r.rep_id, r.customer_id::text AS customer_id, r.kind, r.country, r.value_tier, r.lifecycle, r.recency_days,
         r.frequency, r.monetary::float8 AS monetary, r.p_alive, r.expected_purchases,
         r.expected_order_value::float8 AS expected_order_value, r.clv::float8 AS clv, r.churn_risk, r.own_cycle,
         r.first_age, r.fu_kind, r.fu_due, r.fu_attempt, r.fu_created, r.pinned, r.pin_note, r.contacts,
         r.days_since_interaction, r.prospect, r.value, r.rn::int AS rn, ${CONTEXT_COLUMNS}
  FROM ranked r
  JOIN rep ON rep.id = r.rep_id
  CROSS JOIN k
  ${CONTEXT_JOINS}
  WHERE r.rn <= rep.daily_capacity * k.overfetch
  ORDER BY r.rep_id, r.prospect, r.rn`;

/**
 * Why each customer of the reps of $8 is on no list today, counted by the first rule that excludes them, in the
 * order of ranking.ts exclusionOf (plus the experiment holdout); `eligible` counts those every rule lets through
 * (the publisher subtracts the listed ones: the rest lost to capacity). Then `never_reachable` rows per customer
 * kind and country: the customers (whatever else excludes them today) whom their owner's shift reaches on none of
 * the coming 7 days ($33–$35) — with up to 100 ids each, the highest priority first. The same CTEs and rules as
 * CANDIDATES_SQL; a test checks the two agree.
 */
export const EXCLUSIONS_SQL = `${RULE_SETS},
  reachable AS (SELECT * FROM unnest($33::uuid[], $34::text[], $35::text[]) AS t(rep_id, kind, country)),
  judged AS (
    SELECT s.customer_id, s.priority,
      CASE WHEN bl.kind = 'snooze' THEN 'snoozed'
           WHEN bl.kind IS NOT NULL THEN bl.kind
           WHEN ${IN_HOLDOUT} THEN 'experiment_holdout'
           WHEN fu.due_at >= k.day_end THEN 'follow_up_pending'
           WHEN COALESCE(ta.today, false) THEN 'contacted_today'
           WHEN NOT (fu.kind IS NOT DISTINCT FROM 'callback' OR pin.customer_id IS NOT NULL OR cp.customer_id IS NULL)
             THEN 'frequency_cap'
           WHEN NOT (fu.kind IS NOT DISTINCT FROM 'callback' OR cw.rep_id IS NOT NULL)
             THEN 'outside_business_hours'
           ELSE 'eligible' END AS reason,
      rw.rep_id IS NULL AS never_reachable, c.kind,
      CASE WHEN upper(trim(c.country)) = ANY ($31::text[]) THEN upper(trim(c.country)) ELSE '' END AS country
    ${RULED_CUSTOMERS}
    ${reachedBy('reachable', 'rw')}
    WHERE s.run_id = $2 AND c.workspace_id = $1 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
  )
  SELECT reason, NULL AS kind, NULL AS country, count(*)::int AS customers, NULL::text[] AS ids
  FROM judged GROUP BY reason
  UNION ALL
  SELECT 'never_reachable', kind, country, count(*)::int,
         (array_agg(customer_id::text ORDER BY priority DESC, customer_id))[1:100]
  FROM judged WHERE never_reachable GROUP BY kind, country`;

/** $1 workspace, then parallel arrays: every item of the new lists in one statement. */
export const INSERT_ITEMS_SQL = `
  INSERT INTO worklist_items (workspace_id, worklist_id, customer_id, rank, priority, reasons, personality, talk_track,
                              offer_code, offer_version, kind, expected_value, summary, call_from, call_to,
                              talk_track_variant, urgent)
  SELECT $1, t.*, false FROM unnest($2::uuid[], $3::bigint[], $4::int[], $5::float8[], $6::jsonb[], $7::text[],
                                    $8::text[], $9::text[], $10::int[], $11::text[], $12::bigint[], $13::text[],
                                    $14::timestamptz[], $15::timestamptz[], $16::text[]) AS t`;

/**
 * Unanswered attempts in a row for a customer, newest first, until the last contact outcome.
 * $1 workspace, $2 customer.
 */
export const UNANSWERED_STREAK_SQL = `
  SELECT count(*)::int AS n FROM worklist_outcomes o
  WHERE o.workspace_id = $1 AND o.customer_id = $2 AND o.outcome IN (${quoted(UNANSWERED_OUTCOMES)})
    AND o.occurred_at > COALESCE((
      SELECT max(occurred_at) FROM worklist_outcomes p
      WHERE p.workspace_id = $1 AND p.customer_id = $2 AND p.outcome NOT IN (${quoted(UNANSWERED_OUTCOMES)})),
      '-infinity')`;

/**
 * Orders attributed to calls (last touch): a paid order placed within $5 days after an outcome where the rep
 * talked to the customer goes to the latest such call before it. $1 workspace, $2 rep, $3 from, $4 to (instants,
 * calls in [from, to)), $5 window days.
 */
export const ATTRIBUTION_SQL = `
  WITH calls AS (
    SELECT o.id, o.customer_id, o.occurred_at, o.outcome FROM worklist_outcomes o
    WHERE o.workspace_id = $1 AND o.rep_id = $2 AND o.occurred_at >= $3 AND o.occurred_at < $4
  ),
  attributed AS (
    SELECT DISTINCT ON (ord.id) ord.id AS order_id, ord.external_id, ord.placed_at, ord.amount_minor, ord.currency,
           t.id AS call_id, t.rep_id, t.occurred_at AS call_at, t.outcome, ord.customer_id
    FROM orders ord
    JOIN worklist_outcomes t ON t.workspace_id = ord.workspace_id AND t.customer_id = ord.customer_id
      AND t.outcome IN (${quoted(CONTACT_OUTCOMES)})
      AND ord.placed_at > t.occurred_at AND ord.placed_at <= t.occurred_at + $5 * interval '1 day'
    WHERE ord.workspace_id = $1 AND ord.status = 'paid' AND ord.deleted_at IS NULL
      AND ord.customer_id IN (SELECT customer_id FROM calls)
    ORDER BY ord.id, t.occurred_at DESC
  )
  SELECT (SELECT count(*)::int FROM calls) AS calls,
         (SELECT COALESCE(jsonb_object_agg(outcome, n), '{}') FROM
           (SELECT outcome, count(*)::int AS n FROM calls GROUP BY outcome) g) AS by_outcome,
         COALESCE((SELECT jsonb_agg(jsonb_build_object(
             'order', a.external_id, 'customer', c.external_id, 'placedAt', a.placed_at,
             'amountMinor', a.amount_minor, 'currency', a.currency, 'callAt', a.call_at, 'outcome', a.outcome)
             ORDER BY a.placed_at)
           FROM attributed a JOIN customers c ON c.id = a.customer_id
           WHERE a.call_id IN (SELECT id FROM calls)), '[]') AS orders`;

/**
 * One customer as a candidate row, without the contact rules (urgent inserts decide those themselves).
 * $1 workspace, $2 run, $3 day, $4 time zone, $5 run as-of, $6 currency, $7 customer id, $8 snooze-ended days.
 */
export const CUSTOMER_ROW_SQL = `
  WITH k AS (
    SELECT ($3::date::timestamp AT TIME ZONE $4) AS day_start, (($3::date + 1)::timestamp AT TIME ZONE $4) AS day_end,
           $3::date AS d, $5::date AS as_of, $8::int AS snooze_ended_days
  ),
  r AS (
    SELECT c.owner_rep_id AS rep_id, c.id AS customer_id, c.kind, c.country::text AS country, s.value_tier, s.lifecycle,
           s.recency_days, s.frequency, s.monetary::float8 AS monetary, s.p_alive, s.expected_purchases,
           s.expected_order_value::float8 AS expected_order_value, s.clv::float8 AS clv, s.churn_risk,
           CASE WHEN s.frequency >= 2 AND s.recency_days IS NOT NULL AND fd.first_day IS NOT NULL
                THEN ((k.as_of - s.recency_days) - fd.first_day)::float8 / (s.frequency - 1) END AS own_cycle,
           CASE WHEN s.frequency >= 2 THEN k.as_of - fd.first_day END AS first_age,
           (s.lifecycle = 'prospect') AS prospect
    FROM customers c
    JOIN customer_scores s ON s.run_id = $2 AND s.customer_id = c.id
    CROSS JOIN k
    LEFT JOIN LATERAL (
      SELECT (min(o.placed_at) AT TIME ZONE $4)::date AS first_day FROM orders o
      WHERE o.customer_id = c.id AND o.status = 'paid' AND o.deleted_at IS NULL AND o.currency = $6
        AND o.placed_at < ((k.as_of + 1)::timestamp AT TIME ZONE $4)) fd ON true
    WHERE c.id = $7 AND c.workspace_id = $1 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
  )
  SELECT r.rep_id, r.customer_id::text AS customer_id, r.kind, r.country, r.value_tier, r.lifecycle, r.recency_days,
         r.frequency, r.monetary, r.p_alive, r.expected_purchases, r.expected_order_value, r.clv, r.churn_risk,
         r.own_cycle, r.first_age, NULL AS fu_kind, NULL AS fu_due, NULL AS fu_attempt, NULL AS fu_created, false AS pinned,
         NULL AS pin_note, NULL AS contacts, NULL AS days_since_interaction, r.prospect, 0::float8 AS value, 0 AS rn,
         ${CONTEXT_COLUMNS}
  FROM r CROSS JOIN k
  ${CONTEXT_JOINS}`;

/** $1 workspace, $2 rep, $3 day or null (today in the workspace zone): the list's head, version and counts. */
/**
 * Whether the scores of list `w`'s run are still there. A list's items read their scores from its run; once the
 * run's full rows are dropped (only runs of lists no longer served are, docs/scoring-run.md#retention) the list
 * is gone as a whole rather than served with empty scores.
 */
export const SCORES_KEPT = `(w.score_run_id IS NULL OR EXISTS (
  SELECT 1 FROM customer_scores ks WHERE ks.run_id = w.score_run_id AND ks.workspace_id = w.workspace_id))`;

export const LIST_HEAD_SQL = `
  SELECT w.id, w.list_date::text AS list_date, w.published_at, w.score_run_id, w.capacity, w.version,
         r.id AS rep_id, r.external_id, r.name, r.locale, ws.timezone,
         (SELECT max(c.updated_at) FROM worklist_items i JOIN customers c ON c.id = i.customer_id
          WHERE i.worklist_id = w.id) AS customers_at,
         (SELECT jsonb_object_agg(state, n) FROM (
            SELECT state, count(*)::int AS n FROM worklist_items i WHERE i.worklist_id = w.id GROUP BY state) s) AS counts,
         ${SCORES_KEPT} AS scores_kept,
         (SELECT md5(string_agg(o.code || o.definition::text, '|' ORDER BY o.code))
          FROM offers o WHERE o.workspace_id = w.workspace_id
            AND o.code IN (SELECT i.offer_code FROM worklist_items i WHERE i.worklist_id = w.id)) AS offers_digest
  FROM worklists w
  JOIN reps r ON r.id = w.rep_id
  JOIN workspaces ws ON ws.id = w.workspace_id
  WHERE w.workspace_id = $1 AND w.rep_id = $2
    AND w.list_date = COALESCE($3::date, (now() AT TIME ZONE ws.timezone)::date)`;

/**
 * The columns of an item as the list and the item detail show it: `i` item, `c` customer, `o` the offer version
 * the item was published with (offer_versions), `s` score.
 */
export const ITEM_COLUMNS = `
  i.id, i.customer_id::text AS customer_id, i.rank, i.state, i.kind, i.urgent, i.priority, i.expected_value, i.reasons, i.summary, i.personality,
  i.talk_track, i.talk_track_variant, i.offer_code, i.offer_version, i.call_from, i.call_to, i.outcome, i.done_at, i.snoozed_until::text AS snoozed_until,
  c.external_id, c.name, c.phone_enc, c.email_enc, o.definition AS offer,
  s.value_tier, s.lifecycle, s.rfm_segment, s.clv, s.churn_risk`;

/**
 * $1 list, $2 its score run, $3 'open' | 'all', $4 rank to start after (or null), $5 row limit, $6 ids of items
 * the reader sees as reassigned (they leave the open list like done items): one page.
 */
export const LIST_ITEMS_SQL = `
  SELECT ${ITEM_COLUMNS}
  FROM worklist_items i
  JOIN customers c ON c.id = i.customer_id
  LEFT JOIN offer_versions o ON o.workspace_id = i.workspace_id AND o.code = i.offer_code AND o.version = i.offer_version
  LEFT JOIN customer_scores s ON s.run_id = $2 AND s.customer_id = i.customer_id
  WHERE i.worklist_id = $1 AND ($3::text <> 'open' OR (i.state = 'open' AND i.id <> ALL ($6::uuid[])))
    AND ($4::int IS NULL OR i.rank > $4)
  ORDER BY i.rank LIMIT $5`;
