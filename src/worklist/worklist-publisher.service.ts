import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { bestOfferFor, localizeOffer } from '../offers/offer-catalog';
import { OffersService } from '../offers/offers.service';
import { isPersonality } from '../playbooks/personality';
import { PlaybooksService } from '../playbooks/playbooks.service';
import { Lifecycle, RfmSegment, ValueTier } from '../scoring/models/types';
import { OutboxService } from '../webhooks/outbox.service';
import { CANDIDATES_SQL, INSERT_ITEMS_SQL } from './worklist.sql';

interface Candidate {
  rep_id: string;
  customer_id: string;
  rank: number;
  priority: number;
  reasons: Array<{ code: string; weight: number }>;
  value_tier: ValueTier;
  lifecycle: Lifecycle;
  rfm_segment: RfmSegment | null;
  recency_days: number | null;
  frequency: number;
  customer_name: string | null;
  customer_external_id: string;
  personality: string | null;
  last_order_minor: string | null;
  last_order_currency: string | null;
  first_day: string | null;
  last_complaint_at: Date | null;
  last_complaint_note: string | null;
}

export interface PublishReport {
  listDate: string;
  runId: string;
  lists: number;
  items: number;
  skippedExisting: number;
}

/**
 * Publishes the daily call lists of a workspace: candidates from one set-based query, then per item the best
 * eligible offer and the talk track in the rep's locale and the customer's personality, then one insert of all
 * items and one `worklist.published` event per list through the outbox. A list already published for a rep and
 * day is kept (lists are stable for the day) unless `replace` is asked.
 */
@Injectable()
export class WorklistPublisher {
  private readonly logger = new Logger(WorklistPublisher.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly offers: OffersService,
    private readonly playbooks: PlaybooksService,
    private readonly outbox: OutboxService,
  ) {}

  async publish(
    workspaceId: string,
    listDate: string,
    opts: { replace?: boolean } = {},
  ): Promise<PublishReport> {
    const [ws] = await this.db.query(
      `SELECT current_score_run_id, timezone, currency FROM workspaces WHERE id = $1`,
      [workspaceId],
    );
    if (!ws) throw AppError.notFound('workspace');
    if (!ws.current_score_run_id)
      throw new AppError('no_scores', 'score the workspace before publishing call lists');
    const runId: string = ws.current_score_run_id;
    const reps: Array<{
      id: string;
      external_id: string;
      name: string;
      locale: string;
      daily_capacity: number;
    }> = await this.db.query(
      `SELECT id, external_id, name, locale, daily_capacity FROM reps WHERE workspace_id = $1 AND active AND role = 'rep'`,
      [workspaceId],
    );
    const candidates: Candidate[] = await this.db.query(CANDIDATES_SQL, [
      workspaceId,
      runId,
      listDate,
      ws.timezone,
    ]);
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
        [workspaceId, listDate, runId, reps.map((r) => r.id)],
      );
      const listOfRep = new Map(created.map((c) => [c.rep_id, c.id]));
      const repById = new Map(reps.map((r) => [r.id, r]));
      const items = candidates
        .filter((c) => listOfRep.has(c.rep_id))
        .map((c) =>
          this.buildItem(
            c,
            repById.get(c.rep_id)!,
            listDate,
            ws.currency,
            ws.timezone,
            offers,
            redemptionsUsed,
          ),
        );
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
      ]);
      for (const [repId, worklistId] of listOfRep) {
        const rep = repById.get(repId)!;
        const repItems = items.filter((i) => i.repId === repId);
        await this.outbox.append(tx, workspaceId, 'worklist.published', {
          worklistId,
          rep: rep.external_id,
          date: listDate,
          scoreRunId: runId,
          items: repItems.map((i) => ({
            rank: i.rank,
            customer: i.customerExternalId,
            priority: i.priority,
            reasons: i.reasons.map((r) => r.code),
            offer: i.offerCode,
            personality: i.personality,
            talkTrack: i.talkTrack,
          })),
        });
      }
      return {
        listDate,
        runId,
        lists: listOfRep.size,
        items: items.length,
        skippedExisting: reps.length - listOfRep.size,
      };
    });
    await this.outbox.kick();
    this.logger.log(`published ${report.lists} lists with ${report.items} items for ${listDate}`);
    return report;
  }

  private buildItem(
    c: Candidate,
    rep: { name: string; locale: string },
    listDate: string,
    currency: string,
    timeZone: string,
    catalog: Parameters<typeof bestOfferFor>[0]['catalog'],
    redemptionsUsed: Record<string, number>,
  ) {
    const offer = bestOfferFor({
      tier: c.value_tier,
      lifecycle: c.lifecycle,
      asOf: listDate,
      redemptionsUsed,
      catalog,
    });
    const ageDays = c.first_day ? daysBetween(c.first_day, listDate) : null;
    const usualCycle =
      c.frequency > 1 && ageDays !== null && c.recency_days !== null
        ? Math.round((ageDays - c.recency_days) / (c.frequency - 1))
        : null;
    const personality = isPersonality(c.personality) ? c.personality : null;
    const track = this.playbooks.render({
      customerName: c.customer_name ?? c.customer_external_id,
      repName: rep.name,
      locale: rep.locale,
      personality,
      lifecycle: c.lifecycle,
      valueTier: c.value_tier,
      rfmSegment: c.rfm_segment,
      daysSinceLastOrder: c.recency_days,
      usualCycleDays: usualCycle,
      lastOrderAmount: c.last_order_minor === null ? null : Number(c.last_order_minor),
      currency: c.last_order_currency ?? currency,
      topCategory: null,
      lastComplaint: c.last_complaint_at
        ? { date: c.last_complaint_at, note: c.last_complaint_note ?? '' }
        : null,
      offer: offer ? localizeOffer(offer, rep.locale) : null,
      reasons: c.reasons.map((r) => r.code),
      timeZone,
    });
    return {
      repId: c.rep_id,
      customerId: c.customer_id,
      customerExternalId: c.customer_external_id,
      rank: c.rank,
      priority: c.priority,
      reasons: c.reasons,
      personality: track.personality,
      talkTrack: track.text,
      offerCode: offer?.code ?? null,
    };
  }
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
}
