import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { Transactions, Tx } from '../database/transactions';
import { armEffect, runningArmOf } from '../experiments/experiment-design';
import { ExperimentsService, RunningExperiment } from '../experiments/experiments.service';
import { OffersService } from '../offers/offers.service';
import { InjectQueue, JobQueue } from '../queue/queue.module';
import { QUEUES } from '../queue/queue-factory';
import { OutboxService } from '../webhooks/outbox.service';
import { todayIn } from '../workspaces/workspaces.service';
import { CandidateRow, toCandidate } from './candidate-row';
import { callValue, RankedItem, Reason } from './ranking';
import { UrgentJob } from '../queue/jobs';
import { urgentReason } from './urgent-rules';
import { PersonalityService } from '../personality/personality.service';
import { CustomerFactsRepository } from '../playbooks/customer-facts.repository';
import { BuildContext, WorklistItemBuilder } from './worklist-item-builder.service';
import { WorklistPolicy, WorklistPolicyService } from './worklist-policy.service';
import { UrgentListRow, WorklistUrgentRepository } from './worklist-urgent.repository';
import type { UrgentEventDto } from './worklist.dto';

export type UrgentResult =
  | 'inserted'
  | 'marked'
  | 'not_urgent'
  | 'no_list'
  | 'suppressed'
  | 'contacted_today'
  | 'already_worked'
  | 'not_owned';

type UrgentOutcome = { result: UrgentResult; itemId: string | null };

/** What applying one urgent event works from, read before its transaction. */
interface UrgentContext {
  job: UrgentJob;
  policy: WorklistPolicy;
  run: NonNullable<WorklistPolicy['run']>;
  today: string;
  row: CandidateRow;
  reason: Reason;
  textCtx: BuildContext;
  /** the customer's arm in the experiment running today (src/experiments), null when none runs */
  assigned: ReturnType<typeof runningArmOf<RunningExperiment['arms'][number]>>;
}

type ListRep = { id: string; name: string; locale: string };

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
    private readonly urgentRows: WorklistUrgentRepository,
    private readonly transactions: Transactions,
    @InjectQueue(QUEUES.worklist) private readonly queue: JobQueue<'worklist'>,
    private readonly policies: WorklistPolicyService,
    private readonly builder: WorklistItemBuilder,
    private readonly offers: OffersService,
    private readonly outbox: OutboxService,
    private readonly facts: CustomerFactsRepository,
    private readonly experiments: ExperimentsService,
    private readonly personality: PersonalityService,
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

  /** An event reported over HTTP: the customer by CRM external id (404 when missing), then `enqueue`. */
  async report(workspaceId: string, body: UrgentEventDto): Promise<{ jobId: string }> {
    const customerId = await this.urgentRows.customerIdByExternalId(workspaceId, body.customer);
    if (!customerId) throw AppError.notFound('customer');
    if (body.kind === 'order' && body.amountMinor === undefined) {
      throw new AppError('amount_required', 'an order event needs amountMinor', 400, {
        field: 'amountMinor',
      });
    }
    const at = body.occurredAt ? new Date(body.occurredAt).toISOString() : new Date().toISOString();
    return this.enqueue({
      workspaceId,
      customerId,
      eventId: body.eventId,
      event:
        body.kind === 'complaint'
          ? { kind: 'complaint', at, note: body.note ?? null }
          : { kind: 'order', at, amountMinor: body.amountMinor as number },
    });
  }

  /** Applies the event to the owner's list for today; says what it did. */
  async raise(job: UrgentJob): Promise<{ result: UrgentResult; itemId: string | null }> {
    const policy = await this.policies.load(job.workspaceId);
    if (!policy.run) return { result: 'no_list', itemId: null };
    const run = policy.run;
    const today = todayIn(policy.timeZone);
    const row = await this.urgentRows.customerRow(job.workspaceId, {
      runId: run.id,
      day: today,
      timeZone: policy.timeZone,
      scoredAsOf: run.asOf,
      currency: policy.currency,
      customerId: job.customerId,
      snoozeEndedReasonDays: policy.settings.snoozeEndedReasonDays,
    });
    if (!row) throw AppError.notFound('scored customer');
    if (!row.rep_id) return { result: 'not_owned', itemId: null };
    const reason = reasonOf(job, row, policy);
    if (!reason) return { result: 'not_urgent', itemId: null };
    const offerDay = await this.offers.day(job.workspaceId, today);
    // The same arm, offer or talk-track variant and exposure as a published item of the customer would get.
    const assigned = runningArmOf(await this.experiments.runningOn(job.workspaceId, today), job.customerId);
    const textCtx: BuildContext = {
      listDate: today,
      scoredAsOf: run.asOf,
      currency: policy.currency,
      timeZone: policy.timeZone,
      offers: await this.offers.choices(offerDay, run.id, [job.customerId]),
      histories: await this.facts.orderHistories(job.workspaceId, [row.customer_id], {
        listDate: today,
        timeZone: policy.timeZone,
        currency: policy.currency,
      }),
      talkTracks: policy.talkTracks,
      arm: assigned ? armEffect(assigned.arm.strategy) : undefined,
      contactTypes: await this.personality.primaryContactTypes(job.workspaceId, [row.customer_id]),
    };
    const ctx: UrgentContext = { job, policy, run, today, row, reason, textCtx, assigned };

    const outcome = await this.transactions.run((tx) => this.applyToList(tx, ctx));
    if (outcome.result === 'inserted' || outcome.result === 'marked') await this.outbox.kick();
    this.logger.log(`urgent ${job.event.kind} for customer ${job.customerId}: ${outcome.result}`);
    return outcome;
  }

  /**
   * With today's list of the owner locked: leaves a suppressed customer alone, marks one already open on the
   * list, leaves one already worked or contacted today alone, and otherwise inserts a new urgent item on top.
   */
  private async applyToList(tx: Tx, ctx: UrgentContext): Promise<UrgentOutcome> {
    const { job, row, today } = ctx;
    const list = await this.urgentRows.lockList(job.workspaceId, row.rep_id, today, tx);
    if (!list) return { result: 'no_list' as const, itemId: null };
    if (await this.urgentRows.isSuppressed(job.workspaceId, job.customerId, today, tx)) {
      return { result: 'suppressed' as const, itemId: null };
    }
    const top = await this.urgentRows.topRank(list.id, tx);
    const existing = await this.urgentRows.itemOfCustomer(list.id, job.customerId, tx);
    const rep: ListRep = { id: list.rep_id, name: list.name, locale: list.locale };
    if (existing) {
      if (existing.state !== 'open') return { result: 'already_worked' as const, itemId: existing.id };
      await this.markExisting(tx, ctx, list, rep, existing.id, top);
      return { result: 'marked' as const, itemId: existing.id };
    }
    const contacted = await this.urgentRows.contactedToday(
      job.workspaceId,
      job.customerId,
      { day: today, timeZone: ctx.policy.timeZone },
      tx,
    );
    if (contacted) return { result: 'contacted_today' as const, itemId: null };
    const itemId = await this.insertNew(tx, ctx, list, rep, top);
    return { result: 'inserted' as const, itemId };
  }

  /** An open item of the customer moves to the top, with the urgent reason put in front of its own. */
  private async markExisting(
    tx: Tx,
    ctx: UrgentContext,
    list: UrgentListRow,
    rep: ListRep,
    itemId: string,
    top: number,
  ): Promise<void> {
    const lead = this.builder.build(
      {
        customerId: ctx.row.customer_id,
        rank: top,
        kind: 'urgent',
        value: 0,
        reasons: [ctx.reason],
        callWindow: null,
      },
      ctx.row,
      rep,
      ctx.textCtx,
    );
    await this.urgentRows.markUrgent(
      itemId,
      {
        rank: top,
        reasons: JSON.stringify(lead.reasons),
        summary: lead.summary,
        separator: rep.locale.startsWith('zh') ? '；' : '; ',
      },
      tx,
    );
    await this.appendEvent(tx, ctx.job, list, itemId, top, 'marked', ctx.reason.code);
  }

  /** A new urgent item on top: the urgent reason leads the customer's own value terms (≥ 5 % of the value). */
  private async insertNew(
    tx: Tx,
    ctx: UrgentContext,
    list: UrgentListRow,
    rep: ListRep,
    top: number,
  ): Promise<string> {
    const { job, policy, run, row, reason } = ctx;
    const value = callValue(
      toCandidate(row),
      {
        listDate: ctx.today,
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
    const built = this.builder.build(ranked, row, rep, ctx.textCtx);
    const itemId = await this.urgentRows.insertItem(
      job.workspaceId,
      list.id,
      job.customerId,
      {
        rank: top,
        priority: built.priority,
        reasons: JSON.stringify(built.reasons),
        personality: built.personality,
        talkTrack: built.talkTrack,
        offerCode: built.offerCode,
        offerVersion: built.offerVersion,
        talkTrackVariant: built.talkTrackVariant,
        value: built.value,
        summary: built.summary,
      },
      tx,
    );
    await this.logExposure(tx, ctx, list.id);
    await this.appendEvent(tx, job, list, itemId, top, 'inserted', reason.code);
    return itemId;
  }

  /**
   * The exposure of the inserted item, as the publisher logs one per published item. A holdout customer is on
   * the list only because the event could not wait: logged `promised`, like a holdout customer listed by a
   * callback or a pin (docs/experiments.md, "Promises are kept").
   */
  private async logExposure(tx: Tx, ctx: UrgentContext, worklistId: string): Promise<void> {
    if (!ctx.assigned) return;
    const { experimentId, arm } = ctx.assigned;
    await this.experiments.logExposures(
      ctx.job.workspaceId,
      ctx.today,
      [
        {
          experimentId,
          arm: arm.key,
          customerId: ctx.job.customerId,
          worklistId,
          promised: arm.strategy.type === 'holdout',
        },
      ],
      tx,
    );
  }

  private async appendEvent(
    tx: Tx,
    job: UrgentJob,
    list: { id: string; external_id: string },
    itemId: string,
    rank: number,
    result: 'inserted' | 'marked',
    reason: string,
  ): Promise<void> {
    const customer = await this.urgentRows.customerExternalId(job.customerId, tx);
    await this.outbox.append(tx, job.workspaceId, 'worklist.item_inserted', {
      worklistId: list.id,
      rep: list.external_id,
      itemId,
      rank,
      customer,
      urgent: true,
      result,
      reason,
    });
  }
}

/** The urgent reason the event gives this customer (urgent-rules.ts), or null. */
function reasonOf(job: UrgentJob, row: CandidateRow, policy: WorklistPolicy): Reason | null {
  const usual =
    row.expected_order_value !== null
      ? Number(row.expected_order_value)
      : row.frequency > 0
        ? Number(row.monetary) / row.frequency
        : null;
  return urgentReason(job.event, { lifecycle: row.lifecycle, usualOrderMinor: usual }, policy.settings);
}
