import { Inject, Injectable, Optional } from '@nestjs/common';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { CALL_REACH_LOOKUP, CallReachLookup, CallReachView } from './call-reach.port';
import { customerVisibility, CustomerVisibility } from './customer-access';
import { CurrentScoreRow, CustomerViewRepository } from './customer-view.repository';
import { maskEmail, maskPhone, PiiCipher } from './pii/pii';
import { PII_CIPHER } from './pii/pii.tokens';

/** How many of a customer's latest field changes the view shows. */
const FIELD_HISTORY_SHOWN = 20;

export interface CustomerSummary {
  id: string;
  /** the id asked for, when it was a record merged into this customer */
  requestedId?: string;
  kind: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  /** true when email/phone (and contact persons' details) are masked for this caller */
  piiMasked: boolean;
  region: string | null;
  country: string | null;
  industry: string | null;
  owner: { id: string; externalId: string; name: string } | null;
  /** whether the owner's shift ever meets the customer's business hours (null: no owner, or not known) */
  callReach: CallReachView | null;
  personality: string | null;
  /** who set the fields Callplan shares with the CRM, and when (docs/crm-sync.md#field-ownership) */
  fieldSources: {
    owner: { setBy: string | null; setAt: Date | null };
    personality: { setBy: string | null; setAt: Date | null };
  };
  /** the latest changes of those fields (newest first, at most FIELD_HISTORY_SHOWN), with both sources and times */
  fieldHistory: Array<{
    field: string;
    old: { value: string | null; source: string | null; at: Date | null };
    new: { value: string | null; source: string; at: Date | null };
  }>;
  /** every source record of this customer: its own and those merged into it */
  sourceIds: Array<{ id: string; source: string; externalId: string }>;
  sourceCreatedAt: Date | null;
  createdAt: Date;
  deletedAt: Date | null;
  erasedAt: Date | null;
  contacts: Array<{ name: string | null; title: string | null; email: string | null; phone: string | null }>;
  orders: {
    count: number;
    paid: number;
    paidRevenue: Array<{ currency: string; amountMinor: string }>;
    firstOrderAt: Date | null;
    lastOrderAt: Date | null;
  };
  interactions: { count: number; lastAt: Date | null };
  scores: {
    runId: string;
    asOf: string;
    recencyDays: number | null;
    frequency: number;
    monetary: string;
    rfm: string | null;
    rfmSegment: string | null;
    abcClass: string | null;
    valueTier: string;
    frequencyClass: string;
    lifecycle: string;
    pAlive: number | null;
    /** P(at least one purchase in the run's horizon) (scoring/count-forecaster.ts) */
    pBuy: number | null;
    horizonDays: number;
    expectedPurchases: number | null;
    clv: string | null;
    churnRisk: number;
    priority: number;
    reasons: unknown;
    /** why the lifecycle is what it is (docs/scoring.md#lifecycle); null for runs before it was kept */
    lifecycleReasons: string[] | null;
  } | null;
}

/** A customer id the caller may see, resolved to the live record (following merges) with its owner. */
export interface VisibleCustomer {
  rootId: string;
  ownerRepId: string | null;
  visibility: Exclude<CustomerVisibility, 'hidden'>;
}

/** The one customer view: identity, contact details (clear or masked by role), source ids, activity and scores. */
@Injectable()
export class CustomerViewService {
  constructor(
    private readonly customers: CustomerViewRepository,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
    private readonly scopes: AccessScopeService,
    @Optional() @Inject(CALL_REACH_LOOKUP) private readonly reach: CallReachLookup | null = null,
  ) {}

  /** Resolves a customer id the caller may see (following merges) with its owner, or throws not_found. */
  async resolveVisible(p: Principal, id: string): Promise<VisibleCustomer> {
    if (!/^\d{1,18}$/.test(id)) throw AppError.notFound('customer');
    const row = await this.customers.root(p.workspaceId, id);
    if (!row) throw AppError.notFound('customer');
    const visibility = customerVisibility(p, row.owner_rep_id, await this.scopes.repScope(p));
    if (visibility === 'hidden') throw AppError.notFound('customer');
    return { rootId: String(row.id), ownerRepId: row.owner_rep_id, visibility };
  }

  async get(p: Principal, id: string): Promise<CustomerSummary> {
    const { rootId, visibility } = await this.resolveVisible(p, id);
    const clear = visibility === 'clear';
    const ws = p.workspaceId;
    const [c, sources, contacts, orders, revenue, interactions, scores, history] = await Promise.all([
      this.customers.record(ws, rootId),
      this.customers.sourceIds(ws, rootId),
      this.customers.contacts(ws, rootId),
      this.customers.orderTotals(rootId),
      this.customers.paidRevenue(rootId),
      this.customers.interactionTotals(rootId),
      this.customers.currentScores(ws, rootId),
      this.customers.fieldHistory(ws, rootId, FIELD_HISTORY_SHOWN),
    ]);
    if (!c) throw AppError.notFound('customer');
    const callReach =
      c.owner_rep_id && this.reach
        ? await this.reach.reachOf(ws, {
            kind: c.kind,
            country: c.country,
            ownerExternalId: c.owner_external_id!,
          })
        : null;
    const reveal = (blob: Buffer | null, mask: (v: string) => string) => {
      if (!blob) return null;
      const plain = this.pii.decrypt(blob);
      return clear ? plain : mask(plain);
    };
    return {
      id: rootId,
      ...(rootId === id ? {} : { requestedId: id }),
      kind: c.kind,
      name: c.name,
      email: reveal(c.email_enc, maskEmail),
      phone: reveal(c.phone_enc, maskPhone),
      piiMasked: !clear,
      region: c.region,
      country: c.country,
      industry: c.industry,
      owner: c.owner_rep_id
        ? { id: c.owner_rep_id, externalId: c.owner_external_id!, name: c.owner_name! }
        : null,
      callReach,
      personality: c.personality,
      fieldSources: {
        owner: { setBy: c.owner_set_by, setAt: c.owner_set_at },
        personality: { setBy: c.personality_set_by, setAt: c.personality_set_at },
      },
      fieldHistory: history.map((h) => ({
        field: h.field,
        old: { value: h.old_value, source: h.old_source, at: h.old_at },
        new: { value: h.new_value, source: h.new_source, at: h.new_at },
      })),
      sourceIds: sources.map((s) => ({ id: s.id, source: s.source, externalId: s.external_id })),
      sourceCreatedAt: c.source_created_at,
      createdAt: c.created_at,
      deletedAt: c.deleted_at,
      erasedAt: c.erased_at,
      contacts: contacts.map((k) => ({
        name: k.name,
        title: k.title,
        email: reveal(k.email_enc, maskEmail),
        phone: reveal(k.phone_enc, maskPhone),
      })),
      orders: {
        count: orders.count,
        paid: orders.paid,
        paidRevenue: revenue.map((r) => ({ currency: r.currency, amountMinor: r.amount })),
        firstOrderAt: orders.first_at,
        lastOrderAt: orders.last_at,
      },
      interactions: { count: interactions.count, lastAt: interactions.last_at },
      scores: scores ? toScores(scores) : null,
    };
  }
}

function toScores(scores: CurrentScoreRow): NonNullable<CustomerSummary['scores']> {
  return {
    runId: scores.run_id,
    asOf: scores.as_of,
    recencyDays: scores.recency_days,
    frequency: scores.frequency,
    monetary: String(scores.monetary),
    rfm: scores.r_score === null ? null : `${scores.r_score}${scores.f_score}${scores.m_score}`,
    rfmSegment: scores.rfm_segment,
    abcClass: scores.abc_class,
    valueTier: scores.value_tier,
    frequencyClass: scores.frequency_class,
    lifecycle: scores.lifecycle,
    pAlive: scores.p_alive,
    pBuy: scores.p_buy,
    horizonDays: scores.horizon_days,
    expectedPurchases: scores.expected_purchases,
    clv: scores.clv === null ? null : String(scores.clv),
    churnRisk: scores.churn_risk,
    priority: scores.priority,
    reasons: scores.reasons,
    lifecycleReasons: scores.lifecycle_reasons,
  };
}
