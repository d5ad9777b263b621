import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { OffersService } from '../offers/offers.service';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';
import { OutboxService } from '../webhooks/outbox.service';
import { todayIn } from '../workspaces/workspaces.service';
import { CandidateRow, toCandidate } from './candidate-row';
import { callValue, RankedItem } from './ranking';
import { UrgentJob } from '../queue/jobs';
import { urgentReason } from './urgent-rules';
import { WorklistItemBuilder } from './worklist-item-builder.service';
import { WorklistPolicyService } from './worklist-policy.service';
import { CUSTOMER_ROW_SQL } from './worklist.sql';

export type UrgentResult =
  | 'inserted'
  | 'marked'
  | 'not_urgent'
  | 'no_list'
  | 'suppressed'
  | 'contacted_today'
  | 'already_worked'
  | 'not_owned';

/**
 * Urgent events (a complaint, a large order from an at-risk customer) put the customer on top of their owner's
 * list for today, marked urgent, without reshuffling the others: the item gets a rank below every existing one.
 * A customer already open on the list is marked urgent and moved up; one already worked today, snoozed or on
 * do-not-call is left alone. The CRM-sync code calls `enqueue` (idempotent per event id); the job calls `raise`.
 */
@Injectable()
export class WorklistUrgentService {
  private readonly logger = new Logger(WorklistUrgentService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(QUEUES.worklist) private readonly queue: JobQueue<'worklist'>,
    private readonly policies: WorklistPolicyService,
    private readonly builder: WorklistItemBuilder,
    private readonly offers: OffersService,
    private readonly outbox: OutboxService,
  ) {}

  /** Queues the event; the same `eventId` (default: a digest of the event) is processed once. */
  async enqueue(job: UrgentJob & { eventId?: string }): Promise<{ jobId: string }> {
    const key =
      job.eventId ??
      createHash('sha256')
        .update(JSON.stringify([job.customerId, job.event]))
        .digest('hex')
        .slice(0, 32);
    const jobId = `worklist-urgent-${job.workspaceId}-${key}`;
    await this.queue.add(
      'urgent',
      { workspaceId: job.workspaceId, customerId: job.customerId, event: job.event },
      {
        jobId,
        attempts: 3,
        backoff: { type: 'exponential', delay: 2_000 },
        removeOnComplete: 1000,
        removeOnFail: 1000,
      },
    );
    return { jobId };
  }

  /** Applies the event to the owner's list for today; says what it did. */
  async raise(job: UrgentJob): Promise<{ result: UrgentResult; itemId: string | null }> {
    const policy = await this.policies.load(job.workspaceId);
    if (!policy.run) return { result: 'no_list', itemId: null };
    const run = policy.run;
    const today = todayIn(policy.timeZone);
    const rows: CandidateRow[] = await this.db.query(CUSTOMER_ROW_SQL, [
      job.workspaceId,
      run.id,
      today,
      policy.timeZone,
      run.asOf,
      policy.currency,
      job.customerId,
      policy.settings.snoozeEndedReasonDays,
    ]);
    const row = rows[0];
    if (!row) throw AppError.notFound('scored customer');
    if (!row.rep_id) return { result: 'not_owned', itemId: null };
    const usual =
      row.expected_order_value !== null
        ? Number(row.expected_order_value)
        : row.frequency > 0
          ? Number(row.monetary) / row.frequency
          : null;
    const reason = urgentReason(
      job.event,
      { lifecycle: row.lifecycle, usualOrderMinor: usual },
      policy.settings,
    );
    if (!reason) return { result: 'not_urgent', itemId: null };
    const { offers, redemptionsUsed } = await this.offers.catalog(job.workspaceId);

    const outcome = await this.db.transaction(async (tx) => {
      const [list] = await tx.query(
        `SELECT w.id, r.id AS rep_id, r.external_id, r.name, r.locale FROM worklists w JOIN reps r ON r.id = w.rep_id
         WHERE w.workspace_id = $1 AND w.rep_id = $2 AND w.list_date = $3 FOR UPDATE OF w`,
        [job.workspaceId, row.rep_id, today],
      );
      if (!list) return { result: 'no_list' as const, itemId: null };
      const [blocked] = await tx.query(
        `SELECT 1 FROM contact_suppressions x JOIN customers c ON c.id = x.customer_id
         WHERE x.workspace_id = $1 AND x.customer_id = $2
           AND (x.kind = 'do_not_call' OR (x.kind = 'snooze' AND x.until > $3::date)
                OR (x.kind = 'wrong_number' AND x.phone_hash IS NOT DISTINCT FROM c.phone_hash))
         LIMIT 1`,
        [job.workspaceId, job.customerId, today],
      );
      if (blocked) return { result: 'suppressed' as const, itemId: null };
      const [{ top }] = await tx.query(
        `SELECT LEAST(COALESCE(min(rank), 1), 1) - 1 AS top FROM worklist_items WHERE worklist_id = $1`,
        [list.id],
      );
      const [existing] = await tx.query(
        `SELECT id, state FROM worklist_items WHERE worklist_id = $1 AND customer_id = $2`,
        [list.id, job.customerId],
      );
      const textCtx = {
        listDate: today,
        scoredAsOf: run.asOf,
        currency: policy.currency,
        timeZone: policy.timeZone,
        catalog: offers,
        redemptionsUsed,
      };
      const rep = { id: list.rep_id as string, name: list.name as string, locale: list.locale as string };
      if (existing) {
        if (existing.state !== 'open')
          return { result: 'already_worked' as const, itemId: existing.id as string };
        const lead = this.builder.build(
          {
            customerId: row.customer_id,
            rank: top,
            kind: 'urgent',
            value: 0,
            reasons: [reason],
            callWindow: null,
          },
          row,
          rep,
          textCtx,
        );
        await tx.query(
          `UPDATE worklist_items SET urgent = true, rank = $2, reasons = $3::jsonb || reasons,
                  summary = $4 || COALESCE($5 || summary, '')
           WHERE id = $1`,
          [
            existing.id,
            top,
            JSON.stringify(lead.reasons),
            lead.summary,
            rep.locale.startsWith('zh') ? '；' : '; ',
          ],
        );
        await this.appendEvent(tx, job, list, existing.id, top, 'marked', reason.code);
        return { result: 'marked' as const, itemId: existing.id as string };
      }
      const [contacted] = await tx.query(
        `SELECT 1 FROM (
           SELECT occurred_at FROM interactions WHERE workspace_id = $1 AND customer_id = $2 AND kind IN ('call', 'visit')
             
           UNION ALL
           SELECT occurred_at FROM worklist_outcomes WHERE workspace_id = $1 AND customer_id = $2
         ) t WHERE occurred_at >= ($3::date::timestamp AT TIME ZONE $4) AND occurred_at < now() LIMIT 1`,
        [job.workspaceId, job.customerId, today, policy.timeZone],
      );
      if (contacted) return { result: 'contacted_today' as const, itemId: null };

      const value = callValue(
        toCandidate(row),
        {
          listDate: today,
          scoredAsOf: run.asOf,
          horizonDays: run.horizonDays,
          referenceValue: run.referenceValue,
        },
        policy.settings,
      );
      const ranked: RankedItem = {
        customerId: row.customer_id,
        rank: top,
        kind: 'urgent',
        value: Math.round(value.value),
        reasons: [reason, ...value.terms.filter((t) => t.value > 0 && t.value >= 0.05 * value.value)].slice(
          0,
          policy.settings.maxReasons,
        ),
        callWindow: null,
      };
      const built = this.builder.build(ranked, row, rep, textCtx);
      const [inserted] = await tx.query(
        `INSERT INTO worklist_items (workspace_id, worklist_id, customer_id, rank, priority, reasons, personality,
                                     talk_track, offer_code, kind, expected_value, summary, urgent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'urgent', $10, $11, true) RETURNING id`,
        [
          job.workspaceId,
          list.id,
          job.customerId,
          top,
          built.priority,
          JSON.stringify(built.reasons),
          built.personality,
          built.talkTrack,
          built.offerCode,
          built.value,
          built.summary,
        ],
      );
      await this.appendEvent(tx, job, list, inserted.id, top, 'inserted', reason.code);
      return { result: 'inserted' as const, itemId: inserted.id as string };
    });
    if (outcome.result === 'inserted' || outcome.result === 'marked') await this.outbox.kick();
    this.logger.log(`urgent ${job.event.kind} for customer ${job.customerId}: ${outcome.result}`);
    return outcome;
  }

  private async appendEvent(
    tx: Pick<DataSource, 'query'>,
    job: UrgentJob,
    list: { id: string; external_id: string },
    itemId: string,
    rank: number,
    result: 'inserted' | 'marked',
    reason: string,
  ): Promise<void> {
    const [c] = await tx.query(`SELECT external_id FROM customers WHERE id = $1`, [job.customerId]);
    await this.outbox.append(tx, job.workspaceId, 'worklist.item_inserted', {
      worklistId: list.id,
      rep: list.external_id,
      itemId,
      rank,
      customer: c?.external_id ?? null,
      urgent: true,
      result,
      reason,
    });
  }
}
