import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { OffersService } from '../offers/offers.service';
import { OutboxService } from '../webhooks/outbox.service';
import { CandidateRow, toCandidate } from './candidate-row';
import { COUNTRY_TIME_ZONES } from './country-time-zones';
import { callableCountries, Exclusion, rankWorklist } from './ranking';
import { BuiltItem, WorklistItemBuilder } from './worklist-item-builder.service';
import { WorklistPolicyService } from './worklist-policy.service';
import { CANDIDATES_SQL, candidateParams, INSERT_ITEMS_SQL } from './worklist.sql';
import { isDay } from './zoned-time';

export interface PublishReport {
  listDate: string;
  runId: string;
  lists: number;
  items: number;
  skippedExisting: number;
  /** candidates the SQL let through, over all new lists */
  candidates: number;
  /** candidates the ranking's own checks removed, by rule */
  excluded: Partial<Record<Exclusion, number>>;
  seconds: number;
}

/**
 * Publishes the daily call lists of a workspace. In one transaction: create the lists of reps that have none for
 * the day (a published list is kept: ranks never reshuffle under a rep), select and pre-rank candidates for those
 * reps in one set-based query, rank each rep's candidates (ranking.ts), render reasons, talk track and offer,
 * insert every item in one statement and append one `worklist.published` event per list to the outbox.
 */
@Injectable()
export class WorklistPublisher {
  private readonly logger = new Logger(WorklistPublisher.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly offers: OffersService,
    private readonly policies: WorklistPolicyService,
    private readonly builder: WorklistItemBuilder,
    private readonly outbox: OutboxService,
  ) {}

  async publish(
    workspaceId: string,
    listDate: string,
    opts: { replace?: boolean } = {},
  ): Promise<PublishReport> {
    const started = Date.now();
    if (!isDay(listDate)) throw new AppError('invalid_date', 'list date must be YYYY-MM-DD', 400);
    const policy = await this.policies.load(workspaceId);
    const run = policy.run;
    if (!run) throw new AppError('no_scores', 'score the workspace before publishing call lists');
    const { settings, timeZone } = policy;
    const reps: Array<{
      id: string;
      external_id: string;
      name: string;
      locale: string;
      daily_capacity: number;
    }> = await this.db.query(
      `SELECT id, external_id, name, locale, daily_capacity FROM reps
         WHERE workspace_id = $1 AND active AND role = 'rep' ORDER BY external_id`,
      [workspaceId],
    );
    const { offers, redemptionsUsed } = await this.offers.catalog(workspaceId);

    const report = await this.db.transaction(async (tx) => {
      if (opts.replace) {
        await tx.query(`DELETE FROM worklists WHERE workspace_id = $1 AND list_date = $2`, [
          workspaceId,
          listDate,
        ]);
      }
      const created: Array<{ id: string; rep_id: string }> = await tx.query(
        `INSERT INTO worklists (workspace_id, rep_id, list_date, score_run_id, capacity)
         SELECT $1, r.id, $2, $3, r.daily_capacity FROM reps r WHERE r.id = ANY ($4::uuid[])
         ON CONFLICT (workspace_id, rep_id, list_date) DO NOTHING
         RETURNING id, rep_id`,
        [workspaceId, listDate, run.id, reps.map((r) => r.id)],
      );
      const listOfRep = new Map(created.map((c) => [c.rep_id, c.id]));
      // the candidate query sorts every scored customer of the new lists' reps once (window per rep)
      await tx.query(`SET LOCAL work_mem = '64MB'`);
      const rows: CandidateRow[] =
        created.length === 0
          ? []
          : await tx.query(
              CANDIDATES_SQL,
              candidateParams({
                workspaceId,
                runId: run.id,
                listDate,
                timeZone,
                scoredAsOf: run.asOf,
                horizonDays: run.horizonDays,
                currency: policy.currency,
                repIds: [...listOfRep.keys()],
                settings,
                referenceValue: run.referenceValue,
                callable: callableCountries(
                  Object.keys(COUNTRY_TIME_ZONES),
                  { listDate, timeZone },
                  settings,
                ),
                knownCountries: Object.keys(COUNTRY_TIME_ZONES),
              }),
            );
      const rowsOfRep = new Map<string, CandidateRow[]>();
      for (const row of rows) {
        const list = rowsOfRep.get(row.rep_id) ?? [];
        list.push(row);
        rowsOfRep.set(row.rep_id, list);
      }
      const excluded: Partial<Record<Exclusion, number>> = {};
      const items: BuiltItem[] = [];
      const itemsOfRep = new Map<string, BuiltItem[]>();
      for (const rep of reps) {
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
          },
          settings,
        );
        for (const [k, n] of Object.entries(ranked.excluded)) {
          excluded[k as Exclusion] = (excluded[k as Exclusion] ?? 0) + (n ?? 0);
        }
        const built = ranked.items.map((it) =>
          this.builder.build(it, rowById.get(it.customerId)!, rep, {
            listDate,
            scoredAsOf: run.asOf,
            currency: policy.currency,
            timeZone,
            catalog: offers,
            redemptionsUsed,
          }),
        );
        itemsOfRep.set(rep.id, built);
        items.push(...built);
      }
      await tx.query(INSERT_ITEMS_SQL, [
        workspaceId,
        items.map((i) => listOfRep.get(i.repId)),
        items.map((i) => i.customerId),
        items.map((i) => i.rank),
        items.map((i) => i.priority),
        items.map((i) => JSON.stringify(i.reasons)),
        items.map((i) => i.personality),
        items.map((i) => i.talkTrack),
        items.map((i) => i.offerCode),
        items.map((i) => i.kind),
        items.map((i) => i.value),
        items.map((i) => i.summary),
        items.map((i) => i.callFrom),
        items.map((i) => i.callTo),
      ]);
      for (const rep of reps) {
        const worklistId = listOfRep.get(rep.id);
        if (!worklistId) continue;
        await this.outbox.append(tx, workspaceId, 'worklist.published', {
          worklistId,
          rep: rep.external_id,
          date: listDate,
          scoreRunId: run.id,
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
          })),
        });
      }
      return {
        listDate,
        runId: run.id,
        lists: listOfRep.size,
        items: items.length,
        skippedExisting: reps.length - listOfRep.size,
        candidates: rows.length,
        excluded,
        seconds: 0,
      };
    });
    await this.outbox.kick();
    report.seconds = (Date.now() - started) / 1000;
    this.logger.log(
      `published ${report.lists} lists with ${report.items} items for ${listDate} (${report.seconds} s)`,
    );
    return report;
  }
}
