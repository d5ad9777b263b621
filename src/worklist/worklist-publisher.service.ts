import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Transactions, Tx } from '../database/transactions';
import { armEffect, armOf, runningArmOf } from '../experiments/experiment-design';
import { ExperimentsService, RunningExperiment } from '../experiments/experiments.service';
import type { Exposure } from '../experiments/experiment.repository';
import { OfferChoices, OfferDay, OffersService } from '../offers/offers.service';
import { PersonalityService } from '../personality/personality.service';
import { CustomerFactsRepository } from '../playbooks/customer-facts.repository';
import { OutboxService } from '../webhooks/outbox.service';
import { CandidateRow, toCandidate } from './candidate-row';
import { COUNTRY_TIME_ZONES } from './country-time-zones';
import { exclusionReport, PublishExclusion, repsReachingOf, UnreachableAccounts } from './publish-report';
import { callableByRep, Exclusion, RankedItem, rankWorklist, repShiftOf, RepShift } from './ranking';
import { BuiltItem, WorklistItemBuilder } from './worklist-item-builder.service';
import { WorklistPolicy, WorklistPolicyService } from './worklist-policy.service';
import { ListRepRow, WorklistRepository } from './worklist.repository';
import type { ExclusionParams } from './worklist.sql';
import { isDay } from './zoned-time';

export interface PublishReport {
  listDate: string;
  runId: string;
  lists: number;
  items: number;
  skippedExisting: number;
  /** candidates the SQL let through, over all new lists */
  candidates: number;
  /**
   * the new lists' reps' customers on none of them, by the first rule that kept them off (the candidate SQL's and
   * the ranking's own checks together); `capacity`: allowed by every rule, but the list was full
   */
  excluded: Partial<Record<PublishExclusion, number>>;
  /** accounts whose owner's shift meets their business hours on none of the coming 7 days (docs/worklists.md) */
  unreachable: UnreachableAccounts;
  seconds: number;
  /** seconds of each step of the run, in run order (docs/worklists.md, "Publishing") */
  phases: PublishPhases;
}

/** The steps of a publish run, timed (seconds). */
export interface PublishPhases {
  /** policy, reps, the offer day (with its attribution sweep), running experiments */
  context: number;
  /** the day's lists created */
  lists: number;
  /** CANDIDATES_SQL */
  candidates: number;
  /** the offers' facts, showings and redemptions of the candidates */
  offers: number;
  /** ranking, order histories, contact types, reasons and talk tracks */
  build: number;
  /** EXCLUSIONS_SQL */
  exclusions: number;
  /** the items inserted, exposures logged, one event per list, commit */
  write: number;
}

/**
 * Publishes the daily call lists of a workspace. In one transaction: create the lists of reps that have none for
 * the day (a published list is kept: ranks never reshuffle under a rep), select and pre-rank candidates for those
 * reps in one set-based query, rank each rep's candidates (ranking.ts), render reasons, talk track and offer,
 * insert every item in one statement and append one `worklist.published` event per list to the outbox.
 */
/** What one publish run works from, read before its transaction. */
interface PublishContext {
  workspaceId: string;
  listDate: string;
  policy: WorklistPolicy;
  run: NonNullable<WorklistPolicy['run']>;
  reps: ListRepRow[];
  /** the day's offers, read (and orders attributed to them) before the transaction */
  offerDay: OfferDay;
  /** experiments running on the list day: each customer's arm shapes the item and is logged as an exposure */
  experiments: RunningExperiment[];
  /** every active rep's shift (settings.repShifts, else repHours in the workspace's zone) */
  shifts: Map<string, RepShift>;
}

/** The ranked, rendered items of the new lists. */
interface BuiltLists {
  items: BuiltItem[];
  itemsOfRep: Map<string, BuiltItem[]>;
  excluded: Partial<Record<Exclusion, number>>;
}

@Injectable()
export class WorklistPublisher {
  private readonly logger = new Logger(WorklistPublisher.name);

  constructor(
    private readonly lists: WorklistRepository,
    private readonly transactions: Transactions,
    private readonly offers: OffersService,
    private readonly policies: WorklistPolicyService,
    private readonly builder: WorklistItemBuilder,
    private readonly outbox: OutboxService,
    private readonly experiments: ExperimentsService,
    private readonly facts: CustomerFactsRepository,
    private readonly personality: PersonalityService,
  ) {}

  async publish(
    workspaceId: string,
    listDate: string,
    opts: { replace?: boolean } = {},
  ): Promise<PublishReport> {
    const started = Date.now();
    const clock = phaseClock();
    if (!isDay(listDate)) throw new AppError('invalid_date', 'list date must be YYYY-MM-DD', 400);
    const policy = await this.policies.load(workspaceId);
    const run = policy.run;
    if (!run) throw new AppError('no_scores', 'score the workspace before publishing call lists');
    const reps = await this.lists.activeReps(workspaceId);
    const offerDay = await this.offers.day(workspaceId, listDate);
    const ctx: PublishContext = {
      workspaceId,
      listDate,
      policy,
      run,
      reps,
      offerDay,
      experiments: await this.experiments.runningOn(workspaceId, listDate),
      shifts: new Map(reps.map((r) => [r.id, repShiftOf(r.external_id, policy.timeZone, policy.settings)])),
    };
    clock.lap('context');

    const listed = await this.transactions.run(async (tx) => {
      if (opts.replace) {
        await this.offers.listDayRemoved(workspaceId, listDate, tx);
        await this.lists.deleteLists(workspaceId, listDate, tx);
      }
      const created = await this.lists.createLists(
        workspaceId,
        { listDate, scoreRunId: run.id, repIds: reps.map((r) => r.id) },
        tx,
      );
      const listOfRep = new Map(created.map((c) => [c.rep_id, c.id]));
      await this.lists.configurePublishTransaction(tx);
      // computed once: the business-hours sets of both statements cost a time-zone walk per rep, day and country
      const query = candidateQuery(ctx, [...listOfRep.keys()]);
      clock.lap('lists');
      const rows: CandidateRow[] =
        created.length === 0 ? [] : await this.lists.candidates(workspaceId, query, tx);
      clock.lap('candidates');
      const offers = await this.offers.choices(
        offerDay,
        run.id,
        rows.map((r) => String(r.customer_id)),
      );
      clock.lap('offers');
      const built = await this.rankAndBuild(ctx, listOfRep, rows, offers, tx);
      clock.lap('build');
      const counts = created.length === 0 ? [] : await this.lists.exclusions(workspaceId, query, tx);
      clock.lap('exclusions');
      await this.lists.insertItems(workspaceId, built.items, listOfRep, tx);
      // the orders the replaced items had redeemed may redeem the new showings
      if (opts.replace) await this.offers.ordersChanged(workspaceId, 'all', tx);
      await this.experiments.logExposures(
        workspaceId,
        listDate,
        exposuresOf(ctx, built.items, listOfRep),
        tx,
      );
      await this.announce(tx, ctx, listOfRep, built.itemsOfRep);
      return {
        listDate,
        runId: run.id,
        lists: listOfRep.size,
        items: built.items.length,
        skippedExisting: reps.length - listOfRep.size,
        candidates: rows.length,
        ...exclusionReport(
          counts,
          built.excluded,
          built.items.length,
          repsReachingOf(
            reps.map((r) => ({ externalId: r.external_id, shift: ctx.shifts.get(r.id)! })),
            { listDate, timeZone: policy.timeZone },
            policy.settings,
          ),
        ),
      };
    });
    const phases = clock.lap('write');
    await this.outbox.kick();
    const report: PublishReport = { ...listed, seconds: (Date.now() - started) / 1000, phases };
    this.logger.log(
      `published ${report.lists} lists with ${report.items} items for ${listDate} (${report.seconds} s)`,
    );
    return report;
  }

  /** Removes a day's lists of the workspace (with their items), so the next publish starts afresh. */
  unpublish(workspaceId: string, listDate: string): Promise<void> {
    return this.transactions.run(async (tx) => {
      await this.offers.listDayRemoved(workspaceId, listDate, tx);
      await this.lists.deleteLists(workspaceId, listDate, tx);
    });
  }

  /** Ranks each new list's candidates (ranking.ts) and renders reasons, talk track and offer of every item. */
  private async rankAndBuild(
    ctx: PublishContext,
    listOfRep: ReadonlyMap<string, string>,
    rows: CandidateRow[],
    offers: OfferChoices,
    tx: Tx,
  ): Promise<BuiltLists> {
    const { listDate, policy, run } = ctx;
    const { settings, timeZone } = policy;
    const rowsOfRep = new Map<string, CandidateRow[]>();
    for (const row of rows) {
      const list = rowsOfRep.get(row.rep_id) ?? [];
      list.push(row);
      rowsOfRep.set(row.rep_id, list);
    }
    const excluded: Partial<Record<Exclusion, number>> = {};
    const items: BuiltItem[] = [];
    const itemsOfRep = new Map<string, BuiltItem[]>();
    const rankedOfRep: Array<{
      rep: PublishContext['reps'][number];
      rowById: Map<string, CandidateRow>;
      items: RankedItem[];
    }> = [];
    for (const rep of ctx.reps) {
      if (!listOfRep.has(rep.id)) continue;
      const repRows = rowsOfRep.get(rep.id) ?? [];
      const rowById = new Map(repRows.map((r) => [String(r.customer_id), r]));
      const ranked = rankWorklist(
        repRows.map(toCandidate),
        {
          listDate,
          timeZone,
          scoredAsOf: run.asOf,
          horizonDays: run.horizonDays,
          referenceValue: run.referenceValue,
          capacity: rep.daily_capacity,
          shift: ctx.shifts.get(rep.id),
        },
        settings,
      );
      for (const [k, n] of Object.entries(ranked.excluded)) {
        excluded[k as Exclusion] = (excluded[k as Exclusion] ?? 0) + (n ?? 0);
      }
      rankedOfRep.push({ rep, rowById, items: ranked.items });
    }
    // The order facts of every item's customer in one statement, for reasons and talk tracks alike.
    const itemCustomers = rankedOfRep.flatMap((r) => r.items.map((it) => it.customerId));
    const histories = await this.facts.orderHistories(
      ctx.workspaceId,
      itemCustomers,
      { listDate, timeZone, currency: policy.currency },
      tx,
    );
    const contactTypes = await this.personality.primaryContactTypes(ctx.workspaceId, itemCustomers, tx);
    for (const { rep, rowById, items: repItems } of rankedOfRep) {
      const built = repItems.map((it) =>
        this.builder.build(it, rowById.get(it.customerId)!, rep, {
          listDate,
          scoredAsOf: run.asOf,
          currency: policy.currency,
          timeZone,
          offers,
          arm: armEffectOf(ctx, it.customerId),
          histories,
          talkTracks: policy.talkTracks,
          contactTypes,
        }),
      );
      itemsOfRep.set(rep.id, built);
      items.push(...built);
    }
    return { items, itemsOfRep, excluded };
  }

  /** One `worklist.published` event per new list, in rep order, in the publishing transaction (one statement). */
  private async announce(
    tx: Tx,
    ctx: PublishContext,
    listOfRep: ReadonlyMap<string, string>,
    itemsOfRep: ReadonlyMap<string, BuiltItem[]>,
  ): Promise<void> {
    const events = ctx.reps.flatMap((rep) => {
      const worklistId = listOfRep.get(rep.id);
      if (!worklistId) return [];
      return [
        {
          type: 'worklist.published' as const,
          data: {
            worklistId,
            rep: rep.external_id,
            date: ctx.listDate,
            scoreRunId: ctx.run.id,
            items: (itemsOfRep.get(rep.id) ?? []).map((i) => ({
              rank: i.rank,
              customer: i.customerExternalId,
              kind: i.kind,
              expectedValue: i.value,
              priority: i.priority,
              reasons: i.reasons.map((r) => r.code),
              why: i.summary,
              offer: i.offerCode,
              personality: i.personality,
              talkTrack: i.talkTrack,
              // only inside a talk-track experiment: receivers outside one see the payload they always had
              ...(i.talkTrackVariant === null ? {} : { talkTrackVariant: i.talkTrackVariant }),
            })),
          },
        },
      ];
    });
    await this.outbox.appendMany(tx, ctx.workspaceId, events);
  }
}

/** Seconds since the previous lap, by phase; `lap` returns the phases so far. */
function phaseClock() {
  const phases: Partial<PublishPhases> = {};
  let last = performance.now();
  return {
    lap(phase: keyof PublishPhases): PublishPhases {
      const now = performance.now();
      phases[phase] = Math.round(now - last) / 1000;
      last = now;
      return phases as PublishPhases;
    },
  };
}

// ---- experiments (src/experiments): the arm of each item's customer ----

/** What the customer's arm changes on the item (overlaps are refused, so one running experiment at most). */
function armEffectOf(ctx: PublishContext, customerId: string) {
  const assigned = runningArmOf(ctx.experiments, customerId);
  return assigned ? armEffect(assigned.arm.strategy) : undefined;
}

/** One exposure per published item and running experiment; a holdout customer listed is there by a promise. */
function exposuresOf(
  ctx: PublishContext,
  items: readonly BuiltItem[],
  listOfRep: ReadonlyMap<string, string>,
): Exposure[] {
  return ctx.experiments.flatMap((e) =>
    items.map((i) => {
      const arm = armOf(e.id, i.customerId, e.arms);
      return {
        experimentId: e.id,
        arm: arm.key,
        customerId: i.customerId,
        worklistId: listOfRep.get(i.repId)!,
        promised: arm.strategy.type === 'holdout',
      };
    }),
  );
}

// ---- end of experiments ----

/** The candidate query's inputs for the reps of the new lists (the workspace id is the repository's first). */
function candidateQuery(ctx: PublishContext, repIds: string[]): Omit<ExclusionParams, 'workspaceId'> {
  const { listDate, policy, run } = ctx;
  const { settings, timeZone } = policy;
  const known = Object.keys(COUNTRY_TIME_ZONES);
  const shifts = repIds.map((id) => ({ id, shift: ctx.shifts.get(id)! }));
  return {
    runId: run.id,
    listDate,
    timeZone,
    scoredAsOf: run.asOf,
    horizonDays: run.horizonDays,
    currency: policy.currency,
    repIds,
    settings,
    referenceValue: run.referenceValue,
    callable: callableByRep(shifts, known, { listDate, timeZone }, settings, 1),
    reachable: callableByRep(shifts, known, { listDate, timeZone }, settings, 7),
    knownCountries: Object.keys(COUNTRY_TIME_ZONES),
  };
}
