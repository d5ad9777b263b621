import { RebalanceService } from '../../src/assignments/rebalance.service';
import type { Role } from '../../src/auth/api-key.entity';
import { ApiKeysService } from '../../src/auth/api-keys.service';
import { CustomerMergeService } from '../../src/customers/merge/customer-merge.service';
import { QUESTIONNAIRE } from '../../src/personality/questionnaire';
import { todayIn, WorkspacesService } from '../../src/workspaces/workspaces.service';
import { useContract } from '../support/contract';
import { useTestApp } from '../support/use-test-app';

/**
 * The access-control matrix (OWASP API1): two workspaces with two teams each, reps and a manager per team, admin
 * and integration keys. Every route the app serves (read from its OpenAPI document) has a row in SPECS saying which
 * roles may call it and how its objects are scoped; each (actor, object) pair is called and the status compared
 * with the expected one:
 *   no key or a bad key → 401; a role the route does not allow → 403; an object outside the caller's scope (another
 *   rep's, team's or workspace's) → 404, exactly like a missing one; otherwise the route's success status.
 * Every 2xx body is also searched for identifiers of the other workspace (none may appear). A route without a row
 * fails the test: new endpoints must declare their access rules here.
 */

type Ws = 'a' | 'b';
type ActorName =
  | 'repA1'
  | 'repA1b'
  | 'repA2'
  | 'mgrA1'
  | 'mgrA2'
  | 'adminA'
  | 'integA'
  | 'repB1'
  | 'mgrB1'
  | 'adminB'
  | 'integB';

interface Actor {
  name: ActorName;
  ws: Ws;
  role: Role;
  /** external id of the rep the key belongs to */
  rep?: string;
  team?: string;
}

const ACTORS: Actor[] = [
  { name: 'repA1', ws: 'a', role: 'rep', rep: 'wsa-rep-1a', team: 'wsa-t1' },
  { name: 'repA1b', ws: 'a', role: 'rep', rep: 'wsa-rep-1b', team: 'wsa-t1' },
  { name: 'repA2', ws: 'a', role: 'rep', rep: 'wsa-rep-2a', team: 'wsa-t2' },
  { name: 'mgrA1', ws: 'a', role: 'manager', rep: 'wsa-mgr-1', team: 'wsa-t1' },
  { name: 'mgrA2', ws: 'a', role: 'manager', rep: 'wsa-mgr-2', team: 'wsa-t2' },
  { name: 'adminA', ws: 'a', role: 'admin' },
  { name: 'integA', ws: 'a', role: 'integration' },
  { name: 'repB1', ws: 'b', role: 'rep', rep: 'wsb-rep-1a', team: 'wsb-t1' },
  { name: 'mgrB1', ws: 'b', role: 'manager', rep: 'wsb-mgr-1', team: 'wsb-t1' },
  { name: 'adminB', ws: 'b', role: 'admin' },
  { name: 'integB', ws: 'b', role: 'integration' },
];

/** Whose an object is: its workspace, team and owning rep (external ids). */
interface Owner {
  ws: Ws;
  team?: string;
  rep?: string;
}

/** Visibility rules, by the kind of scope an object has. */
const sees = {
  /** workspace objects: everyone of the workspace */
  workspace: (o: Owner) => (a: Actor) => a.ws === o.ws,
  /** a rep's objects: that rep, their team's manager, admins and integrations of the workspace */
  rep: (o: Owner) => (a: Actor) =>
    a.ws === o.ws &&
    (a.role === 'admin' ||
      a.role === 'integration' ||
      (a.role === 'rep' && a.rep === o.rep) ||
      (a.role === 'manager' && a.team === o.team)),
  /** team objects: the team's manager, admins and integrations of the workspace */
  team: (o: Owner) => (a: Actor) =>
    a.ws === o.ws &&
    (a.role === 'admin' || a.role === 'integration' || (a.role === 'manager' && a.team === o.team)),
};

interface Case {
  label: string;
  /** a function when the object changes identity between calls (e.g. a merge undone and merged again) */
  path: string | (() => string);
  /** a function for a fresh body per call */
  body?: unknown | (() => unknown);
  visible: (a: Actor) => boolean;
  /** restores state after a successful call, so every in-scope actor meets the same object */
  after?: (status: number) => Promise<void>;
}

interface Spec {
  route: string;
  /** roles that pass the guard, or 'public' (no key needed) */
  roles: readonly Role[] | 'public';
  /** the status of an allowed, in-scope call */
  ok: number | readonly number[];
  cases: () => Case[];
  /** a different expectation for some actors (documented where used) */
  expect?: (a: Actor, c: Case) => number | readonly number[] | undefined;
}

const ALL: readonly Role[] = ['rep', 'manager', 'admin', 'integration'];

const OFFER_TERMS = {
  title: { en: 'an offer', 'zh-CN': '优惠' },
  description: { en: '5% off', 'zh-CN': '九五折' },
  tiers: ['core'],
  priority: 1,
};

describe('access-control matrix (two workspaces, HTTP, PostgreSQL)', () => {
  const nest = useTestApp({ http: true, workers: false });
  // every answer below is also held to the OpenAPI document (test/support/contract.ts); the last test reports
  const contract = useContract(nest);
  const wsId: Record<Ws, string> = { a: '', b: '' };
  const keys = new Map<ActorName, string>();
  const ids = new Map<string, string>(); // external id (or label) → uuid / bigint id
  const otherWsMarkers: Record<Ws, string[]> = { a: [], b: [] };
  const today = todayIn('Asia/Shanghai');
  let experimentDay = 0;
  let offerCount = 0;
  const future = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
  const id = (ref: string) => {
    const v = ids.get(ref);
    if (!v) throw new Error(`no fixture ${ref}`);
    return v;
  };

  // ---- fixture ---------------------------------------------------------------------------------------------

  async function seedWorkspace(ws: Ws): Promise<void> {
    const w = await nest.app.get(WorkspacesService).ensure({ slug: `acl-${ws}` });
    wsId[ws] = w.id;
    const q = (text: string, params: unknown[]) => nest.db.query(text, params);
    const [run] = await q(
      `INSERT INTO score_runs (workspace_id, as_of, horizon_days, status, finished_at)
       VALUES ($1, current_date, 365, 'completed', now()) RETURNING id`,
      [w.id],
    );
    ids.set(`run-${ws}`, run.id);
    for (const t of [1, 2]) {
      const team = `ws${ws}-t${t}`;
      const [tr] = await q(
        `INSERT INTO teams (workspace_id, external_id, name) VALUES ($1, $2, $2) RETURNING id`,
        [w.id, team],
      );
      ids.set(team, tr.id);
      const mgr = `ws${ws}-mgr-${t}`;
      const [m] = await q(
        `INSERT INTO reps (workspace_id, external_id, name, role, team_id) VALUES ($1, $2, $2, 'manager', $3) RETURNING id`,
        [w.id, mgr, tr.id],
      );
      ids.set(mgr, m.id);
      for (const suffix of ['a', 'b', 'spare']) {
        const rep = suffix === 'spare' ? `ws${ws}-spare-${t}` : `ws${ws}-rep-${t}${suffix}`;
        const [r] = await q(
          `INSERT INTO reps (workspace_id, external_id, name, role, team_id, manager_id)
           VALUES ($1, $2, $2, 'rep', $3, $4) RETURNING id`,
          [w.id, rep, tr.id, m.id],
        );
        ids.set(rep, r.id);
        if (suffix === 'spare') continue;
        for (const n of [1, 2]) await customer(ws, `ws${ws}-cus-${t}${suffix}-${n}`, rep);
        // today's list with one item
        const [list] = await q(
          `INSERT INTO worklists (workspace_id, rep_id, list_date, score_run_id, capacity) VALUES ($1, $2, $3, $4, 25)
           RETURNING id`,
          [w.id, r.id, today, run.id],
        );
        const [item] = await q(
          `INSERT INTO worklist_items (workspace_id, worklist_id, customer_id, rank, priority, talk_track)
           VALUES ($1, $2, $3, 1, 0.9, 'hello') RETURNING id`,
          [w.id, list.id, id(`ws${ws}-cus-${t}${suffix}-1`)],
        );
        ids.set(`item-${rep}`, item.id);
      }
      await customer(ws, `ws${ws}-erase-${t}`, `ws${ws}-rep-${t}a`);
      await customer(ws, `ws${ws}-pool-${t}`, null);
      await q(
        `INSERT INTO pool_entries (customer_id, workspace_id, team_id, reason) VALUES ($1, $2, $3, 'manual')`,
        [id(`ws${ws}-pool-${t}`), w.id, tr.id],
      );
      // a merge of two of the team's customers
      await customer(ws, `ws${ws}-dup-${t}-w`, `ws${ws}-rep-${t}a`);
      await customer(ws, `ws${ws}-dup-${t}-l`, `ws${ws}-rep-${t}a`);
      const merge = await nest.app.get(CustomerMergeService).merge({
        workspaceId: w.id,
        winnerId: id(`ws${ws}-dup-${t}-w`),
        loserId: id(`ws${ws}-dup-${t}-l`),
        reason: 'test',
        actor: 'test',
      });
      ids.set(`merge-${ws}${t}`, merge!.id);
      // a pending review candidate: two of the team's customers sharing a key, names that differ
      await customer(ws, `ws${ws}-cand-${t}-a`, `ws${ws}-rep-${t}a`);
      await customer(ws, `ws${ws}-cand-${t}-b`, `ws${ws}-rep-${t}a`);
      const [cand] = await q(
        `INSERT INTO merge_candidates (workspace_id, customer_a_id, customer_b_id, same_email, same_phone)
         VALUES ($1, $2, $3, false, true) RETURNING id`,
        [w.id, id(`ws${ws}-cand-${t}-a`), id(`ws${ws}-cand-${t}-b`)],
      );
      ids.set(`cand-${ws}${t}`, cand.id);
      const [pin] = await q(
        `INSERT INTO worklist_pins (workspace_id, customer_id, starts_on) VALUES ($1, $2, $3) RETURNING id`,
        [w.id, id(`ws${ws}-cus-${t}a-2`), today],
      );
      ids.set(`pin-${ws}${t}`, pin.id);
    }
    await customer(ws, `ws${ws}-pool-open`, null); // the workspace pool
    await reassignedAfterPublication(ws);
    await q(
      `INSERT INTO customer_scores (run_id, customer_id, workspace_id, frequency, monetary, value_tier, frequency_class,
         lifecycle, churn_risk, priority, clv)
       SELECT $1, c.id, $2, 1, 1000, 'general', 'low', 'active', 0.2, 0.5, 10000 FROM customers c WHERE c.workspace_id = $2`,
      [run.id, w.id],
    );
    await q(`UPDATE workspaces SET current_score_run_id = $2 WHERE id = $1`, [w.id, run.id]);
    for (const t of [1, 2]) {
      const proposal = await nest.app.get(RebalanceService).createProposal(nest.db, {
        workspaceId: w.id,
        teamId: id(`ws${ws}-t${t}`),
        mode: 'orphans',
        includePool: false,
        trigger: 'manual',
        actor: 'test',
      });
      ids.set(`proposal-${ws}${t}`, proposal);
    }
    const [imp] = await q(
      `INSERT INTO imports (workspace_id, kind, status, file_name, size_bytes, created_by)
       VALUES ($1, 'customers', 'completed', 'x.csv', 1, 'test') RETURNING id`,
      [w.id],
    );
    ids.set(`import-${ws}`, imp.id);
    await q(`INSERT INTO import_files (import_id, part, seq, data) VALUES ($1, 'rejects', 0, $2)`, [
      imp.id,
      Buffer.from('row,column,reason\n'),
    ]);
    const [conn] = await q(
      `INSERT INTO crm_connectors (workspace_id, name, base_url, config, enabled)
       VALUES ($1, 'acl', 'https://crm.invalid', '{}', false) RETURNING id`,
      [w.id],
    );
    ids.set(`connector-${ws}`, conn.id);
    const [hook] = await q(
      `INSERT INTO webhook_endpoints (workspace_id, url, secret) VALUES ($1, 'http://127.0.0.1:9/acl', 'whsec_AAAA') RETURNING id`,
      [w.id],
    );
    ids.set(`webhook-${ws}`, hook.id);
    const [hookDelivery] = await q(
      `WITH ev AS (INSERT INTO outbox_events (workspace_id, message_id, event_type, payload, dispatched_at)
                   VALUES ($1, $3, 'scores.updated', '{}', now()) RETURNING id)
       INSERT INTO webhook_deliveries (workspace_id, outbox_event_id, endpoint_id, status)
       SELECT $1, ev.id, $2, 'failed' FROM ev RETURNING id`,
      [w.id, hook.id, `msg_acl_${ws}`],
    );
    ids.set(`webhook-delivery-${ws}`, hookDelivery.id);
    const [exp] = await q(
      `INSERT INTO experiments (workspace_id, name, control_arm, starts_on, ends_on, created_by)
       VALUES ($1, 'acl', 'holdout', current_date, current_date, 'test') RETURNING id`,
      [w.id],
    );
    await q(
      `INSERT INTO experiment_arms (workspace_id, experiment_id, key, position, weight, bucket_from, bucket_to, strategy)
       VALUES ($1, $2, 'holdout', 0, 0.1, 0, 0.1, '{"type":"holdout"}'), ($1, $2, 'lists', 1, 0.9, 0.1, 1, '{"type":"list"}')`,
      [w.id, exp.id],
    );
    ids.set(`experiment-${ws}`, exp.id);
    await q(
      `WITH o AS (INSERT INTO offers (workspace_id, code, definition) VALUES ($1, $2, $3) RETURNING id, code, definition)
       INSERT INTO offer_versions (workspace_id, offer_id, code, version, definition) SELECT $1, id, code, 1, definition FROM o`,
      [w.id, `acl-${ws}`, JSON.stringify({ code: `acl-${ws}`, ...OFFER_TERMS })],
    );
    for (const a of ACTORS.filter((x) => x.ws === ws)) {
      const { key } = await nest.app.get(ApiKeysService).create({
        workspaceId: w.id,
        name: a.name,
        role: a.role,
        repId: a.rep ? id(a.rep) : null,
      });
      keys.set(a.name, key);
    }
    // a key that the key-management rows revoke and rotate (restored after each call)
    const managed = await nest.app
      .get(ApiKeysService)
      .create({ workspaceId: w.id, name: 'acl', role: 'integration' });
    ids.set(`apikey-${ws}`, managed.id);
  }

  /**
   * Cross-owner fixture (issue 12 part 5): rep-{t}a's list was published with two customers that have since been
   * reassigned — one to a new rep of the same team (`within`), one to the other team's new rep (`across`). Their
   * names and talk tracks are the personal data the old owner must no longer see.
   */
  async function reassignedAfterPublication(ws: Ws): Promise<void> {
    for (const t of [1, 2]) {
      const [r] = await nest.db.query(
        `INSERT INTO reps (workspace_id, external_id, name, role, team_id, manager_id)
         VALUES ($1, $2, $2, 'rep', $3, $4) RETURNING id`,
        [wsId[ws], `ws${ws}-new-${t}`, id(`ws${ws}-t${t}`), id(`ws${ws}-mgr-${t}`)],
      );
      ids.set(`ws${ws}-new-${t}`, r.id);
    }
    for (const t of [1, 2]) {
      const [list] = await nest.db.query(`SELECT id FROM worklists WHERE rep_id = $1 AND list_date = $2`, [
        id(`ws${ws}-rep-${t}a`),
        today,
      ]);
      for (const [rank, kind] of [
        [2, 'within'],
        [3, 'across'],
      ] as const) {
        const owner = `ws${ws}-new-${kind === 'within' ? t : 3 - t}`;
        const [c] = await nest.db.query(
          `INSERT INTO customers (workspace_id, external_id, name, owner_rep_id) VALUES ($1, $2, $3, $4) RETURNING id::text`,
          [wsId[ws], `ws${ws}-moved-${kind}-${t}`, movedName(ws, t, kind), id(owner)],
        );
        const [item] = await nest.db.query(
          `INSERT INTO worklist_items (workspace_id, worklist_id, customer_id, rank, priority, talk_track)
           VALUES ($1, $2, $3, $4, 0.5, $5) RETURNING id`,
          [wsId[ws], list.id, c.id, rank, `Hello ${movedName(ws, t, kind)}`],
        );
        ids.set(`moved-${kind}-${ws}${t}`, item.id);
      }
    }
  }

  const movedName = (ws: Ws, t: number, kind: string) => `Moved Person ${ws}${t}${kind}`;

  async function customer(ws: Ws, ext: string, owner: string | null): Promise<void> {
    const [c] = await nest.db.query(
      `INSERT INTO customers (workspace_id, external_id, name, owner_rep_id) VALUES ($1, $2, $2, $3) RETURNING id::text`,
      [wsId[ws], ext, owner ? id(owner) : null],
    );
    ids.set(ext, c.id);
    // one contact person each, for the per-contact personality routes
    const [k] = await nest.db.query(
      `INSERT INTO contacts (workspace_id, customer_id, origin_customer_id, external_id, name, is_primary)
       VALUES ($1, $2, $2, $3, $3, true) RETURNING id::text`,
      [wsId[ws], c.id, `${ext}-contact`],
    );
    ids.set(`${ext}-contact`, k.id);
  }

  beforeAll(async () => {
    await seedWorkspace('a');
    await seedWorkspace('b');
    await nest.db.query('ANALYZE');
    // identifiers of each workspace that must never show up in the other's answers
    for (const ws of ['a', 'b'] as Ws[]) {
      const other: Ws = ws === 'a' ? 'b' : 'a';
      otherWsMarkers[ws] = [
        `ws${other}-`,
        wsId[other],
        ...[...ids.entries()]
          .filter(([k, v]) => k.includes(`ws${other}-`) && v.includes('-'))
          .map(([, v]) => v),
      ];
    }
  });

  // ---- the table -------------------------------------------------------------------------------------------

  /** Owner of the objects named after a rep (its customers, its list's item). */
  const repOwner = (rep: string): Owner => ({
    ws: rep.slice(2, 3) as Ws,
    team: `${rep.slice(0, 3)}-t${rep.split('-')[2][0]}`,
    rep,
  });
  const REPS = ['wsa-rep-1a', 'wsa-rep-1b', 'wsa-rep-2a', 'wsb-rep-1a'];
  const TEAMS: Array<[Ws, number]> = [
    ['a', 1],
    ['a', 2],
    ['b', 1],
  ];
  const teamOwner = (ws: Ws, t: number): Owner => ({ ws, team: `ws${ws}-t${t}` });
  /** A rep's own customer and each team's unowned one (managers and admins see it), under `tail`. */
  const customerCases = (tail: string, body?: unknown): Case[] => [
    ...REPS.map((rep) => ({
      label: rep,
      path: `/v1/customers/${id(`${rep.replace('rep', 'cus')}-1`)}${tail}`,
      body,
      visible: sees.rep(repOwner(rep)),
    })),
    ...TEAMS.map(([ws, t]) => ({
      label: `pool ws${ws}-t${t}`,
      path: `/v1/customers/${id(`ws${ws}-pool-${t}`)}${tail}`,
      body,
      visible: (a: Actor) => a.ws === ws && a.role !== 'rep',
    })),
  ];
  /** customerCases for a route under the customer's contact person: /v1/customers/{id}/contacts/{contactId}<tail> */
  const contactCases = (tail: string, body?: unknown): Case[] => {
    const under = (ext: string) => `/v1/customers/${id(ext)}/contacts/${id(`${ext}-contact`)}${tail}`;
    return [
      ...REPS.map((rep) => ({
        label: rep,
        path: under(`${rep.replace('rep', 'cus')}-1`),
        body,
        visible: sees.rep(repOwner(rep)),
      })),
      ...TEAMS.map(([ws, t]) => ({
        label: `pool ws${ws}-t${t}`,
        path: under(`ws${ws}-pool-${t}`),
        body,
        visible: (a: Actor) => a.ws === ws && a.role !== 'rep',
      })),
    ];
  };
  const collection =
    (path: string, body?: unknown): (() => Case[]) =>
    () => [{ label: 'collection', path, body, visible: () => true }];
  /** one case per rep's object */
  const perRep =
    (
      path: (rep: string) => string,
      opts: { body?: (rep: string) => unknown; after?: (rep: string) => (s: number) => Promise<void> } = {},
    ) =>
    () =>
      REPS.map((rep) => ({
        label: rep,
        path: path(rep),
        body: opts.body?.(rep),
        visible: sees.rep(repOwner(rep)),
        after: opts.after?.(rep),
      }));
  /** one case per team's object */
  const perTeam =
    (
      path: (ws: Ws, t: number) => string | (() => string),
      opts: {
        body?: (ws: Ws, t: number) => unknown;
        visible?: (o: Owner) => (a: Actor) => boolean;
        after?: (ws: Ws, t: number) => (s: number) => Promise<void>;
      } = {},
    ) =>
    () =>
      TEAMS.map(([ws, t]) => ({
        label: `ws${ws}-t${t}`,
        path: path(ws, t),
        body: opts.body?.(ws, t),
        visible: (opts.visible ?? sees.team)(teamOwner(ws, t)),
        after: opts.after?.(ws, t),
      }));
  /** one case per workspace's object */
  const perWs = (path: (ws: Ws) => string, body?: (ws: Ws) => unknown) => () =>
    (['a', 'b'] as Ws[]).map((ws) => ({
      label: `ws ${ws}`,
      path: path(ws),
      body: body?.(ws),
      visible: sees.workspace({ ws }),
    }));
  const managerOrAdminOf = (o: Owner) => (a: Actor) =>
    a.ws === o.ws && (a.role === 'admin' || (a.role === 'manager' && a.team === o.team));

  const SPECS: Spec[] = [
    // health and metrics
    // no worker runs in this suite's app: /health answers 503 naming "workers" (test/health covers the 200)
    { route: 'GET /health', roles: 'public', ok: 503, cases: collection('/health') },
    // /metrics spans every tenant: no API key opens it, only METRICS_TOKEN (unset here: 404 for everyone)
    { route: 'GET /metrics', roles: 'public', ok: 404, cases: collection('/metrics') },

    // key management: a workspace's admins only
    { route: 'GET /v1/api-keys', roles: ['admin'], ok: 200, cases: collection('/v1/api-keys') },
    {
      route: 'GET /v1/api-keys/{id}',
      roles: ['admin'],
      ok: 200,
      cases: perWs((ws) => `/v1/api-keys/${id(`apikey-${ws}`)}`),
    },
    {
      route: 'POST /v1/api-keys',
      roles: ['admin'],
      ok: 201,
      cases: collection('/v1/api-keys', { name: 'acl-new', role: 'integration' }),
    },
    {
      route: 'DELETE /v1/api-keys/{id}',
      roles: ['admin'],
      ok: 200,
      cases: () =>
        (['a', 'b'] as Ws[]).map((ws) => ({
          label: `ws ${ws}`,
          path: `/v1/api-keys/${id(`apikey-${ws}`)}`,
          visible: sees.workspace({ ws }),
          after: async () => {
            await nest.db.query(`UPDATE api_keys SET revoked_at = NULL, expires_at = NULL WHERE id = $1`, [
              id(`apikey-${ws}`),
            ]);
          },
        })),
    },
    {
      route: 'POST /v1/api-keys/{id}/rotate',
      roles: ['admin'],
      ok: 201,
      cases: () =>
        (['a', 'b'] as Ws[]).map((ws) => ({
          label: `ws ${ws}`,
          path: `/v1/api-keys/${id(`apikey-${ws}`)}/rotate`,
          body: {},
          visible: sees.workspace({ ws }),
          after: async () => {
            await nest.db.query(`UPDATE api_keys SET revoked_at = NULL, expires_at = NULL WHERE id = $1`, [
              id(`apikey-${ws}`),
            ]);
          },
        })),
    },
    // the embeddable page authenticates by a signed token (issued by POST /v1/embed-tokens), not by API key
    {
      route: 'GET /embed/worklist',
      roles: 'public',
      ok: 401,
      cases: () => [
        { label: 'no token', path: '/embed/worklist', visible: () => true },
        { label: 'forged token', path: '/embed/worklist?token=eyJ4IjoxfQ.AAAA', visible: () => true },
      ],
    },
    // the page's script calls /embed/api with the embed token as its bearer: an API key is not one (401 for every
    // key); the token's own scope is tested in test/web/rep-workspace.browser.test.ts
    ...(
      [
        'GET',
        'POST outcome',
        'POST snooze',
        'POST pin',
        'POST personality',
        'POST personality/questionnaire',
      ] as const
    ).map((what) => {
      const [method, action] = what.split(' ');
      const suffix = action ? `/${action}` : '';
      return {
        route: `${method} /embed/api/items/{id}${suffix}`,
        roles: 'public' as const,
        ok: 401,
        cases: () => [
          {
            label: 'api key as bearer',
            path: `/embed/api/items/00000000-0000-4000-8000-000000000000${suffix}`,
            ...(method === 'POST' ? { body: {} } : {}),
            visible: () => true,
          },
        ],
      };
    }),
    // the manager dashboard: a manager embed token (its scope is tested in test/web/manager-dashboard.browser.test.ts)
    ...(['/embed/manager', '/embed/manager/customers.csv'] as const).map((path) => ({
      route: `GET ${path}`,
      roles: 'public' as const,
      ok: 401,
      cases: () => [
        { label: 'no token', path, visible: () => true },
        { label: 'forged token', path: `${path}?token=eyJ4IjoxfQ.AAAA`, visible: () => true },
      ],
    })),
    ...(
      [
        ['GET', '/embed/api/manager/movers', '/embed/api/manager/movers?kind=promoted'],
        ['GET', '/embed/api/manager/customers', '/embed/api/manager/customers'],
        ['GET', '/embed/api/manager/load', '/embed/api/manager/load'],
        ['GET', '/embed/api/manager/experiment', '/embed/api/manager/experiment'],
        ['POST', '/embed/api/manager/rebalance', '/embed/api/manager/rebalance'],
        [
          'POST',
          '/embed/api/manager/rebalance/{id}/apply',
          '/embed/api/manager/rebalance/00000000-0000-4000-8000-000000000000/apply',
        ],
      ] as const
    ).map(([method, route, path]) => ({
      route: `${method} ${route}`,
      roles: 'public' as const,
      ok: 401,
      cases: () => [
        { label: 'api key as bearer', path, ...(method === 'POST' ? { body: {} } : {}), visible: () => true },
      ],
    })),
    // ECharts for the dashboard's charts, from the installed package: a public file (unknown names 404)
    {
      route: 'GET /embed/vendor/{file}',
      roles: 'public',
      ok: 404,
      cases: () => [{ label: 'unknown file', path: '/embed/vendor/nothing.js', visible: () => true }],
    },
    // the pages' stylesheet and script: public files
    {
      route: 'GET /embed/static/{name}',
      roles: 'public',
      ok: 200,
      cases: () => [{ label: 'stylesheet', path: '/embed/static/embed.css', visible: () => true }],
    },

    // CRM sync: inbound events are public but signed; the admin side is workspace-scoped
    {
      route: 'POST /v1/crm/events/{workspaceSlug}',
      roles: 'public',
      ok: 401, // no signature headers: refused whoever calls
      cases: () => [
        { label: 'ws a', path: '/v1/crm/events/acl-a', body: { events: [] }, visible: () => true },
      ],
    },
    {
      route: 'POST /v1/crm/webhook-secret/rotate',
      roles: ['admin'],
      ok: [200, 201],
      cases: collection('/v1/crm/webhook-secret/rotate', {}),
    },
    {
      route: 'GET /v1/crm/inbox',
      roles: ['admin', 'integration'],
      ok: 200,
      cases: collection('/v1/crm/inbox'),
    },
    {
      route: 'POST /v1/crm/inbox/reprocess',
      roles: ['admin'],
      ok: [200, 201],
      cases: collection('/v1/crm/inbox/reprocess', {}),
    },
    {
      route: 'GET /v1/crm/parked',
      roles: ['admin', 'integration'],
      ok: 200,
      cases: collection('/v1/crm/parked'),
    },
    {
      route: 'GET /v1/sync/conflicts',
      roles: ['admin', 'integration'],
      ok: 200,
      cases: collection('/v1/sync/conflicts'),
    },
    {
      route: 'GET /v1/sync/rejects',
      roles: ['admin', 'integration'],
      ok: 200,
      cases: collection('/v1/sync/rejects'),
    },
    {
      route: 'POST /v1/sync/rejects/replay',
      roles: ['admin'],
      ok: 200,
      cases: collection('/v1/sync/rejects/replay', { kind: 'parked' }),
    },
    {
      route: 'GET /v1/currency-rates',
      roles: ['admin'],
      ok: 200,
      cases: collection('/v1/currency-rates'),
    },
    {
      route: 'PUT /v1/currency-rates',
      roles: ['admin'],
      ok: 200,
      cases: collection('/v1/currency-rates', { rates: [] }),
    },
    // an empty connector definition reaches the handler and fails its schema: 400 proves the guard let it through
    {
      route: 'POST /v1/crm/connectors',
      roles: ['admin'],
      ok: 400,
      cases: collection('/v1/crm/connectors', {}),
    },
    {
      route: 'GET /v1/crm/connectors',
      roles: ['admin', 'integration'],
      ok: 200,
      cases: collection('/v1/crm/connectors'),
    },
    {
      route: 'GET /v1/crm/connectors/{id}',
      roles: ['admin', 'integration'],
      ok: 200,
      cases: perWs((ws) => `/v1/crm/connectors/${id(`connector-${ws}`)}`),
    },
    {
      route: 'DELETE /v1/crm/connectors/{id}',
      roles: ['admin'],
      ok: 204,
      cases: () =>
        (['a', 'b'] as Ws[]).map((ws) => ({
          label: `ws ${ws}`,
          path: `/v1/crm/connectors/${id(`connector-${ws}`)}`,
          visible: sees.workspace({ ws }),
          after: async (s: number) => {
            if (s !== 204) return;
            await nest.db.query(
              `INSERT INTO crm_connectors (id, workspace_id, name, base_url, config, enabled)
               VALUES ($1, $2, 'acl', 'https://crm.invalid', '{}', false) ON CONFLICT (id) DO NOTHING`,
              [id(`connector-${ws}`), wsId[ws]],
            );
          },
        })),
    },
    {
      route: 'POST /v1/crm/connectors/{id}/pull',
      roles: ['admin', 'integration'],
      ok: [202, 409],
      cases: perWs((ws) => `/v1/crm/connectors/${id(`connector-${ws}`)}/pull`),
    },
    // the matrix's connectors are generic: a push reaches the handler and is refused there (409 not_supported)
    {
      route: 'POST /v1/crm/connectors/{id}/push',
      roles: ['admin', 'integration'],
      ok: 409,
      cases: perWs((ws) => `/v1/crm/connectors/${id(`connector-${ws}`)}/push`),
    },
    {
      route: 'GET /v1/crm/connectors/{id}/write-back-failures',
      roles: ['admin', 'integration'],
      ok: 200,
      cases: perWs((ws) => `/v1/crm/connectors/${id(`connector-${ws}`)}/write-back-failures`),
    },

    // customers
    // the list and its export answer 200 to every role, with only the caller's customers (test/customers/customer-list.test.ts)
    { route: 'GET /v1/customers', roles: ALL, ok: 200, cases: collection('/v1/customers?limit=500') },
    {
      route: 'GET /v1/customers/export.csv',
      roles: ALL,
      ok: 200,
      cases: collection('/v1/customers/export.csv'),
    },
    {
      route: 'GET /v1/customers/{id}',
      roles: ALL,
      ok: 200,
      cases: () => [
        ...REPS.map((rep) => ({
          label: rep,
          path: `/v1/customers/${id(`${rep.replace('rep', 'cus')}-1`)}`,
          visible: sees.rep(repOwner(rep)),
        })),
        // unowned: managers and admins of the workspace see it (contact details masked for managers)
        ...TEAMS.map(([ws, t]) => ({
          label: `pool ws${ws}-t${t}`,
          path: `/v1/customers/${id(`ws${ws}-pool-${t}`)}`,
          visible: (a: Actor) => a.ws === ws && a.role !== 'rep',
        })),
      ],
    },
    // personality: scoped like the customer view; writes for reps, managers and admins
    {
      route: 'GET /v1/personality/questionnaire',
      roles: ALL,
      ok: 200,
      cases: collection('/v1/personality/questionnaire'),
    },
    {
      route: 'GET /v1/customers/{id}/personality',
      roles: ALL,
      ok: 200,
      cases: () => customerCases('/personality'),
    },
    {
      route: 'PUT /v1/customers/{id}/personality',
      roles: ['rep', 'manager', 'admin'],
      ok: 200,
      cases: () => customerCases('/personality', { type: 'leader' }),
    },
    {
      route: 'POST /v1/customers/{id}/personality/questionnaire',
      roles: ['rep', 'manager', 'admin'],
      ok: 201,
      cases: () =>
        customerCases('/personality/questionnaire', {
          answers: Object.fromEntries(QUESTIONNAIRE.map((q) => [q.id, q.options[0].id])),
        }),
    },
    {
      route: 'GET /v1/customers/{id}/contacts/personality',
      roles: ALL,
      ok: 200,
      cases: () => customerCases('/contacts/personality'),
    },
    {
      route: 'GET /v1/customers/{id}/contacts/{contactId}/personality',
      roles: ALL,
      ok: 200,
      cases: () => contactCases('/personality'),
    },
    {
      route: 'PUT /v1/customers/{id}/contacts/{contactId}/personality',
      roles: ['rep', 'manager', 'admin'],
      ok: 200,
      cases: () => contactCases('/personality', { type: 'leader' }),
    },
    {
      route: 'POST /v1/customers/{id}/contacts/{contactId}/personality/questionnaire',
      roles: ['rep', 'manager', 'admin'],
      ok: 201,
      cases: () =>
        contactCases('/personality/questionnaire', {
          answers: Object.fromEntries(QUESTIONNAIRE.map((q) => [q.id, q.options[0].id])),
        }),
    },
    {
      route: 'POST /v1/customers/{id}/erase',
      roles: ['manager', 'admin'],
      ok: 200,
      cases: perTeam((ws, t) => `/v1/customers/${id(`ws${ws}-erase-${t}`)}/erase`, {
        visible: managerOrAdminOf,
      }),
    },
    { route: 'GET /v1/merges', roles: ['manager', 'admin'], ok: 200, cases: collection('/v1/merges') },
    {
      route: 'POST /v1/merges/{id}/undo',
      roles: ['manager', 'admin'],
      ok: 200,
      cases: perTeam((ws, t) => () => `/v1/merges/${id(`merge-${ws}${t}`)}/undo`, {
        visible: managerOrAdminOf,
        // merge again, so the next in-scope actor finds the same merge to undo
        after: (ws, t) => async (s) => {
          if (s !== 200) return;
          const m = await nest.app.get(CustomerMergeService).merge({
            workspaceId: wsId[ws],
            winnerId: id(`ws${ws}-dup-${t}-w`),
            loserId: id(`ws${ws}-dup-${t}-l`),
            reason: 'test',
            actor: 'test',
          });
          ids.set(`merge-${ws}${t}`, m!.id);
        },
      }),
    },

    {
      route: 'GET /v1/merge-candidates',
      roles: ['manager', 'admin'],
      ok: 200,
      cases: collection('/v1/merge-candidates'),
    },
    {
      route: 'POST /v1/merge-candidates/{id}/reject',
      roles: ['manager', 'admin'],
      ok: 200,
      cases: perTeam((ws, t) => `/v1/merge-candidates/${id(`cand-${ws}${t}`)}/reject`, {
        visible: managerOrAdminOf,
        after: (ws, t) => async () => {
          await nest.db.query(
            `UPDATE merge_candidates SET status = 'pending', decided_at = NULL, decided_by = NULL WHERE id = $1`,
            [id(`cand-${ws}${t}`)],
          );
        },
      }),
    },
    {
      route: 'POST /v1/merge-candidates/{id}/accept',
      roles: ['manager', 'admin'],
      ok: 200,
      cases: perTeam((ws, t) => `/v1/merge-candidates/${id(`cand-${ws}${t}`)}/accept`, {
        visible: managerOrAdminOf,
        // undo the merge and reopen the candidate, so the next in-scope actor can accept it again
        after: (ws, t) => async (s) => {
          if (s !== 200) return;
          const [c] = await nest.db.query(`SELECT merge_id FROM merge_candidates WHERE id = $1`, [
            id(`cand-${ws}${t}`),
          ]);
          await nest.app.get(CustomerMergeService).undo(wsId[ws], c.merge_id, 'test');
          await nest.db.query(
            `UPDATE merge_candidates SET status = 'pending', decided_at = NULL, decided_by = NULL, merge_id = NULL
             WHERE id = $1`,
            [id(`cand-${ws}${t}`)],
          );
        },
      }),
    },

    // imports: without a file the request reaches the handler and fails there (400)
    {
      route: 'POST /v1/imports',
      roles: ['admin', 'integration'],
      ok: 400,
      cases: collection('/v1/imports', {}),
    },
    { route: 'GET /v1/imports', roles: ['admin', 'integration'], ok: 200, cases: collection('/v1/imports') },
    {
      route: 'GET /v1/imports/{id}',
      roles: ['admin', 'integration'],
      ok: 200,
      cases: perWs((ws) => `/v1/imports/${id(`import-${ws}`)}`),
    },
    {
      route: 'GET /v1/imports/{id}/rejects',
      roles: ['admin', 'integration'],
      ok: 200,
      cases: perWs((ws) => `/v1/imports/${id(`import-${ws}`)}/rejects`),
    },

    // the offer catalog: everyone reads, admins and managers write. A write without If-Match answers 428 once the
    // guard and the scope let it through (409/422 are test/offers').
    { route: 'GET /v1/offers', roles: ALL, ok: 200, cases: collection('/v1/offers') },
    { route: 'GET /v1/offers/{code}', roles: ALL, ok: 200, cases: perWs((ws) => `/v1/offers/acl-${ws}`) },
    {
      route: 'GET /v1/offers/{code}/versions',
      roles: ALL,
      ok: 200,
      cases: perWs((ws) => `/v1/offers/acl-${ws}/versions`),
    },
    {
      route: 'POST /v1/offers',
      roles: ['admin', 'manager'],
      ok: 201,
      cases: collection('/v1/offers', () => ({ code: `acl-new-${(offerCount += 1)}`, ...OFFER_TERMS })),
    },
    {
      route: 'PUT /v1/offers/{code}',
      roles: ['admin', 'manager'],
      ok: 428,
      cases: perWs(
        (ws) => `/v1/offers/acl-${ws}`,
        () => OFFER_TERMS,
      ),
    },
    {
      route: 'POST /v1/offers/{code}/archive',
      roles: ['admin', 'manager'],
      ok: 428,
      cases: perWs((ws) => `/v1/offers/acl-${ws}/archive`),
    },

    // experiments and scoring
    {
      route: 'POST /v1/experiments',
      roles: ['admin'],
      ok: 201,
      // each on a day of its own, so that no two overlap
      cases: collection('/v1/experiments', () => {
        experimentDay += 1;
        const day = new Date(Date.UTC(2031, 0, 1) + experimentDay * 86_400_000).toISOString().slice(0, 10);
        return { name: 'x', holdoutShare: 0.1, startsOn: day, endsOn: day };
      }),
    },
    {
      route: 'GET /v1/experiments',
      roles: ['admin', 'manager'],
      ok: 200,
      cases: collection('/v1/experiments'),
    },
    {
      route: 'GET /v1/experiments/{id}/report',
      roles: ['admin', 'manager'],
      ok: 200,
      cases: perWs((ws) => `/v1/experiments/${id(`experiment-${ws}`)}/report`),
    },
    {
      route: 'POST /v1/score-runs',
      roles: ['admin', 'integration'],
      ok: 201,
      cases: collection('/v1/score-runs', {}),
    },
    {
      route: 'GET /v1/score-runs',
      roles: ['admin', 'manager', 'integration'],
      ok: 200,
      cases: collection('/v1/score-runs'),
    },
    {
      route: 'GET /v1/score-runs/{id}',
      roles: ['admin', 'manager', 'integration'],
      ok: 200,
      cases: perWs((ws) => `/v1/score-runs/${id(`run-${ws}`)}`),
    },
    {
      route: 'GET /v1/score-runs/{id}/accuracy',
      roles: ['admin', 'manager', 'integration'],
      ok: 200,
      cases: perWs((ws) => `/v1/score-runs/${id(`run-${ws}`)}/accuracy`),
    },
    {
      route: 'GET /v1/score-runs/{id}/scores',
      roles: ['admin', 'integration'],
      ok: 200,
      cases: perWs((ws) => `/v1/score-runs/${id(`run-${ws}`)}/scores`),
    },

    // call lists
    {
      route: 'GET /v1/me/worklist',
      roles: ALL,
      ok: 200,
      cases: collection('/v1/me/worklist'),
      // only reps get lists; a manager's key has no list today, admin and integration keys have no rep
      expect: (a) => (a.role === 'rep' ? 200 : 404),
    },
    {
      route: 'GET /v1/reps/{repId}/worklist',
      roles: ALL,
      ok: 200,
      cases: perRep((rep) => `/v1/reps/${rep}/worklist`),
    },
    {
      route: 'GET /v1/reps/{repId}/worklist-attribution',
      roles: ALL,
      ok: 200,
      cases: perRep((rep) => `/v1/reps/${id(rep)}/worklist-attribution?from=${today}&to=${today}`),
    },
    {
      route: 'GET /v1/worklist-items/{id}',
      roles: ALL,
      ok: 200,
      cases: perRep((rep) => `/v1/worklist-items/${id(`item-${rep}`)}`),
    },
    {
      route: 'POST /v1/worklist-items/{id}/outcome',
      roles: ['rep', 'manager', 'admin'],
      ok: [201, 409], // the first in-scope caller records it; later ones find the item closed
      cases: perRep((rep) => `/v1/worklist-items/${id(`item-${rep}`)}/outcome`, {
        body: () => ({ outcome: 'no_answer' }),
      }),
    },
    {
      route: 'POST /v1/worklist-items/{id}/snooze',
      roles: ['rep', 'manager', 'admin'],
      ok: [201, 409],
      cases: perRep((rep) => `/v1/worklist-items/${id(`item-${rep}`)}/snooze`, {
        body: () => ({ until: future, reason: 'x' }),
      }),
    },
    {
      route: 'DELETE /v1/worklist-pins/{id}',
      roles: ['manager', 'admin'],
      ok: 204,
      cases: perTeam((ws, t) => `/v1/worklist-pins/${id(`pin-${ws}${t}`)}`, {
        visible: managerOrAdminOf,
        after: (ws, t) => async (s) => {
          if (s === 204)
            await nest.db.query(`UPDATE worklist_pins SET removed_at = NULL WHERE id = $1`, [
              id(`pin-${ws}${t}`),
            ]);
        },
      }),
    },
    {
      route: 'POST /v1/worklist-pins',
      roles: ['manager', 'admin'],
      ok: 201,
      cases: () =>
        REPS.map((rep) => ({
          label: rep,
          path: '/v1/worklist-pins',
          body: { customer: `${rep.replace('rep', 'cus')}-1` },
          visible: managerOrAdminOf(repOwner(rep)),
        })),
    },
    {
      route: 'GET /v1/worklist-pins',
      roles: ['manager', 'admin'],
      ok: 200,
      cases: collection('/v1/worklist-pins'),
    },
    {
      route: 'POST /v1/worklist-events',
      roles: ['integration', 'admin'],
      ok: 202,
      cases: () =>
        REPS.map((rep, i) => ({
          label: rep,
          path: '/v1/worklist-events',
          body: {
            customer: `${rep.replace('rep', 'cus')}-2`,
            kind: 'complaint',
            eventId: `acl-${i}-${Math.random()}`,
          },
          visible: sees.workspace(repOwner(rep)),
        })),
    },
    {
      route: 'POST /v1/embed-tokens',
      roles: ALL,
      ok: [200, 201],
      cases: () =>
        REPS.map((rep) => ({
          label: rep,
          path: '/v1/embed-tokens',
          body: { rep },
          visible: sees.rep(repOwner(rep)),
        })),
    },

    // webhooks and audit
    {
      route: 'POST /v1/webhook-endpoints',
      roles: ['admin', 'integration'],
      ok: 201,
      cases: collection('/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hook' }),
    },
    {
      route: 'GET /v1/webhook-endpoints',
      roles: ['admin', 'integration'],
      ok: 200,
      cases: collection('/v1/webhook-endpoints'),
    },
    {
      route: 'GET /v1/webhook-event-types',
      roles: ['admin', 'integration'],
      ok: 200,
      cases: collection('/v1/webhook-event-types'),
    },
    ...(
      [
        ['GET', '', 200],
        ['PATCH', '', 200, { eventTypes: ['scores.updated'] }],
        ['POST', '/enable', 200],
        ['POST', '/disable', 200],
        ['POST', '/rotate-secret', 200, {}],
        ['GET', '/deliveries', 200],
        // 409 once an earlier row disabled the endpoint: recover needs it enabled
        ['POST', '/recover', [202, 409], { since: '2020-01-01T00:00:00Z' }],
        ['POST', '/test', 200, {}],
      ] as Array<[string, string, number | number[], unknown?]>
    ).map(([method, tail, ok, body]): Spec => ({
      route: `${method} /v1/webhook-endpoints/{id}${tail}`,
      roles: ['admin', 'integration'],
      ok,
      cases: perWs(
        (ws) => `/v1/webhook-endpoints/${id(`webhook-${ws}`)}${tail}`,
        body === undefined ? undefined : () => body,
      ),
    })),
    {
      route: 'POST /v1/webhook-deliveries/{id}/replay',
      roles: ['admin', 'integration'],
      ok: 202,
      cases: perWs((ws) => `/v1/webhook-deliveries/${id(`webhook-delivery-${ws}`)}/replay`),
    },
    {
      route: 'DELETE /v1/webhook-endpoints/{id}',
      roles: ['admin', 'integration'],
      ok: 204,
      cases: () =>
        (['a', 'b'] as Ws[]).map((ws) => ({
          label: `ws ${ws}`,
          path: `/v1/webhook-endpoints/${id(`webhook-${ws}`)}`,
          visible: sees.workspace({ ws }),
          after: async (s: number) => {
            if (s !== 204) return;
            await nest.db.query(
              `INSERT INTO webhook_endpoints (id, workspace_id, url, secret)
               VALUES ($1, $2, 'http://127.0.0.1:9/acl', 'whsec_AAAA') ON CONFLICT (id) DO NOTHING`,
              [id(`webhook-${ws}`), wsId[ws]],
            );
          },
        })),
    },
    { route: 'GET /v1/audit-log', roles: ['admin', 'manager'], ok: 200, cases: collection('/v1/audit-log') },

    // assignments
    {
      route: 'POST /v1/assignments',
      roles: ['manager', 'admin'],
      ok: 200,
      // to the current owner: a no-op that still passes every scope check
      cases: () =>
        REPS.map((rep) => ({
          label: rep,
          path: '/v1/assignments',
          body: { customerIds: [id(`${rep.replace('rep', 'cus')}-1`)], toRepId: rep },
          visible: managerOrAdminOf(repOwner(rep)),
        })),
    },
    {
      route: 'GET /v1/assignments',
      roles: ['rep', 'manager', 'admin'],
      ok: 200,
      cases: perRep((rep) => `/v1/assignments?customerId=${id(`${rep.replace('rep', 'cus')}-1`)}`),
    },
    {
      route: 'GET /v1/teams/{teamId}/load',
      roles: ['manager', 'admin'],
      ok: 200,
      cases: perTeam((ws, t) => `/v1/teams/ws${ws}-t${t}/load`),
    },
    {
      route: 'POST /v1/rebalance-proposals',
      roles: ['manager', 'admin'],
      ok: 201,
      cases: perTeam(() => '/v1/rebalance-proposals', {
        body: (ws, t) => ({ teamId: `ws${ws}-t${t}`, mode: 'orphans' }),
      }),
    },
    {
      route: 'GET /v1/rebalance-proposals',
      roles: ['manager', 'admin'],
      ok: 200,
      cases: collection('/v1/rebalance-proposals'),
    },
    {
      route: 'GET /v1/rebalance-proposals/{id}',
      roles: ['manager', 'admin'],
      ok: 200,
      cases: perTeam((ws, t) => `/v1/rebalance-proposals/${id(`proposal-${ws}${t}`)}`),
    },
    ...(['apply', 'discard'] as const).map((action): Spec => ({
      route: `POST /v1/rebalance-proposals/{id}/${action}`,
      roles: ['manager', 'admin'],
      ok: 200,
      cases: perTeam((ws, t) => `/v1/rebalance-proposals/${id(`proposal-${ws}${t}`)}/${action}`, {
        after: (ws, t) => async (s) => {
          if (s === 200)
            await nest.db.query(`UPDATE rebalance_proposals SET status = 'open' WHERE id = $1`, [
              id(`proposal-${ws}${t}`),
            ]);
        },
      }),
    })),
    {
      route: 'POST /v1/reps/{repId}/deactivate',
      roles: ['manager', 'admin'],
      ok: 200,
      cases: perTeam((ws, t) => `/v1/reps/ws${ws}-spare-${t}/deactivate`, {
        body: () => ({}),
        visible: managerOrAdminOf,
        after: (ws, t) => async (s) => {
          if (s === 200)
            await nest.db.query(`UPDATE reps SET active = true WHERE id = $1`, [id(`ws${ws}-spare-${t}`)]);
        },
      }),
    },

    // the public pool
    { route: 'GET /v1/pool', roles: ['rep', 'manager', 'admin'], ok: 200, cases: collection('/v1/pool') },
    {
      route: 'POST /v1/pool/claims',
      roles: ['rep'],
      ok: 200,
      cases: () =>
        [
          ...TEAMS.map(([ws, t]) => ({ ws, t, ext: `ws${ws}-pool-${t}` })),
          ...(['a', 'b'] as Ws[]).map((ws) => ({ ws, t: 0, ext: `ws${ws}-pool-open` })),
        ].map(({ ws, t, ext }) => ({
          label: ext,
          path: '/v1/pool/claims',
          body: { customerIds: [id(ext)] },
          // a rep claims from their team's pool and the workspace pool
          visible: (a: Actor) => a.ws === ws && (t === 0 || a.team === `ws${ws}-t${t}`),
          after: async (s: number) => {
            if (s !== 200) return;
            await nest.db.query(`UPDATE customers SET owner_rep_id = NULL WHERE id = $1`, [id(ext)]);
            await nest.db.query(`DELETE FROM assignment_history WHERE customer_id = $1`, [id(ext)]);
            if (t) {
              await nest.db.query(
                `INSERT INTO pool_entries (customer_id, workspace_id, team_id, reason) VALUES ($1, $2, $3, 'manual')`,
                [id(ext), wsId[ws], id(`ws${ws}-t${t}`)],
              );
            }
          },
        })),
    },
    {
      route: 'GET /v1/pool/reminders',
      roles: ['rep', 'manager', 'admin'],
      ok: 200,
      cases: collection('/v1/pool/reminders'),
    },
    {
      route: 'GET /v1/pool/settings',
      roles: ['rep', 'manager', 'admin'],
      ok: 200,
      cases: collection('/v1/pool/settings'),
    },
    {
      route: 'PATCH /v1/pool/settings',
      roles: ['admin'],
      ok: 200,
      cases: collection('/v1/pool/settings', { dailyClaimLimit: 20 }),
    },
    { route: 'POST /v1/pool/sweeps', roles: ['admin'], ok: 200, cases: collection('/v1/pool/sweeps', {}) },
    // the write-back field mapping of the caller's workspace (docs/write-back.md)
    {
      route: 'GET /v1/write-back/field-mapping',
      roles: ['admin'],
      ok: 200,
      cases: collection('/v1/write-back/field-mapping'),
    },
    {
      route: 'PUT /v1/write-back/field-mapping',
      roles: ['admin'],
      ok: 200,
      cases: collection('/v1/write-back/field-mapping', { fields: { tier: 'callplan_tier' } }),
    },
    // the caller's own workspace: no path parameter, so no other workspace can be named
    {
      route: 'GET /v1/workspace',
      roles: ['admin', 'integration'],
      ok: 200,
      cases: collection('/v1/workspace'),
    },
    {
      route: 'PATCH /v1/workspace',
      roles: ['admin'],
      ok: 200,
      cases: collection('/v1/workspace', { locale: 'en' }),
    },
    {
      route: 'POST /v1/workspace/talk-tracks/preview',
      roles: ['admin'],
      ok: 200,
      cases: collection('/v1/workspace/talk-tracks/preview', {
        locale: 'en',
        personality: 'neutral',
        situation: 'repeat',
        valueTier: 'core',
        offerType: 'none',
      }),
    },
  ];

  // ---- running it ------------------------------------------------------------------------------------------

  async function call(key: string | null, method: string, path: string, body?: unknown) {
    const res = await fetch(`${nest.url}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, text: await res.text() };
  }

  const expected = (spec: Spec, a: Actor, c: Case): readonly number[] => {
    const special = spec.expect?.(a, c);
    if (special !== undefined) return typeof special === 'number' ? [special] : special;
    if (spec.roles !== 'public' && !spec.roles.includes(a.role)) return [403];
    if (!c.visible(a)) return [404];
    return typeof spec.ok === 'number' ? [spec.ok] : spec.ok;
  };

  it('has a row for every route the app serves', async () => {
    // the router is the truth (it also holds routes kept out of the OpenAPI document); the document must agree
    const instance = nest.app.getHttpAdapter().getInstance() as {
      router?: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> };
    };
    const served = (instance.router?.stack ?? [])
      .flatMap((layer) => (layer.route ? [layer.route] : []))
      .filter((r) => !r.path.startsWith('/docs') && !r.path.includes('*'))
      .flatMap((r) =>
        Object.keys(r.methods).map((m) => `${m.toUpperCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
      );
    expect(served.length).toBeGreaterThan(50);
    const doc = (await (await fetch(`${nest.url}/docs-json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const known = new Set(SPECS.map((s) => s.route));
    expect([...new Set([...served, ...documented])].filter((r) => !known.has(r))).toEqual([]);
    expect(SPECS.map((s) => s.route).filter((r) => !served.includes(r))).toEqual([]);
  });

  it('answers every (actor, object) pair as the table says, and never leaks the other workspace', async () => {
    const mismatches: string[] = [];
    const leaks: string[] = [];
    let calls = 0;
    for (const spec of SPECS) {
      const [method] = spec.route.split(' ');
      for (const c of spec.cases()) {
        const path = () => (typeof c.path === 'function' ? c.path() : c.path);
        const body = () => (typeof c.body === 'function' ? (c.body as () => unknown)() : c.body);
        // no key, and a well-formed key that does not exist
        if (spec.roles !== 'public') {
          for (const [who, key] of [
            ['no key', null],
            ['bad key', 'cpk_abcdefgh_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
          ] as const) {
            const res = await call(key, method, path(), body());
            calls += 1;
            if (res.status !== 401)
              mismatches.push(`${spec.route} [${c.label}] ${who}: expected 401, got ${res.status}`);
          }
        }
        for (const a of ACTORS) {
          const want = expected(spec, a, c);
          const res = await call(keys.get(a.name)!, method, path(), body());
          calls += 1;
          if (!want.includes(res.status)) {
            mismatches.push(
              `${spec.route} [${c.label}] ${a.name}: expected ${want.join('|')}, got ${res.status} ${res.text.slice(0, 160)}`,
            );
          }
          if (res.status < 300) {
            const leaked = otherWsMarkers[a.ws].find((m) => res.text.includes(m));
            if (leaked) leaks.push(`${spec.route} [${c.label}] ${a.name}: answer contains ${leaked}`);
          }
          await c.after?.(res.status);
        }
      }
    }
    process.stdout.write(`access matrix: ${calls} calls over ${SPECS.length} routes\n`);
    expect(leaks).toEqual([]);
    expect(mismatches).toEqual([]);
  }, 300_000); // ~470 HTTP calls in sequence: 96 s alone under a load average of 10, past the default 120 s in a full run

  it('refuses whoever lost a customer its old worklist item: read shows it reassigned, no outcome or snooze', async () => {
    const cases = (['a', 'b'] as Ws[]).flatMap((ws) =>
      [1, 2].flatMap((t) =>
        (['within', 'across'] as const).map((kind) => ({
          label: `${kind} ws${ws}-t${t}`,
          ws,
          item: id(`moved-${kind}-${ws}${t}`),
          listRep: `ws${ws}-rep-${t}a`,
          name: movedName(ws, t, kind),
          ext: `ws${ws}-moved-${kind}-${t}`,
          customerTeam: `ws${ws}-t${kind === 'within' ? t : 3 - t}`,
        })),
      ),
    );
    type MovedCase = (typeof cases)[number];
    // who may reach the item (the list's scope) and who may still read its customer (the customer's scope)
    const readsList = (a: Actor, c: MovedCase) => sees.rep(repOwner(c.listRep))(a);
    const readsCustomer = (a: Actor, c: MovedCase) =>
      a.ws === c.ws &&
      (a.role === 'admin' || a.role === 'integration' || (a.role === 'manager' && a.team === c.customerTeam));
    const acts = (a: Actor) => a.role !== 'integration';
    const mismatches: string[] = [];
    const check = (what: string, ok: boolean, got: { status: number; text: string }) => {
      if (!ok) mismatches.push(`${what}: got ${got.status} ${got.text.slice(0, 160)}`);
    };
    const state = async () =>
      (
        await nest.db.query(
          `SELECT (SELECT count(*) FROM worklist_outcomes o WHERE o.item_id = ANY ($1::uuid[]))::int AS outcomes,
                  (SELECT count(*) FROM contact_suppressions x JOIN worklist_items i ON i.customer_id = x.customer_id
                   WHERE i.id = ANY ($1::uuid[]))::int AS suppressions,
                  (SELECT count(*) FROM worklist_items i WHERE i.id = ANY ($1::uuid[]) AND i.state <> 'open')::int AS closed`,
          [cases.map((c) => c.item)],
        )
      )[0];

    for (const c of cases) {
      for (const a of ACTORS) {
        const key = keys.get(a.name)!;
        const who = `${c.label} ${a.name}`;
        const item = await call(key, 'GET', `/v1/worklist-items/${c.item}`);
        if (!readsList(a, c)) check(`GET item ${who} → 404`, item.status === 404, item);
        else {
          const full = readsCustomer(a, c);
          check(
            `GET item ${who} → 200 ${full ? 'open, with the customer' : 'reassigned, without the customer'}`,
            item.status === 200 &&
              JSON.parse(item.text).state === (full ? 'open' : 'reassigned') &&
              item.text.includes(c.name) === full,
            item,
          );
        }
        const list = await call(key, 'GET', `/v1/reps/${c.listRep}/worklist?state=all&limit=200`);
        if (readsList(a, c)) {
          check(
            `GET list ${who} shows the customer: ${readsCustomer(a, c)}`,
            list.status === 200 && list.text.includes(c.name) === readsCustomer(a, c),
            list,
          );
        }
        // those who lost the customer try to act on the old item
        if (readsCustomer(a, c)) continue;
        for (const [path, body] of [
          ['outcome', { outcome: 'not_interested', personality: 'leader' }],
          ['snooze', { until: future, reason: 'x' }],
        ] as const) {
          const res = await call(key, 'POST', `/v1/worklist-items/${c.item}/${path}`, body);
          const want = !acts(a) ? 403 : !readsList(a, c) ? 404 : 409;
          check(
            `POST ${path} ${who} → ${want}`,
            res.status === want && (want !== 409 || JSON.parse(res.text).error.code === 'item_reassigned'),
            res,
          );
        }
        const pin = await call(key, 'POST', '/v1/worklist-pins', { customer: c.ext });
        check(
          `POST pin ${who}`,
          pin.status === (a.role === 'manager' || a.role === 'admin' ? 404 : 403),
          pin,
        );
      }
    }
    // nothing they tried changed the customers or the items
    expect(await state()).toEqual({ outcomes: 0, suppressions: 0, closed: 0 });

    // the embeddable page shows rep-1a's list as rep-1a sees it, whoever minted the token
    for (const minter of ['adminA', 'integA', 'repA1'] as const) {
      const token = await call(keys.get(minter)!, 'POST', '/v1/embed-tokens', { rep: 'wsa-rep-1a' });
      const page = await call(null, 'GET', JSON.parse(token.text).path);
      check(
        `embed page minted by ${minter}`,
        page.status === 200 &&
          page.text.includes('wsa-moved-within-1') &&
          !page.text.includes('Moved Person'),
        page,
      );
    }

    // those who still reach the customer keep acting on the item (the first records it, the rest find it closed)
    for (const c of cases) {
      for (const a of ACTORS.filter((x) => readsCustomer(x, c) && readsList(x, c) && acts(x))) {
        const res = await call(keys.get(a.name)!, 'POST', `/v1/worklist-items/${c.item}/outcome`, {
          outcome: 'reached',
        });
        check(`POST outcome ${c.label} ${a.name} → 201|409`, [201, 409].includes(res.status), res);
        if (res.status === 409)
          check('item_not_open', JSON.parse(res.text).error.code === 'item_not_open', res);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("shows reps only their own team's pool and lists only the caller's workspace", async () => {
    const pool = await call(keys.get('repA1')!, 'GET', '/v1/pool');
    expect(pool.text).toContain('wsa-pool-1');
    expect(pool.text).toContain('wsa-pool-open');
    expect(pool.text).not.toContain('wsa-pool-2');
    const mgrPool = await call(keys.get('mgrA2')!, 'GET', '/v1/pool');
    expect(mgrPool.text).not.toContain('wsa-pool-1');
    const hooks = await call(keys.get('adminB')!, 'GET', '/v1/webhook-endpoints');
    expect(JSON.parse(hooks.text).length).toBeGreaterThan(0);
    const load = await call(keys.get('mgrA1')!, 'GET', '/v1/teams/wsa-t1/load');
    expect(load.text).not.toContain('wsa-rep-2a');
  });

  it('rejects owner fields smuggled into any body (mass assignment)', async () => {
    const smuggled = { ownerRepId: id('wsa-rep-1b'), owner_rep_id: id('wsa-rep-1b') };
    const attempts: Array<[ActorName, string, string, Record<string, unknown>]> = [
      ['mgrA1', 'POST', '/v1/assignments', { customerIds: [id('wsa-cus-1a-1')], toRepId: 'wsa-rep-1a' }],
      ['repA1', 'POST', '/v1/pool/claims', { customerIds: [id('wsa-pool-1')] }],
      ['mgrA1', 'POST', '/v1/rebalance-proposals', { teamId: 'wsa-t1' }],
      ['mgrA1', 'POST', '/v1/reps/wsa-spare-1/deactivate', {}],
      ['adminA', 'PATCH', '/v1/pool/settings', {}],
      ['repA1', 'POST', `/v1/worklist-items/${id('item-wsa-rep-1a')}/outcome`, { outcome: 'reached' }],
      ['mgrA1', 'POST', '/v1/worklist-pins', { customer: 'wsa-cus-1a-1' }],
      ['adminA', 'POST', '/v1/webhook-endpoints', { url: 'https://crm.invalid/x' }],
    ];
    for (const [actor, method, path, body] of attempts) {
      const res = await call(keys.get(actor)!, method, path, { ...body, ...smuggled });
      expect([path, res.status]).toEqual([path, 400]);
    }
    const owners = await nest.db.query(
      `SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1 AND owner_rep_id = $2`,
      [wsId.a, id('wsa-rep-1b')],
    );
    expect(owners[0].n).toBe(2); // still only their own two customers
  });

  it('answers every call above as its OpenAPI document says (status, content type, schema)', () => {
    process.stdout.write(`contract: ${contract.contract.seen.size} (operation, status) pairs checked\n`);
    expect(contract.problems()).toEqual([]);
  });
});
