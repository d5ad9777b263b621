import { ownerTouchesCte } from './follow-up.sql';

/** Working table of one sweep (dropped at commit). */
export const SWEEP_TABLE_SQL = `
  CREATE TEMP TABLE pool_sweep (
    id bigint PRIMARY KEY, rep_id uuid NOT NULL, team_id uuid, tier text NOT NULL, last_touch timestamptz NOT NULL,
    release_on date NOT NULL, warned boolean NOT NULL, reminded boolean NOT NULL
  ) ON COMMIT DROP`;

/**
 * Owned accounts due for a reminder or a release, in one set-based statement: the last follow-up is the later of
 * when the owner got the account (customers.owner_since) and their last touch; release_on is that day (workspace
 * time zone) plus the tier's follow-up days. Do-not-call and snoozed customers are left alone: nobody may call them.
 * `warned`: the owner was reminded in this ownership episode before today; `reminded`: at all in this episode.
 * $1 workspace, $2 now, $3 score run, $4 today, $5 time zone, $6/$7/$8 follow-up days core/potential/general
 * (null = never), $9 reminder days before.
 */
export const SWEEP_CANDIDATES_SQL = `
  WITH ${ownerTouchesCte('$1', '$2')},
  owned AS (
    SELECT c.id, c.owner_rep_id AS rep_id, r.team_id, COALESCE(s.value_tier, 'general') AS tier,
           GREATEST(c.owner_since, t.at) AS last_touch
    FROM customers c
    JOIN reps r ON r.id = c.owner_rep_id
    LEFT JOIN customer_scores s ON s.run_id = $3 AND s.customer_id = c.id
    LEFT JOIN owner_touches t ON t.customer_id = c.id AND t.rep_id = c.owner_rep_id
    WHERE c.workspace_id = $1 AND c.owner_rep_id IS NOT NULL AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
      AND NOT EXISTS (
        SELECT 1 FROM contact_suppressions x
        WHERE x.workspace_id = $1 AND x.customer_id = c.id AND (x.kind = 'do_not_call' OR x.until > $4::date))
  ), dated AS (
    SELECT o.*, (o.last_touch AT TIME ZONE $5)::date
             + (CASE o.tier WHEN 'core' THEN $6::int WHEN 'potential' THEN $7::int ELSE $8::int END) AS release_on
    FROM owned o
  )
  INSERT INTO pool_sweep (id, rep_id, team_id, tier, last_touch, release_on, warned, reminded)
  SELECT d.id, d.rep_id, d.team_id, d.tier, d.last_touch, d.release_on,
         EXISTS (SELECT 1 FROM pool_reminders pr WHERE pr.customer_id = d.id AND pr.rep_id = d.rep_id
                   AND pr.created_at > d.last_touch AND pr.created_at < ($4::date::timestamp AT TIME ZONE $5)),
         EXISTS (SELECT 1 FROM pool_reminders pr WHERE pr.customer_id = d.id AND pr.rep_id = d.rep_id
                   AND pr.created_at > d.last_touch)
  FROM dated d
  WHERE d.release_on IS NOT NULL AND d.release_on - $9::int <= $4::date`;

/** $1 workspace, $2 today, $3 now: reminders for due accounts not yet reminded in this episode. */
export const INSERT_REMINDERS_SQL = `
  INSERT INTO pool_reminders (workspace_id, customer_id, rep_id, value_tier, last_follow_up_at, release_on, created_at)
  SELECT $1, s.id, s.rep_id, s.tier, s.last_touch, GREATEST(s.release_on, $2::date + 1), $3
  FROM pool_sweep s
  JOIN customers c ON c.id = s.id AND c.owner_rep_id = s.rep_id
  WHERE NOT s.reminded
  RETURNING rep_id`;

/**
 * The pool as a principal sees it, best expected value first, keyset-paged on (value, id).
 * $1 workspace, $2 score run, $3 every team's pool, $4 the principal's team, $5 tier filter,
 * $6/$7 cursor (value, id), $8 limit.
 */
export const POOL_LIST_SQL = `
  SELECT c.id::text AS id, c.external_id, c.name, COALESCE(s.value_tier, 'general') AS tier,
         COALESCE(s.clv, 0)::bigint AS value, s.lifecycle, t.id AS team_id, t.external_id AS team,
         pe.released_at, fr.external_id AS released_from, pe.reason
  FROM customers c
  LEFT JOIN pool_entries pe ON pe.customer_id = c.id
  LEFT JOIN teams t ON t.id = pe.team_id
  LEFT JOIN reps fr ON fr.id = pe.released_from_rep_id
  LEFT JOIN customer_scores s ON s.run_id = $2 AND s.customer_id = c.id
  WHERE c.workspace_id = $1 AND c.owner_rep_id IS NULL AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
    AND ($3::boolean OR pe.team_id IS NULL OR pe.team_id = $4::uuid)
    AND ($5::text IS NULL OR COALESCE(s.value_tier, 'general') = $5)
    AND ($6::bigint IS NULL OR COALESCE(s.clv, 0) < $6 OR (COALESCE(s.clv, 0) = $6 AND c.id > $7::bigint))
  ORDER BY COALESCE(s.clv, 0) DESC, c.id
  LIMIT $8`;

/**
 * Open reminders: the customer is still owned by the reminded rep since before the reminder, and the rep has not
 * followed up since. $1 workspace, $2 all reps, $3 rep ids in scope, $4 limit.
 */
export const OPEN_REMINDERS_SQL = `
  SELECT pr.id, pr.customer_id::text AS customer_id, c.external_id, c.name, r.id AS rep_id, r.external_id AS rep,
         r.name AS rep_name, pr.value_tier, pr.last_follow_up_at, pr.release_on, pr.created_at
  FROM pool_reminders pr
  JOIN customers c ON c.id = pr.customer_id AND c.owner_rep_id = pr.rep_id AND c.owner_since < pr.created_at
  JOIN reps r ON r.id = pr.rep_id
  WHERE pr.workspace_id = $1 AND ($2::boolean OR pr.rep_id = ANY ($3::uuid[]))
    AND NOT EXISTS (
      SELECT 1 FROM interactions i
      WHERE i.workspace_id = $1 AND i.customer_id = pr.customer_id AND i.rep_id = pr.rep_id
        AND i.kind IN ('call', 'email', 'visit') AND i.occurred_at > pr.created_at)
    AND NOT EXISTS (
      SELECT 1 FROM worklist_outcomes o
      WHERE o.workspace_id = $1 AND o.customer_id = pr.customer_id AND o.rep_id = pr.rep_id
        AND o.occurred_at > pr.created_at)
    AND NOT EXISTS (
      SELECT 1 FROM contact_suppressions x
      WHERE x.workspace_id = $1 AND x.customer_id = pr.customer_id AND x.created_by = pr.rep_id
        AND x.created_at > pr.created_at)
    AND NOT EXISTS (
      SELECT 1 FROM pool_reminders later
      WHERE later.customer_id = pr.customer_id AND later.rep_id = pr.rep_id AND later.created_at > pr.created_at)
  ORDER BY pr.release_on, pr.id
  LIMIT $4`;
