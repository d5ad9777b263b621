import { CLV_RESEND_SHARE, WRITE_BACK_FIELDS } from './write-back-fields';

/**
 * The write-back diff (docs/write-back.md) as one set-based statement: every live scored customer of the
 * workspace's current run (or of a list of customers) → the object a CRM receives, keyed by the mapped property
 * names; its fingerprint compared with the one last sent (one hash anti-join, no per-customer work in JS); the
 * changed fingerprints written back in customer-id order (so concurrent passes lock rows in the same order and
 * cannot deadlock); and only the rows this statement actually changed come out (a concurrent pass that wrote the
 * same fingerprint first wins; `ON CONFLICT … WHERE` re-checks against the committed row, so no customer is sent
 * twice for one change).
 *
 * Parameters: $1 workspace, $2 run, $3 text[] property keys in WRITE_BACK_FIELDS order, $4 text[] keys to drop
 * (left-out fields), $5 CLV rounding step in minor units, $6 the mapping as text (part of the fingerprint: a new
 * mapping resends everyone), $7 bool[] which fields are sent (WRITE_BACK_FIELDS order); scoped: $8 bigint[] ids.
 *
 * The fingerprint is a 64-bit hash of the rounded values, field by field (FINGERPRINTED): 0.7 s per million
 * customers, where hashing them as one text cost twice that and building and hashing the JSON object of every
 * customer ten times; the object is built for the changed customers only.
 *
 * Values are rounded to what a CRM field shows, so that noise does not count as a change: P(alive), P(buy) and
 * churn risk to 2 decimals, priority to a whole point, CLV to whole major units — and CLV counts as changed only
 * once it has moved by CLV_RESEND_SHARE of the value last sent (CLV_COMPARED). The next call date is the customer's earliest
 * open follow-up (its day in the workspace's zone), else the earliest list from today on that holds the customer
 * as an open item. Personality is personal data: never sent for an erased customer.
 */

/**
 * The fingerprint's terms, one per field in WRITE_BACK_FIELDS order: a 64-bit hash of the column's value under a
 * seed of its own (so equal values in two fields do not cancel out), typed (no text conversion), NULL as the seed.
 * CLV's term takes the value to hash (`clv`): the current one, or the one last sent while within its band.
 */
const FINGERPRINTED: Array<(seed: number, clv: string) => string> = [
  (i) => `hashtextextended(cur.external_id, ${i})`,
  (i) => `hashtextextended(cur.value_tier, ${i})`,
  (i) => `hashtextextended(cur.lifecycle, ${i})`,
  (i) => `hashtextextended(cur.rfm_segment, ${i})`,
  (i) => `hashtextextended(cur.abc_class::text, ${i})`,
  (i, clv) => `hashint8extended(${clv}, ${i})`,
  (i) => `hashint4extended(cur.p_alive, ${i})`,
  (i) => `hashint4extended(cur.churn_risk, ${i})`,
  (i) => `hashint4extended(cur.priority, ${i})`,
  (i) => `hashint4extended(cur.next_call_date - DATE '2000-01-01', ${i})`,
  (i) => `hashtextextended(cur.owner, ${i})`,
  (i) => `hashtextextended(cur.personality, ${i})`,
  (i) => `jsonb_hash_extended(cur.reason_codes, ${i})`,
  (i) => `hashint4extended(cur.p_buy, ${i})`,
];

const CLV = WRITE_BACK_FIELDS.indexOf('clv');

/** A sent field's term (a left-out field is 0, folded away by the XOR). */
const term = (i: number, clv = 'cur.clv') =>
  `CASE WHEN ($7::bool[])[${i + 1}] THEN COALESCE(${FINGERPRINTED[i](i + 1, clv)}, ${i + 1}) ELSE 0 END`;

/** The mapping's hash XOR every sent field's term but CLV's. */
const FINGERPRINT_BUT_CLV = [
  'hashtextextended($6::text, 0)',
  ...FINGERPRINTED.map((_, i) => i)
    .filter((i) => i !== CLV)
    .map((i) => term(i)),
].join('\n      # ');

/**
 * The CLV a pass compares with what it last sent (`st`): the value last sent while the current one is within
 * CLV_RESEND_SHARE of it (at least one rounding step, $5), else the current one. A forecast drifts by a fraction of
 * a per cent a night, and whole major units alone resent over half of the customers every night (docs/write-back.md).
 * A row without `clv_sent` (sent before it was kept) compares exactly.
 */
const CLV_COMPARED = `CASE WHEN abs(cur.clv - st.clv_sent) < greatest($5::bigint, ceil(${CLV_RESEND_SHARE} * abs(st.clv_sent)))
      THEN st.clv_sent ELSE cur.clv END`;

/** The object a CRM receives for a changed row `ch`, keyed by the mapped names, left-out fields dropped. */
const PAYLOAD = `jsonb_build_object(
    ($3::text[])[1], ch.external_id,
    ($3::text[])[2], ch.value_tier,
    ($3::text[])[3], ch.lifecycle,
    ($3::text[])[4], ch.rfm_segment,
    ($3::text[])[5], ch.abc_class,
    ($3::text[])[6], CASE WHEN ch.clv IS NOT NULL THEN jsonb_build_object('amountMinor', ch.clv, 'currency', ch.currency) END,
    ($3::text[])[7], round(ch.p_alive / 100.0, 2),
    ($3::text[])[8], round(ch.churn_risk / 100.0, 2),
    ($3::text[])[9], ch.priority,
    ($3::text[])[10], ch.next_call_date,
    ($3::text[])[11], ch.owner,
    ($3::text[])[12], ch.personality,
    ($3::text[])[13], ch.reason_codes,
    ($3::text[])[14], round(ch.p_buy / 100.0, 2)
  ) - $4::text[]`;

function diff(scope: 'workspace' | 'customers'): string {
  const only = (column: string) => (scope === 'customers' ? `AND ${column} = ANY ($8::bigint[])` : '');
  return `
  WITH ws AS (
    SELECT w.currency, w.timezone, (now() AT TIME ZONE w.timezone)::date AS today
    FROM workspaces w WHERE w.id = $1
  ),
  follow_up AS (
    SELECT f.customer_id, (min(f.due_at) AT TIME ZONE (SELECT timezone FROM ws))::date AS day
    FROM worklist_follow_ups f
    WHERE f.workspace_id = $1 AND f.resolved_at IS NULL ${only('f.customer_id')}
    GROUP BY f.customer_id
  ),
  listed AS (
    SELECT i.customer_id, min(l.list_date) AS day
    FROM worklist_items i JOIN worklists l ON l.id = i.worklist_id
    WHERE i.workspace_id = $1 AND l.workspace_id = $1 AND i.state = 'open'
      AND l.list_date >= (SELECT today FROM ws) ${only('i.customer_id')}
    GROUP BY i.customer_id
  ),
  cur AS (
    SELECT s.customer_id, c.external_id, s.value_tier, s.lifecycle, s.rfm_segment, s.abc_class, ws.currency,
      round(s.clv / $5::float8)::bigint * $5::bigint AS clv,
      round(s.p_alive * 100)::int AS p_alive,
      round(s.p_buy * 100)::int AS p_buy,
      round(s.churn_risk * 100)::int AS churn_risk,
      round(s.priority)::int AS priority,
      COALESCE(fu.day, li.day) AS next_call_date,
      r.external_id AS owner,
      CASE WHEN c.erased_at IS NULL THEN c.personality END AS personality,
      jsonb_path_query_array(s.reasons, '$[*].code') AS reason_codes
    FROM customer_scores s
    CROSS JOIN ws
    JOIN customers c ON c.id = s.customer_id AND c.workspace_id = $1
    LEFT JOIN reps r ON r.id = c.owner_rep_id AND r.workspace_id = $1
    LEFT JOIN follow_up fu ON fu.customer_id = s.customer_id
    LEFT JOIN listed li ON li.customer_id = s.customer_id
    WHERE s.run_id = $2 AND s.workspace_id = $1 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
      ${only('s.customer_id')}
  ),
  changed AS (
    -- compared with CLV as CLV_COMPARED says; stored (and sent) with the current CLV
    SELECT cur.*, f.but_clv # ${term(CLV)} AS fingerprint
    FROM cur
    CROSS JOIN LATERAL (SELECT ${FINGERPRINT_BUT_CLV} AS but_clv) f
    LEFT JOIN customer_write_back_state st ON st.workspace_id = $1 AND st.customer_id = cur.customer_id
    WHERE st.fingerprint IS DISTINCT FROM f.but_clv # ${term(CLV, CLV_COMPARED)}
  ),
  written AS (
    INSERT INTO customer_write_back_state AS st (workspace_id, customer_id, fingerprint, clv_sent, sent_at)
    SELECT $1, customer_id, fingerprint, clv, now() FROM changed ORDER BY customer_id
    ON CONFLICT (workspace_id, customer_id) DO UPDATE
      SET fingerprint = EXCLUDED.fingerprint, clv_sent = EXCLUDED.clv_sent, sent_at = EXCLUDED.sent_at
      WHERE st.fingerprint IS DISTINCT FROM EXCLUDED.fingerprint
    RETURNING customer_id
  )`;
}

/** The temporary table a workspace pass collects its changed customers in (dropped at commit). */
export const BATCH_TABLE = 'pg_temp.write_back_batch';

export const WRITE_BACK_SQL = {
  /** The workspace pass: the changed customers into BATCH_TABLE (paged out in CUSTOMERS_PER_EVENT). */
  workspace: `${diff('workspace')}
  INSERT INTO ${BATCH_TABLE} (customer_id, payload)
  SELECT ch.customer_id, ${PAYLOAD} FROM changed ch JOIN written w USING (customer_id)`,

  /** A pass over a few customers (an outcome, an assignment batch): the changed ones, in id order. */
  customers: `${diff('customers')}
  SELECT ch.customer_id::text AS customer_id, ${PAYLOAD} AS payload
  FROM changed ch JOIN written w USING (customer_id) ORDER BY ch.customer_id`,
};
