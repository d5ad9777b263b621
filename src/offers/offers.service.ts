import { Injectable } from '@nestjs/common';
import { audit } from '../audit/audit-entry.repository';
import { AppError } from '../common/app-error';
import type { Queryable } from '../database/sql';
import { Transactions } from '../database/transactions';
import { todayIn } from '../workspaces/workspaces.service';
import { DEFAULT_OFFER_CATALOG, Offer } from './offer-catalog';
import { OfferChooser, OfferCustomer, offerBlocks, OfferUsage } from './offer-choice';
import { OfferIssue, parseNewOffer, parseOfferTerms } from './offer-schema';
import { OfferRepository, OfferRow } from './offer.repository';

export type OfferState = 'active' | 'scheduled' | 'expired' | 'exhausted' | 'archived';

export interface OfferView {
  code: string;
  version: number;
  /** as of today in the workspace's time zone */
  state: OfferState;
  terms: Omit<Offer, 'code'>;
  usage: {
    redemptions: number;
    redeemedMinor: number;
    /** null: no such budget */
    remaining: number | null;
    remainingMinor: number | null;
  };
  archivedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface OfferVersionView {
  version: number;
  terms: Omit<Offer, 'code'>;
  createdBy: string | null;
  createdAt: string;
}

/** A list day's catalog after redemptions were attributed: what a publish run chooses from. */
export interface OfferDay {
  workspaceId: string;
  listDate: string;
  offers: OfferRow[];
}

/** What the candidate row already knows about a customer (the rest the choices load themselves). */
export type RowFacts = Pick<OfferCustomer, 'tier' | 'lifecycle' | 'clvMinor' | 'country' | 'personality'>;

/** The choices of one publish run (offer-choice.ts `OfferChooser`), with the version each offer is shown at. */
export interface OfferChoices {
  /** `only`: an experiment's offer arm narrows the choice to its offer (null: no offer) */
  choose(
    customerId: string,
    repId: string,
    facts: RowFacts,
    only?: string | null,
  ): { offer: Offer; version: number } | null;
}

const usageOf = (r: OfferRow): OfferUsage => ({
  count: r.redemptions_used,
  moneyMinor: Number(r.redeemed_minor),
});

function failed(issues: OfferIssue[]): AppError {
  return new AppError('validation_failed', 'the offer failed validation', 422, issues);
}

/**
 * The workspace's offer catalog (seeded from DEFAULT_OFFER_CATALOG at its first read, then managed per
 * workspace): versioned edits with optimistic concurrency, redemptions that spend the budgets, and the choice of
 * the offer each list item shows (offer-choice.ts).
 */
@Injectable()
export class OffersService {
  constructor(
    private readonly offers: OfferRepository,
    private readonly transactions: Transactions,
  ) {}

  async list(workspaceId: string, opts: { includeArchived?: boolean } = {}): Promise<OfferView[]> {
    await this.offers.seedIfEmpty(workspaceId, DEFAULT_OFFER_CATALOG);
    const today = todayIn(await this.offers.timezoneOf(workspaceId));
    const rows = await this.offers.list(workspaceId, opts.includeArchived ?? false);
    return rows.map((r) => toView(r, today));
  }

  async get(workspaceId: string, code: string): Promise<OfferView> {
    await this.offers.seedIfEmpty(workspaceId, DEFAULT_OFFER_CATALOG);
    const row = await this.offers.byCode(workspaceId, code);
    if (!row) throw AppError.notFound(`offer "${code}"`);
    return toView(row, todayIn(await this.offers.timezoneOf(workspaceId)));
  }

  /** Every version of an offer, newest first: what items published with an older version showed. */
  async versions(workspaceId: string, code: string): Promise<OfferVersionView[]> {
    const rows = await this.offers.versions(workspaceId, code);
    if (rows.length === 0) throw AppError.notFound(`offer "${code}"`);
    return rows.map((v) => ({
      version: v.version,
      terms: termsOf(v.definition),
      createdBy: v.created_by,
      createdAt: v.created_at.toISOString(),
    }));
  }

  async create(workspaceId: string, body: unknown, actor: string): Promise<OfferView> {
    const parsed = parseNewOffer(body);
    if (!parsed.ok) throw failed(parsed.issues);
    await this.offers.seedIfEmpty(workspaceId, DEFAULT_OFFER_CATALOG);
    const row = await this.transactions.run(async (tx) => {
      const inserted = await this.offers.insert(workspaceId, parsed.offer, actor, tx);
      if (inserted) await this.audit(tx, workspaceId, actor, 'offer.created', inserted);
      return inserted;
    });
    if (!row) throw new AppError('offer_exists', `an offer "${parsed.offer.code}" exists already`, 409);
    return toView(row, todayIn(await this.offers.timezoneOf(workspaceId)));
  }

  /**
   * A new version with these terms, if the offer is still at `expectedVersion` (409 otherwise; 428 when the
   * caller names no version).
   */
  async update(
    workspaceId: string,
    code: string,
    body: unknown,
    expectedVersion: number | null,
    actor: string,
  ): Promise<OfferView> {
    return this.newVersion(workspaceId, code, expectedVersion, actor, () => {
      const parsed = parseOfferTerms(code, body);
      if (!parsed.ok) throw failed(parsed.issues);
      return parsed.offer;
    });
  }

  /** Archives the offer (never shown again; its items keep showing it), if still at `expectedVersion`. */
  archive(
    workspaceId: string,
    code: string,
    expectedVersion: number | null,
    actor: string,
  ): Promise<OfferView> {
    return this.newVersion(workspaceId, code, expectedVersion, actor, (current) => current, true);
  }

  /** Checks in this order: the offer exists (404, also outside the workspace), a version is named (428), the body. */
  private async newVersion(
    workspaceId: string,
    code: string,
    expectedVersion: number | null,
    actor: string,
    definitionOf: (current: Offer) => Offer,
    archive = false,
  ): Promise<OfferView> {
    const current = await this.offers.byCode(workspaceId, code);
    if (!current) throw AppError.notFound(`offer "${code}"`);
    if (expectedVersion === null)
      throw new AppError('precondition_required', 'send If-Match with the version you read', 428, {
        field: 'If-Match',
      });
    const expected = expectedVersion;
    if (current.archived_at) throw new AppError('offer_archived', `offer "${code}" is archived`, 409);
    const row = await this.transactions.run(async (tx) => {
      const changed = await this.offers.newVersion(
        workspaceId,
        { code, expected, definition: definitionOf(current.definition), archive },
        actor,
        tx,
      );
      if (changed)
        await this.audit(tx, workspaceId, actor, archive ? 'offer.archived' : 'offer.updated', changed);
      return changed;
    });
    if (!row) {
      const now = await this.offers.byCode(workspaceId, code);
      throw new AppError(
        'version_conflict',
        `offer "${code}" is at version ${now?.version ?? '?'}, not ${expected}: read it again and retry`,
        409,
        { currentVersion: now?.version ?? null },
      );
    }
    return toView(row, todayIn(await this.offers.timezoneOf(workspaceId)));
  }

  private audit(tx: Queryable, workspaceId: string, actor: string, action: string, row: OfferRow) {
    return audit(tx, {
      workspaceId,
      actor,
      action,
      subject: `offer:${row.code}`,
      details: { version: row.version, definition: row.definition },
    });
  }

  /**
   * The catalog a list day chooses from, after the orders since the last run were attributed to the offers
   * items showed (their budgets spent). Call it before the publishing transaction: attribution writes
   * redemptions that refer to items, which a replacing publish may be deleting.
   */
  async day(workspaceId: string, listDate: string): Promise<OfferDay> {
    await this.offers.seedIfEmpty(workspaceId, DEFAULT_OFFER_CATALOG);
    // Orders are attributed as they arrive (ordersChanged); this sweep catches what no ingest path saw: a merge
    // that made an order and a showing one person's, an order written by hand.
    await this.transactions.run((tx) => this.attribute(workspaceId, null, tx));
    return { workspaceId, listDate, offers: await this.offers.list(workspaceId, false) };
  }

  /**
   * Orders were written, changed, deleted or restored (every order ingest path calls this in its own transaction):
   * the redemptions of their people are brought in line with the attribution rule at once (offer.repository.ts
   * ATTRIBUTION_SQL) — new ones spend the budgets, refunded, reversed or deleted orders give theirs back — so the
   * next list already sees an exhausted offer. Idempotent and independent of arrival order. `orderIds`: the ids
   * written (a sync batch); `all`: every showing of the workspace (a bulk import, whose cost then follows the
   * showings instead of the file's size).
   */
  async ordersChanged(
    workspaceId: string,
    orderIds: readonly string[] | 'all',
    tx: Queryable,
  ): Promise<void> {
    if (orderIds === 'all') return this.attribute(workspaceId, null, tx);
    if (orderIds.length > 0) await this.attribute(workspaceId, [...orderIds], tx);
  }

  /**
   * A day's lists are about to be deleted (in `tx`): their items' redemptions give their budgets back first. A
   * replacing publish then calls ordersChanged('all') after inserting the new items, so that orders still in an
   * offer's window redeem the new showing instead.
   */
  async listDayRemoved(workspaceId: string, listDate: string, tx: Queryable): Promise<void> {
    await this.offers.releaseListDay(workspaceId, listDate, tx);
  }

  /** Releases what attribution no longer supports, then adds what it calls for (the counters follow the rows). */
  private async attribute(workspaceId: string, orderIds: string[] | null, tx: Queryable): Promise<void> {
    await this.offers.releaseStaleRedemptions(workspaceId, orderIds, tx);
    await this.offers.attributeOrders(workspaceId, orderIds, tx);
  }

  /** The choices for these customers on the day: their facts, past showings and redemptions loaded once. */
  async choices(day: OfferDay, runId: string, customerIds: string[]): Promise<OfferChoices> {
    const { workspaceId, listDate } = day;
    const periodDays = Math.max(1, ...day.offers.map((o) => o.definition.caps?.perCustomer?.days ?? 1));
    const [facts, showings, redeemed] =
      customerIds.length === 0 || day.offers.length === 0
        ? [[], [], []]
        : await Promise.all([
            this.offers.facts(workspaceId, runId, customerIds),
            this.offers.showings(workspaceId, { day: listDate, days: periodDays, customerIds }),
            this.offers.redeemedBy(workspaceId, customerIds),
          ]);
    const shownToCustomer = new Map<string, Record<string, string[]>>();
    const shownByRep = new Map<string, Record<string, number>>();
    // records without a prototype: a code such as 'constructor' is an ordinary key
    const record = <T>() => Object.create(null) as Record<string, T>;
    for (const s of showings) {
      const byCode = shownToCustomer.get(s.customer_id) ?? record<string[]>();
      byCode[s.code] = [...(byCode[s.code] ?? []), s.day];
      shownToCustomer.set(s.customer_id, byCode);
      if (s.day === listDate) {
        const byRep = shownByRep.get(s.rep_id) ?? record<number>();
        byRep[s.code] = (byRep[s.code] ?? 0) + 1;
        shownByRep.set(s.rep_id, byRep);
      }
    }
    const redeemedByCustomer = new Map<string, string[]>();
    for (const r of redeemed)
      redeemedByCustomer.set(r.customer_id, [...(redeemedByCustomer.get(r.customer_id) ?? []), r.code]);
    const factsOf = new Map(facts.map((f) => [f.customer_id, f]));
    const versionOf = new Map(day.offers.map((o) => [o.code, o.version]));
    const chooser = new OfferChooser({
      catalog: day.offers.map((o) => o.definition),
      asOf: listDate,
      usage: Object.fromEntries(day.offers.map((o) => [o.code, usageOf(o)])),
      shownToCustomer,
      shownByRep,
      redeemedByCustomer,
    });
    return {
      choose(customerId, repId, row, only) {
        const f = factsOf.get(customerId);
        const offer = chooser.choose(
          customerId,
          repId,
          { ...row, abc: f?.abc_class ?? null, region: f?.region ?? null, categories: f?.categories ?? [] },
          only,
        );
        return offer ? { offer, version: versionOf.get(offer.code) ?? 1 } : null;
      },
    };
  }

  /** The rep's outcome says the customer took the item's offer: one redemption per item (false: counted before). */
  redeemItem(workspaceId: string, itemId: string, at: Date, tx: Queryable): Promise<boolean> {
    return this.offers.redeemItem(workspaceId, itemId, at, tx);
  }
}

function termsOf(definition: Offer): Omit<Offer, 'code'> {
  const { code: _code, ...terms } = definition;
  return terms;
}

/** The offer's state on `today`: archived, outside its validity window, out of budget, or active. */
export function offerState(row: OfferRow, today: string): OfferState {
  if (row.archived_at) return 'archived';
  const blocks = offerBlocks(row.definition, {
    catalog: [],
    asOf: today,
    // targeting does not matter for the state: a customer every rule lets through
    customer: {
      tier: row.definition.tiers[0] ?? 'core',
      lifecycle: row.definition.lifecycles?.[0] ?? 'active',
      abc: null,
      clvMinor: null,
      region: null,
      country: null,
      personality: null,
      categories: [],
    },
    usage: { [row.code]: usageOf(row) },
    exposure: { shownToCustomer: {}, shownByRepToday: {}, redeemedByCustomer: [] },
  });
  if (blocks.includes('not_yet_valid')) return 'scheduled';
  if (blocks.includes('expired')) return 'expired';
  if (blocks.includes('budget_exhausted') || blocks.includes('money_budget_exhausted')) return 'exhausted';
  return 'active';
}

function toView(row: OfferRow, today: string): OfferView {
  const d = row.definition;
  const used = usageOf(row);
  return {
    code: row.code,
    version: row.version,
    state: offerState(row, today),
    terms: termsOf(d),
    usage: {
      redemptions: used.count,
      redeemedMinor: used.moneyMinor,
      remaining: d.budget === undefined ? null : Math.max(0, d.budget - used.count),
      remainingMinor: d.budgetMinor === undefined ? null : Math.max(0, d.budgetMinor - used.moneyMinor),
    },
    archivedAt: row.archived_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
