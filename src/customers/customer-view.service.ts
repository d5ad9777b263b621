import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { PII_CIPHER } from './pii/pii.tokens';
import { maskEmail, maskPhone, PiiCipher } from './pii/pii';
import { customerVisibility, CustomerVisibility } from './customer-access';
import { RepScopeService } from './rep-scope.service';

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
    expectedPurchases: number | null;
    clv: string | null;
    churnRisk: number;
    priority: number;
    reasons: unknown;
  } | null;
}

/** Resolves a customer id the caller may see (following merges) with its owner, or throws not_found. */
export async function resolveVisibleCustomer(
  db: DataSource,
  scopes: RepScopeService,
  p: Principal,
  id: string,
): Promise<{ rootId: string; ownerRepId: string | null; visibility: Exclude<CustomerVisibility, 'hidden'> }> {
  if (!/^\d{1,18}$/.test(id)) throw AppError.notFound('customer');
  const [row] = await db.query(
    `SELECT r.id, r.owner_rep_id FROM customers c JOIN customers r ON r.id = COALESCE(c.merged_into_id, c.id)
     WHERE c.workspace_id = $1 AND c.id = $2`,
    [p.workspaceId, id],
  );
  if (!row) throw AppError.notFound('customer');
  const visibility = customerVisibility(p, row.owner_rep_id, await scopes.of(p));
  if (visibility === 'hidden') throw AppError.notFound('customer');
  return { rootId: String(row.id), ownerRepId: row.owner_rep_id, visibility };
}

/** The one customer view: identity, contact details (clear or masked by role), source ids, activity and scores. */
@Injectable()
export class CustomerViewService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
    private readonly scopes: RepScopeService,
  ) {}

  async get(p: Principal, id: string): Promise<CustomerSummary> {
    const { rootId, visibility } = await resolveVisibleCustomer(this.db, this.scopes, p, id);
    const clear = visibility === 'clear';
    const ws = p.workspaceId;
    const [[c], sources, contacts, [orders], revenue, [interactions], [scores]] = await Promise.all([
      this.db.query(
        `SELECT c.*, r.external_id AS owner_external_id, r.name AS owner_name
         FROM customers c LEFT JOIN reps r ON r.id = c.owner_rep_id WHERE c.workspace_id = $1 AND c.id = $2`,
        [ws, rootId],
      ),
      this.db.query(
        `SELECT id::text, source, external_id FROM customers
         WHERE workspace_id = $1 AND (id = $2 OR merged_into_id = $2) ORDER BY id`,
        [ws, rootId],
      ),
      this.db.query(
        `SELECT name, title, email_enc, phone_enc FROM contacts
         WHERE workspace_id = $1 AND customer_id = $2 ORDER BY is_primary DESC, id LIMIT 50`,
        [ws, rootId],
      ),
      this.db.query(
        `SELECT count(*)::int AS count, count(*) FILTER (WHERE status = 'paid')::int AS paid,
                min(placed_at) AS first_at, max(placed_at) AS last_at
         FROM orders WHERE customer_id = $1 AND deleted_at IS NULL`,
        [rootId],
      ),
      this.db.query(
        `SELECT currency, sum(amount_minor)::text AS amount FROM orders
         WHERE customer_id = $1 AND deleted_at IS NULL AND status = 'paid' GROUP BY currency ORDER BY currency`,
        [rootId],
      ),
      this.db.query(
        `SELECT count(*)::int AS count, max(occurred_at) AS last_at FROM interactions WHERE customer_id = $1`,
        [rootId],
      ),
      this.db.query(
        `SELECT s.*, sr.as_of FROM workspaces w
         JOIN customer_scores s ON s.run_id = w.current_score_run_id AND s.customer_id = $2
         JOIN score_runs sr ON sr.id = s.run_id
         WHERE w.id = $1`,
        [ws, rootId],
      ),
    ]);
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
        ? { id: c.owner_rep_id, externalId: c.owner_external_id, name: c.owner_name }
        : null,
      sourceIds: sources.map((s: { id: string; source: string; external_id: string }) => ({
        id: s.id,
        source: s.source,
        externalId: s.external_id,
      })),
      sourceCreatedAt: c.source_created_at,
      createdAt: c.created_at,
      deletedAt: c.deleted_at,
      erasedAt: c.erased_at,
      contacts: contacts.map(
        (k: {
          name: string | null;
          title: string | null;
          email_enc: Buffer | null;
          phone_enc: Buffer | null;
        }) => ({
          name: k.name,
          title: k.title,
          email: reveal(k.email_enc, maskEmail),
          phone: reveal(k.phone_enc, maskPhone),
        }),
      ),
      orders: {
        count: orders.count,
        paid: orders.paid,
        paidRevenue: revenue.map((r: { currency: string; amount: string }) => ({
          currency: r.currency,
          amountMinor: r.amount,
        })),
        firstOrderAt: orders.first_at,
        lastOrderAt: orders.last_at,
      },
      interactions: { count: interactions.count, lastAt: interactions.last_at },
      scores: scores
        ? {
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
            expectedPurchases: scores.expected_purchases,
            clv: scores.clv === null ? null : String(scores.clv),
            churnRisk: scores.churn_risk,
            priority: scores.priority,
            reasons: scores.reasons,
          }
        : null,
    };
  }
}
