import { Injectable } from '@nestjs/common';
import { PoolService } from '../../assignments/pool.service';
import { RebalanceService } from '../../assignments/rebalance.service';
import { RepLoadService } from '../../assignments/rep-load.service';
import { formatMoney } from '../../assignments/rebalance-reasons';
import { AppError } from '../../common/app-error';
import { RawListFilters } from '../../customers/customer-list';
import { ExperimentsService } from '../../experiments/experiments.service';
import { CustomerListService } from '../../customers/customer-list.service';
import { OffersService } from '../../offers/offers.service';
import { ECHARTS_PATH } from './echarts-asset';
import { todayIn } from '../../workspaces/workspaces.service';
import { EmbedSession } from '../embed-session.service';
import { codeLabel, fill, MANAGER_UI } from '../page-labels';
import { PageRenderer } from '../page-renderer';
import { ManagerDashboardRepository, MOVEMENT_KINDS, MovementKind } from './manager-dashboard.repository';
import { experimentView, loadView, managerPage, percent } from './manager-page';

/** Rows the dashboard lists in place (search results, movers); the rest is one export away. */
export const SHOWN_ROWS = 50;
/** Moves a rebalance preview lists (each with its reason); the summary counts them all. */
export const SHOWN_MOVES = 20;
/** Reminders and claims the pool lists show (a longer list says so). */
export const SHOWN_POOL_ROWS = 20;
/** Days the pool's claim count and claim list look back. */
const CLAIM_DAYS = 7;
/** Runs the accuracy chart goes back. */
const ACCURACY_RUNS = 30;

/**
 * The manager dashboard behind a manager embed token: one team, seen and steered as the token's viewer (a manager
 * or admin) through the same services as the `/v1` API — rep load, rebalance proposals, the customer list — so the
 * page never reaches further than that viewer's keys would. Its own figures (team today, portfolio, movements,
 * accuracy history) come from ManagerDashboardRepository, for the token's team only.
 */
@Injectable()
export class ManagerDashboardService {
  constructor(
    private readonly figures: ManagerDashboardRepository,
    private readonly loads: RepLoadService,
    private readonly rebalances: RebalanceService,
    private readonly customers: CustomerListService,
    private readonly experiments: ExperimentsService,
    private readonly offers: OffersService,
    private readonly pool: PoolService,
    private readonly pages: PageRenderer,
  ) {}

  async page(s: EmbedSession): Promise<string> {
    const team = teamOf(s);
    const ws = s.workspace;
    const day = todayIn(ws.timezone);
    const runs = await this.figures.runs(ws.id);
    const [teamDay, load, portfolio, movements, accuracy, segments, offers, pool, reminders, claims, policy] =
      await Promise.all([
        this.figures.teamDay(ws.id, team.id, day, new Date()),
        this.loads.teamLoad(s.viewer, team.id),
        runs?.current ? this.figures.portfolio(ws.id, team.id, runs.current) : Promise.resolve(null),
        runs?.current && runs.previous
          ? this.figures.movementCounts(ws.id, team.id, { current: runs.current, previous: runs.previous })
          : Promise.resolve(null),
        this.figures.accuracyHistory(ws.id, ACCURACY_RUNS),
        runs?.current ? this.figures.segments(ws.id, team.id, runs.current) : Promise.resolve(null),
        // offers are workspace-wide: every team spends the same budgets
        this.offers.list(ws.id),
        this.pool.teamSummary(s.viewer, team.id, CLAIM_DAYS),
        // one more than shown: the list says when there are more
        this.pool.teamReminders(s.viewer, team.id, SHOWN_POOL_ROWS + 1),
        this.pool.teamClaims(s.viewer, team.id, { days: CLAIM_DAYS, limit: SHOWN_POOL_ROWS + 1 }),
        this.pool.policy(ws.id),
      ]);
    const model = managerPage({
      locale: s.locale,
      currency: ws.currency,
      teamName: team.name,
      day,
      readOnly: s.readOnly,
      teamDay,
      load,
      portfolio: portfolio && runs?.as_of ? { asOf: runs.as_of, cells: portfolio } : null,
      movements,
      accuracy,
      segments,
      offers,
      pool: {
        summary: pool,
        oldestDay: pool.oldestReleasedAt ? todayIn(ws.timezone, pool.oldestReleasedAt) : null,
        reminders,
        claims,
        followUpDays: policy.policy.followUpDays,
        timezone: ws.timezone,
        shown: SHOWN_POOL_ROWS,
      },
    });
    return this.pages.page('manager', { ...model, scripts: MANAGER_SCRIPTS, styles: MANAGER_STYLES });
  }

  /** The customers who moved one way since the last run (the drill-down of a movement count), as a fragment. */
  async movers(s: EmbedSession, kind: string): Promise<string> {
    if (!(MOVEMENT_KINDS as readonly string[]).includes(kind))
      throw new AppError('invalid_kind', `kind must be one of ${MOVEMENT_KINDS.join(', ')}`, 400, {
        field: 'kind',
        allowed: MOVEMENT_KINDS,
      });
    const team = teamOf(s);
    const runs = await this.figures.runs(s.workspace.id);
    const rows =
      runs?.current && runs.previous
        ? await this.figures.movers(
            s.workspace.id,
            team.id,
            { current: runs.current, previous: runs.previous },
            kind as MovementKind,
            SHOWN_ROWS,
          )
        : [];
    const L = s.locale;
    return this.pages.fragment('manager-movers', {
      labels: MANAGER_UI[L],
      heading: MANAGER_UI[L][kind],
      rows: rows.map((r) => ({
        name: r.name ?? r.external_id,
        externalId: r.external_id,
        owner: r.owner_name ?? '',
        before: `${codeLabel('tier', r.tier_before, L)} · ${codeLabel('lifecycle', r.lifecycle_before, L)}`,
        now: `${codeLabel('tier', r.tier_now, L)} · ${codeLabel('lifecycle', r.lifecycle_now, L)}`,
        clv: r.clv === null ? '—' : formatMoney(Number(r.clv), s.workspace.currency, L),
      })),
    });
  }

  /**
   * The lift of the workspace's latest holdout experiment (experiments are workspace-wide), as a fragment: loaded
   * after the page, since its report reads the window's orders.
   */
  async experiment(s: EmbedSession): Promise<string> {
    teamOf(s);
    const latest = (await this.experiments.list(s.workspace.id)).sort((a, b) =>
      b.startsOn.localeCompare(a.startsOn),
    )[0];
    const labels = MANAGER_UI[s.locale];
    if (!latest) return this.pages.fragment('manager-experiment', { labels, none: true });
    const report = await this.experiments.report(s.workspace.id, latest.id);
    return this.pages.fragment('manager-experiment', { labels, ...experimentView(report, s.locale) });
  }

  /** A new rebalance proposal for the team, previewed: the summary, loads before and after, moves with reasons. */
  async propose(s: EmbedSession): Promise<string> {
    if (s.readOnly) throw readOnlyError();
    const team = teamOf(s);
    const created = await this.rebalances.propose(s.viewer, { teamId: team.id });
    const view = await this.rebalances.view(s.viewer, created.id, { limit: SHOWN_MOVES });
    const L = s.locale;
    const ui = MANAGER_UI[L];
    const money = (minor: number) => formatMoney(minor, s.workspace.currency, L);
    const after = new Map(view.summary.after.map((a) => [a.repId, a]));
    return this.pages.fragment('manager-proposal', {
      labels: ui,
      id: view.id,
      readOnly: s.readOnly,
      hasMoves: view.summary.moves > 0,
      summary:
        view.summary.moves > 0 ? fill(ui.proposalSummary, { moves: view.summary.moves }) : ui.proposalNone,
      reps: view.summary.before.map((b) => ({
        name: b.rep?.name ?? '—',
        before: b.accounts,
        after: after.get(b.repId)?.accounts ?? b.accounts,
        valueBefore: money(b.value),
        valueAfter: money(after.get(b.repId)?.value ?? b.value),
      })),
      moves: view.moves.items.map((m) => ({
        customer: m.customer.name ?? m.customer.externalId,
        externalId: m.customer.externalId,
        tier: codeLabel('tier', m.tier, L),
        from: m.from?.name ?? ui.teamPool,
        to: m.to?.name ?? ui.teamPool,
        why: m.why,
      })),
      more:
        view.summary.moves > view.moves.items.length
          ? fill(ui.moreMoves, {
              n: view.summary.moves - view.moves.items.length,
            })
          : null,
    });
  }

  /** Applies a proposal of the team (moves whose customer changed hands meanwhile are skipped, not forced). */
  async apply(
    s: EmbedSession,
    proposalId: string,
  ): Promise<{ applied: number; skipped: number; message: string }> {
    if (s.readOnly) throw readOnlyError();
    const team = teamOf(s);
    // the viewer may manage other teams (an admin): the token opens this team's proposals only
    const proposal = await this.rebalances.view(s.viewer, proposalId, { limit: 0 });
    if (proposal.team.id !== team.id) throw AppError.notFound('rebalance proposal');
    const view = await this.rebalances.apply(s.viewer, proposalId);
    const result = view.result as { applied: number; skipped: number };
    return {
      applied: result.applied,
      skipped: result.skipped,
      message: fill(MANAGER_UI[s.locale].applied, { applied: result.applied, skipped: result.skipped }),
    };
  }

  /** The load table alone (refreshed after an apply). */
  async load(s: EmbedSession): Promise<string> {
    const team = teamOf(s);
    const load = await this.loads.teamLoad(s.viewer, team.id);
    return this.pages.fragment('manager-load', {
      labels: MANAGER_UI[s.locale],
      load: loadView(load, s.locale),
    });
  }

  /** A page of the customer search, with the filters of GET /v1/customers and its scope (the viewer's). */
  async search(s: EmbedSession, filters: RawListFilters): Promise<string> {
    const L = s.locale;
    const page = await this.customers.list(s.viewer, filters, SHOWN_ROWS);
    const cur = s.workspace.currency;
    return this.pages.fragment('manager-customers', {
      labels: MANAGER_UI[L],
      rows: page.items.map((c) => ({
        name: c.name ?? c.externalId,
        externalId: c.externalId,
        owner: c.owner?.name ?? MANAGER_UI[L].teamPool,
        tier: codeLabel('tier', c.tier, L) || '—',
        lifecycle: codeLabel('lifecycle', c.lifecycle, L) || '—',
        segment: codeLabel('rfm', c.segment, L) || '—',
        clv: c.clv === null ? '—' : formatMoney(Number(c.clv), cur, L),
        churnRisk: c.churnRisk === null ? '—' : percent(c.churnRisk, 1, L),
      })),
      more: page.nextCursor ? fill(MANAGER_UI[L].firstN, { n: SHOWN_ROWS }) : null,
    });
  }

  /** The CSV export of the same filters (GET /v1/customers/export.csv's rows, formula-safe). */
  exportCsv(s: EmbedSession, filters: RawListFilters) {
    if (s.readOnly) throw readOnlyError();
    return this.customers.prepareExport(s.viewer, filters);
  }
}

/** Scripts and styles of the dashboard page (served from the app: no CDN). */
const MANAGER_SCRIPTS = [ECHARTS_PATH, '/embed/static/manager.js'];
const MANAGER_STYLES = ['/embed/static/manager.css'];

export function readOnlyError(): AppError {
  return new AppError('read_only_embed_token', 'this token shows the dashboard but changes nothing', 403);
}

function teamOf(s: EmbedSession): NonNullable<EmbedSession['team']> {
  if (s.kind !== 'manager' || !s.team) throw new AppError('not_found', 'not found', 404);
  return s.team;
}
