import { CustomerViewService } from '../../src/customers/customer-view.service';
import { ScoreRunService } from '../../src/scoring/score-run.service';
import { CandidateRow } from '../../src/worklist/candidate-row';
import { COUNTRY_TIME_ZONES } from '../../src/worklist/country-time-zones';
import { callableByRep, reachableCountries, repShiftOf } from '../../src/worklist/ranking';
import { WorklistPolicyService } from '../../src/worklist/worklist-policy.service';
import { WorklistPublisher } from '../../src/worklist/worklist-publisher.service';
import { ExclusionCountRow, WorklistRepository } from '../../src/worklist/worklist.repository';
import {
  CANDIDATES_SQL,
  candidateParams,
  EXCLUSIONS_SQL,
  exclusionParams,
  ExclusionParams,
} from '../../src/worklist/worklist.sql';
import { publish, scoredWorkspace } from './worklist-support';
import { useTestApp } from '../support/use-test-app';

/**
 * Issue 14, items 6 and 7 on a scored workspace: who is a prospect (never bought — not a customer whose only order
 * is a refund), which interactions delay "churned" (two-way contact only), and a publish report that accounts
 * for every customer kept off the lists, by reason, and flags the accounts no shift of their owner reaches.
 */
describe('who gets a slot, and why the others do not', () => {
  const nest = useTestApp({ redis: true });
  let workspaceId: string;
  let today: string;
  let repId: string;
  const ids: Record<'refund' | 'prospect' | 'clicker' | 'talker' | 'returned' | 'canceller', string> = {
    refund: '',
    prospect: '',
    clicker: '',
    talker: '',
    returned: '',
    canceller: '',
  };

  async function customer(name: string): Promise<string> {
    const [row] = await nest.db.query(
      `INSERT INTO customers (workspace_id, external_id, name, kind, country, owner_rep_id)
       VALUES ($1, $2, $2, 'business', 'CN', $3) RETURNING id::text AS id`,
      [workspaceId, `slot-${name}`, repId],
    );
    return row.id as string;
  }

  async function order(customerId: string, daysAgo: number, amountMinor: number, status: string) {
    await nest.db.query(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status)
       SELECT $1, $2, $3, now() - $4 * interval '1 day', $5, w.currency, $6 FROM workspaces w WHERE w.id = $1`,
      [workspaceId, `slot-${customerId}-${daysAgo}-${status}`, customerId, daysAgo, amountMinor, status],
    );
  }

  /** A refund booked as a record of its own, giving `amountMinor` back on the order of `ofDaysAgo` (issue 13 item 5). */
  async function reversal(customerId: string, daysAgo: number, amountMinor: number, ofDaysAgo: number) {
    await nest.db.query(
      `INSERT INTO orders (workspace_id, external_id, customer_id, placed_at, amount_minor, currency, status,
                           reversal, reverses_external_id)
       SELECT $1, $2, $3, now() - $4 * interval '1 day', $5, w.currency, 'refunded', true, $6
       FROM workspaces w WHERE w.id = $1`,
      [
        workspaceId,
        `slot-${customerId}-${daysAgo}-reversal`,
        customerId,
        daysAgo,
        amountMinor,
        `slot-${customerId}-${ofDaysAgo}-paid`,
      ],
    );
  }

  async function interaction(customerId: string, daysAgo: number, kind: string, outcome: string) {
    await nest.db.query(
      `INSERT INTO interactions (workspace_id, source, external_id, customer_id, occurred_at, kind, outcome)
       VALUES ($1, 'crm', $2, $3, now() - $4 * interval '1 day', $5, $6)`,
      [workspaceId, `slot-${customerId}-${daysAgo}-${kind}`, customerId, daysAgo, kind, outcome],
    );
  }

  async function queryParams(day: string): Promise<ExclusionParams> {
    const policy = await nest.app.get(WorklistPolicyService).load(workspaceId);
    const run = policy.run!;
    const known = Object.keys(COUNTRY_TIME_ZONES);
    const ctx = { listDate: day, timeZone: policy.timeZone };
    const shift = repShiftOf(null, policy.timeZone, policy.settings);
    return {
      workspaceId,
      runId: run.id,
      listDate: day,
      timeZone: policy.timeZone,
      scoredAsOf: run.asOf,
      horizonDays: run.horizonDays,
      currency: policy.currency,
      repIds: [repId],
      // every candidate comes back: the count of those the rules let through must match
      settings: { ...policy.settings, overfetch: 100_000 },
      referenceValue: run.referenceValue,
      callable: callableByRep([{ id: repId, shift }], known, ctx, policy.settings, 1),
      reachable: callableByRep([{ id: repId, shift }], known, ctx, policy.settings, 7),
      knownCountries: known,
    };
  }

  beforeAll(async () => {
    ({ workspaceId, today } = await scoredWorkspace(nest.app, { slug: 'slots', customers: 400 }));
    [{ id: repId }] = await nest.db.query(
      `SELECT r.id FROM reps r WHERE r.workspace_id = $1 AND r.active AND r.role = 'rep'
       ORDER BY (SELECT count(*) FROM customers c WHERE c.owner_rep_id = r.id) DESC, r.id LIMIT 1`,
      [workspaceId],
    );
    // a £2.55 return from 2010: bought once, long before the CRM's history — not a prospect
    ids.refund = await customer('refund');
    await order(ids.refund, 5800, 255, 'refunded');
    // never bought; an email last week
    ids.prospect = await customer('prospect');
    await interaction(ids.prospect, 5, 'email', 'opened');
    // a monthly buyer silent for 400 days: one clicked an email three days ago, the other took a call
    ids.clicker = await customer('clicker');
    ids.talker = await customer('talker');
    for (const id of [ids.clicker, ids.talker]) {
      for (const daysAgo of [460, 430, 400]) await order(id, daysAgo, 20_000, 'paid');
    }
    await interaction(ids.clicker, 3, 'email', 'clicked');
    await interaction(ids.talker, 10, 'call', 'reached');
    // the "£77,117 to win back": the only order, refunded in full by a record of its own
    ids.returned = await customer('returned');
    await order(ids.returned, 200, 7_711_700, 'paid');
    await reversal(ids.returned, 199, 7_711_700, 200);
    // a monthly buyer who cancelled eight of their last ten orders
    ids.canceller = await customer('canceller');
    for (const daysAgo of [10, 40, 70, 100, 130, 160, 190, 220, 250, 280])
      await order(ids.canceller, daysAgo, 20_000, daysAgo <= 40 ? 'paid' : 'cancelled');
    const runs = nest.app.get(ScoreRunService);
    const { run } = await runs.start({ workspaceId, asOf: today, trigger: 'test', publishWorklists: false });
    const done = await runs.waitFor(workspaceId, run.id, undefined, 120_000);
    expect(done.status).toBe('completed');
  }, 240_000);

  async function lifecycleOf(customerId: string): Promise<string> {
    const [row] = await nest.db.query(
      `SELECT s.lifecycle FROM customer_scores s JOIN workspaces w ON w.current_score_run_id = s.run_id
       WHERE w.id = $1 AND s.customer_id = $2`,
      [workspaceId, customerId],
    );
    return row.lifecycle as string;
  }

  it('makes a prospect of who never bought, not of a customer whose only order is a refund', async () => {
    expect(await lifecycleOf(ids.prospect)).toBe('prospect');
    expect(await lifecycleOf(ids.refund)).toBe('churned');
    const rows: CandidateRow[] = await nest.db.query(
      CANDIDATES_SQL,
      candidateParams(await queryParams(today)),
    );
    const byId = new Map(rows.map((r) => [String(r.customer_id), r]));
    expect(byId.get(ids.prospect)?.prospect).toBe(true);
    expect(byId.get(ids.refund)?.prospect).toBe(false);
    // nothing bought that still counts: it competes with the customers at no value
    expect(byId.get(ids.refund)?.value).toBe(0);
  });

  it('gives nothing to win back for an order refunded in full, and names a high cancellation rate', async () => {
    expect(await lifecycleOf(ids.returned)).toBe('churned');
    const rows: CandidateRow[] = await nest.db.query(
      CANDIDATES_SQL,
      candidateParams(await queryParams(today)),
    );
    const byId = new Map(rows.map((r) => [String(r.customer_id), r]));
    expect(byId.get(ids.returned)?.prospect).toBe(false);
    expect(Number(byId.get(ids.returned)?.monetary)).toBe(0);
    expect(byId.get(ids.returned)?.value).toBe(0);
    expect(byId.get(ids.returned)?.high_cancellation_rate).toBe(false);

    const [scores] = await nest.db.query(
      `SELECT s.reasons, s.lifecycle_reasons, s.churn_risk FROM customer_scores s
       JOIN workspaces w ON w.current_score_run_id = s.run_id WHERE w.id = $1 AND s.customer_id = $2`,
      [workspaceId, ids.canceller],
    );
    expect((scores.reasons as Array<{ code: string }>).map((r) => r.code)).toContain(
      'high_cancellation_rate',
    );
    expect(scores.lifecycle_reasons).toContain('high_cancellation_rate');
    expect(byId.get(ids.canceller)?.high_cancellation_rate).toBe(true);
  });

  it('lets only two-way contact delay churn: a reached call does, an email click does not', async () => {
    expect(await lifecycleOf(ids.clicker)).toBe('churned');
    expect(await lifecycleOf(ids.talker)).toBe('at_risk');
    // and the customer view says why
    const admin = { keyId: 'test', workspaceId, role: 'admin' as const, repId: null };
    const views = nest.app.get(CustomerViewService);
    expect((await views.get(admin, ids.talker)).scores?.lifecycleReasons).toContain(
      'two_way_contact_delays_churn',
    );
    expect((await views.get(admin, ids.clicker)).scores?.lifecycleReasons).toContain('no_two_way_contact');
    expect((await views.get(admin, ids.refund)).scores?.lifecycleReasons).toEqual([
      'refunds_only',
      'no_two_way_contact',
    ]);
  });

  it('counts in SQL exactly the candidates the candidate query lets through', async () => {
    const params = await queryParams(today);
    const counts: ExclusionCountRow[] = await nest.db.query(EXCLUSIONS_SQL, exclusionParams(params));
    const rows = await nest.db.query(CANDIDATES_SQL, candidateParams(params));
    const eligible = counts.find((c) => c.reason === 'eligible')?.customers ?? 0;
    expect(eligible).toBe(rows.length);
    const [{ n }] = await nest.db.query(
      `SELECT count(*)::int AS n FROM customers c JOIN customer_scores s ON s.customer_id = c.id
       JOIN workspaces w ON w.current_score_run_id = s.run_id
       WHERE w.id = $1 AND c.owner_rep_id = $2 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL`,
      [workspaceId, repId],
    );
    const judged = counts.filter((c) => c.reason !== 'never_reachable').reduce((a, c) => a + c.customers, 0);
    expect(judged).toBe(n);
  });

  it('plans the time-window scans on both bounds, and publishes without JIT', async () => {
    // Read from the `k` row, the lower bound of the contact window was unknown at planning time and only the upper
    // one became an index condition: at 100k customers every interaction of the workspace up to today (732k rows)
    // was read to keep 3.8k. And JIT compiled the exclusion count for 6 of its 7 seconds at 20k customers.
    const params = await queryParams(today);
    const indexConditions = await nest.db.transaction(async (tx) => {
      await nest.app.get(WorklistRepository).configurePublishTransaction(tx);
      expect((await tx.query(`SHOW jit`))[0].jit).toBe('off');
      // the test's tables are small: without this the planner reads them whole, and no bound is used at all
      await tx.query(`SET LOCAL enable_seqscan = off`);
      const conditions: string[] = [];
      const walk = (node: { 'Index Name'?: string; 'Index Cond'?: string; Plans?: unknown[] }) => {
        if (node['Index Name'] === 'interactions_workspace_time_idx')
          conditions.push(node['Index Cond'] ?? '');
        for (const child of node.Plans ?? []) walk(child as typeof node);
      };
      for (const [sql, values] of [
        [CANDIDATES_SQL, candidateParams(params)],
        [EXCLUSIONS_SQL, exclusionParams(params)],
      ] as const) {
        const [{ 'QUERY PLAN': plan }] = await tx.query(`EXPLAIN (FORMAT JSON) ${sql}`, values);
        walk(plan[0].Plan);
      }
      return conditions;
    });
    // the contact window (both statements) and the warm window (candidates)
    expect(indexConditions.length).toBeGreaterThanOrEqual(3);
    for (const cond of indexConditions) {
      expect(cond).toMatch(/occurred_at >= /);
      expect(cond).toMatch(/occurred_at < /);
    }
  });

  it('accounts for every customer left off the lists, by reason, and flags the ones no shift reaches', async () => {
    // a do-not-call on one of the rep's customers is counted as such
    await nest.db.query(
      `INSERT INTO contact_suppressions (workspace_id, customer_id, kind) VALUES ($1, $2, 'do_not_call')`,
      [workspaceId, ids.talker],
    );
    const report = await publish(nest.app, workspaceId, today);
    const [{ total }] = await nest.db.query(
      `SELECT count(*)::int AS total FROM customers c JOIN customer_scores s ON s.customer_id = c.id
       JOIN workspaces w ON w.current_score_run_id = s.run_id
       JOIN reps r ON r.id = c.owner_rep_id AND r.active
       WHERE w.id = $1 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL`,
      [workspaceId],
    );
    const excluded = Object.values(report.excluded).reduce((a, n) => a + (n ?? 0), 0);
    expect(excluded + report.items).toBe(total);
    expect(report.excluded.do_not_call).toBeGreaterThanOrEqual(1);
    expect(report.excluded.capacity).toBeGreaterThan(0);

    // a Shanghai shift (09:00–18:00) never meets New York business hours: US accounts are flagged, CN ones not
    const policy = await nest.app.get(WorklistPolicyService).load(workspaceId);
    const week = reachableCountries(
      Object.keys(COUNTRY_TIME_ZONES),
      { listDate: today, timeZone: policy.timeZone },
      policy.settings,
    );
    expect(week.business.countries).not.toContain('US');
    expect(week.business.countries).toContain('CN');
    const unreachable = await unreachableAccounts(week);
    expect(unreachable.length).toBeGreaterThan(0);
    expect(report.unreachable.customers).toBe(unreachable.length);
    const us = report.unreachable.groups.find((g) => g.kind === 'business' && g.country === 'US')!;
    expect(us).toMatchObject({ proposal: 'no_rep_in_hours', reps: [] });
    const usIds = unreachable.filter((u) => u.kind === 'business' && u.country === 'US').map((u) => u.id);
    expect(us.customers).toBe(usIds.length);
    expect(us.customerIds).toEqual(usIds.slice(0, 100));
    expect(report.excluded.outside_business_hours).toBeGreaterThanOrEqual(1);

    // a rep who works New York hours: the other owners' US accounts are proposed to them (never moved), and
    // their own US customers are reachable
    const [nyRep] = await nest.db.query(
      `SELECT r.id, r.external_id FROM reps r WHERE r.workspace_id = $1 AND r.active AND r.role = 'rep' AND r.id <> $2
       ORDER BY r.external_id LIMIT 1`,
      [workspaceId, repId],
    );
    await nest.db.query(
      `UPDATE workspaces SET settings = jsonb_set(settings, '{worklist,repShifts}', $2::jsonb) WHERE id = $1`,
      [
        workspaceId,
        JSON.stringify({
          [nyRep.external_id]: { start: '09:00', end: '17:00', timeZone: 'America/New_York' },
        }),
      ],
    );
    const owners = await nest.db.query(`SELECT id, owner_rep_id FROM customers WHERE workspace_id = $1`, [
      workspaceId,
    ]);
    const again = await nest.app.get(WorklistPublisher).publish(workspaceId, today, { replace: true });
    const usAgain = again.unreachable.groups.find((g) => g.kind === 'business' && g.country === 'US')!;
    expect(usAgain).toMatchObject({ proposal: 'assign_to_rep_in_hours', reps: [nyRep.external_id] });
    const ownerOf = new Map(
      owners.map((o: { id: string; owner_rep_id: string }) => [String(o.id), o.owner_rep_id]),
    );
    expect(usAgain.customerIds.every((id) => ownerOf.get(id) !== nyRep.id)).toBe(true);
    expect(usAgain.customers).toBe(usIds.filter((id) => ownerOf.get(id) !== nyRep.id).length);
    // the customer view says the same of one such account
    const admin = { keyId: 'test', workspaceId, role: 'admin' as const, repId: null };
    const view = await nest.app.get(CustomerViewService).get(admin, usAgain.customerIds[0]);
    expect(view.callReach).toEqual({
      ownerReaches: false,
      reason: 'owner_hours_never_meet',
      proposal: 'assign_to_rep_in_hours',
      reps: [nyRep.external_id],
    });
    const cn = await nest.app.get(CustomerViewService).get(admin, ids.prospect);
    expect(cn.callReach).toEqual({ ownerReaches: true, reason: null, proposal: null, reps: [] });
    // nobody was moved
    const after = await nest.db.query(`SELECT id, owner_rep_id FROM customers WHERE workspace_id = $1`, [
      workspaceId,
    ]);
    expect(after).toEqual(owners);
  });

  it('announces each new list once, in rep order (one insert for all of them)', async () => {
    const report = await publish(nest.app, workspaceId, today);
    const lists: Array<{ id: string; rep: string }> = await nest.db.query(
      `SELECT w.id, r.external_id AS rep FROM worklists w JOIN reps r ON r.id = w.rep_id
       WHERE w.workspace_id = $1 AND w.list_date = $2 ORDER BY r.external_id`,
      [workspaceId, today],
    );
    const events: Array<{ id: string; rep: string }> = await nest.db.query(
      `SELECT payload -> 'data' ->> 'worklistId' AS id, payload -> 'data' ->> 'rep' AS rep FROM outbox_events
       WHERE workspace_id = $1 AND event_type = 'worklist.published' AND payload -> 'data' ->> 'date' = $2
         AND payload -> 'data' ->> 'worklistId' = ANY ($3::text[])
       ORDER BY outbox_events.id`,
      [workspaceId, today, lists.map((l) => l.id)],
    );
    expect(lists.length).toBeGreaterThan(1);
    expect(events).toEqual(lists);
    expect(report.phases.candidates).toBeGreaterThanOrEqual(0);
  });

  /** The customers of active reps whose country no shift of the week reaches, highest priority first. */
  async function unreachableAccounts(
    week: ReturnType<typeof reachableCountries>,
  ): Promise<Array<{ id: string; kind: string; country: string }>> {
    return nest.db.query(
      `SELECT c.id::text AS id, c.kind, upper(trim(c.country)) AS country
       FROM customers c JOIN customer_scores s ON s.customer_id = c.id
       JOIN workspaces w ON w.current_score_run_id = s.run_id
       JOIN reps r ON r.id = c.owner_rep_id AND r.active
       WHERE w.id = $1 AND c.merged_into_id IS NULL AND c.deleted_at IS NULL
         AND NOT (upper(trim(c.country)) = ANY (CASE c.kind WHEN 'business' THEN $2::text[] ELSE $3::text[] END))
       ORDER BY s.priority DESC, c.id`,
      [workspaceId, week.business.countries, week.individual.countries],
    );
  }
});
