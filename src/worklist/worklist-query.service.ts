import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Inject, Injectable } from '@nestjs/common';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { PII_CIPHER } from '../customers/pii/pii.tokens';
import { maskEmail, maskPhone, PiiCipher } from '../customers/pii/pii';
import { localizeOffer } from '../offers/offer-catalog';
import { SERVED_LIST_DAYS } from '../scoring/steps/score-retention';
import { matchesEitherCoding, PageBodies, ServedPage } from './content-coding';
import { timeZoneForCountry } from './country-time-zones';
import { ListReadCache } from './list-read-cache.service';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, listETag } from './list-paging';
import {
  ItemDetailRow,
  ItemRow,
  ListHeadRow,
  OpenFollowUpRow,
  RecentInteractionRow,
  RecentOrderRow,
  PublishedListRow,
  WorklistQueryRepository,
} from './worklist-query.repository';
import type { ScoresView, WorklistItemDetailView, WorklistItemView, WorklistView } from './worklist.views';
import { isUuid } from '../common/uuid';
import { dayBounds } from './zoned-time';

export type { WorklistItemView, WorklistView } from './worklist.views';

/** gzip at zlib's default level (6), off the event loop: a served page's compressed representation. */
const gzipped: (body: Buffer) => Promise<Buffer> = promisify(gzip);

export interface ListPage {
  /** default: every item, any state (CLI); the HTTP API asks for open items, 50 at a time */
  state?: 'open' | 'all';
  limit?: number;
  cursor?: string;
  /** default true (CLI, web page); the HTTP list leaves talk tracks out unless asked */
  talkTrack?: boolean;
  /** mask phones and emails; default: for integration keys only (the embeddable page sets it from its token) */
  maskPii?: boolean;
}

/** Items of a list its reader no longer sees the customer of: item id → the item's stored state. */
type Reassigned = ReadonlyMap<string, string>;

/**
 * Reads published lists and items. Personal data is decrypted for people who work the list and masked for
 * machines (integration keys). Scope: the caller's workspace always; reps and managers through AccessScopeService.
 */
@Injectable()
export class WorklistQueryService {
  constructor(
    private readonly lists: WorklistQueryRepository,
    private readonly served: ListReadCache,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
    private readonly scope: AccessScopeService,
  ) {}

  /** A rep's list for a day (default today in the workspace zone); the caller has checked access to the rep. */
  /** The lists published for a date, one per rep with its item count, in rep order. */
  publishedLists(workspaceId: string, date: string): Promise<PublishedListRow[]> {
    return this.lists.publishedLists(workspaceId, date);
  }

  async forRep(p: Principal, repId: string, date: string | null, page: ListPage = {}): Promise<WorklistView> {
    const head = await this.headRow(p, repId, date);
    return this.view(p, head, page, await this.reassignedItems(p, head.id));
  }

  /**
   * A page of a rep's list with its (identity) ETag and its bodies, JSON and gzip; `bodies` null when
   * `ifNoneMatch` names either representation (answer 304). A page answered before under the current state of all
   * its inputs (ListReadCache) is answered from memory, 304s and bodies alike, without reading PostgreSQL; "today"
   * is then the day that page was, until its midnight.
   */
  async read(
    p: Principal,
    repId: string,
    date: string | null,
    page: ListPage,
    ifNoneMatch?: string,
    /** another key to remember the answer under (ServedListDoor's alias of the request's URL) */
    alias?: string,
  ): Promise<ServedPage> {
    const key = memoKey(p, repId, date, page);
    const known = this.served.get(key);
    const notModified = (etag: string) => matchesEitherCoding(ifNoneMatch, etag);
    if (known && (known.bodies || notModified(known.etag))) {
      if (alias) this.served.set(alias, known);
      return { etag: known.etag, bodies: notModified(known.etag) ? null : known.bodies };
    }
    // taken before the first read: a change heard after it keeps what is read now out of memory
    const token = this.served.token();
    const row = await this.headRow(p, repId, date);
    const reassigned = await this.reassignedItems(p, row.id);
    const etag = this.etagOf(p, row, page, reassigned);
    const entry = {
      workspaceId: p.workspaceId,
      listId: row.id,
      token,
      etag,
      // "today" is the list's day until the workspace's midnight; a named day does not move
      expiresAt: date === null ? dayBounds(row.list_date, row.timezone).end.getTime() : null,
      bodies: null as PageBodies | null,
    };
    const remember = () => {
      this.served.set(key, entry);
      if (alias) this.served.set(alias, entry);
    };
    if (notModified(etag)) {
      remember();
      return { etag, bodies: null };
    }
    const identity = Buffer.from(JSON.stringify(await this.view(p, row, page, reassigned)));
    // compressed once, here, whatever this request accepts: every later read of the page, at the door or here,
    // sends stored bytes (most clients ask gzip; ~1–2 ms of the thread pool for 80 KB, beside the reads above)
    entry.bodies = { identity, gzip: await gzipped(identity) };
    remember();
    return { etag, bodies: entry.bodies };
  }

  /**
   * One item with the customer summary, or 404 when missing or out of the caller's scope. An item of a list the
   * caller may read whose customer is no longer theirs (reassigned since publication) answers as `reassigned`,
   * without the customer's data.
   */
  async item(p: Principal, itemId: string): Promise<WorklistItemDetailView> {
    if (!isUuid(itemId)) throw new AppError('not_found', 'worklist item not found', 404);
    const r = await this.lists.item(p.workspaceId, itemId);
    if (!r) throw new AppError('not_found', 'worklist item not found', 404);
    await this.assertReadable(p, r.rep_id);
    if (!r.scores_kept) throw expired(r.list_date, r.score_run_id);
    if (!(await this.scope.readableCustomerIds(p, [r.customer_id])).has(r.customer_id)) {
      return {
        ...reassignedView(r),
        listDate: r.list_date,
        rep: { id: r.rep_id, externalId: r.rep_external_id, name: r.rep_name },
        scores: null,
        country: null,
        timeZone: r.timezone,
        recentOrders: [],
        recentInteractions: [],
        openFollowUp: null,
        doNotCall: false,
      };
    }
    const seesPii = p.role !== 'integration';
    const [orders, interactions, followUp] = await Promise.all([
      this.lists.recentOrders(p.workspaceId, r.customer_id),
      this.lists.recentInteractions(p.workspaceId, r.customer_id),
      this.lists.openFollowUp(p.workspaceId, r.customer_id),
    ]);
    const base = this.itemView(r, r.locale, seesPii);
    return {
      ...base,
      listDate: r.list_date,
      rep: { id: r.rep_id, externalId: r.rep_external_id, name: r.rep_name },
      scores: scoresView(r),
      country: r.country ? String(r.country).trim() : null,
      timeZone: timeZoneForCountry(r.country, r.timezone),
      recentOrders: orders.map(orderView),
      recentInteractions: interactions.map((x) => interactionView(x, seesPii)),
      openFollowUp: followUp ? followUpView(followUp) : null,
      doNotCall: r.do_not_call,
    };
  }

  /** The customer id of an item the principal may read, when its customer is still in their scope; 404 otherwise. */
  async itemCustomer(p: Principal, itemId: string): Promise<string> {
    if (!isUuid(itemId)) throw new AppError('not_found', 'worklist item not found', 404);
    const r = await this.lists.item(p.workspaceId, itemId);
    if (!r) throw new AppError('not_found', 'worklist item not found', 404);
    await this.assertReadable(p, r.rep_id);
    if (!(await this.scope.readableCustomerIds(p, [r.customer_id])).has(r.customer_id))
      throw AppError.notFound('customer');
    return String(r.customer_id);
  }

  /** Throws a 404 unless the principal may read the rep's list (ids out of scope look missing). */
  async assertReadable(p: Principal, repId: string): Promise<void> {
    try {
      await this.scope.readableRep(p, repId);
    } catch (e) {
      if (e instanceof AppError && e.status === 404)
        throw new AppError('not_found', 'worklist item not found', 404);
      throw e;
    }
  }

  /**
   * Throws 409 `item_reassigned` unless the principal may still reach the item's customer (AccessScopeService):
   * outcomes and snoozes change what the customer's current owner sees, so an old list's item cannot take them.
   */
  async assertCustomerActionable(p: Principal, item: { id: string; customerId: string }): Promise<void> {
    if ((await this.scope.readableCustomerIds(p, [item.customerId])).has(item.customerId)) return;
    throw new AppError(
      'item_reassigned',
      'the customer of this item was reassigned after the list was published; it no longer takes outcomes or snoozes',
      409,
      { itemId: item.id, state: 'reassigned' },
    );
  }

  // -------------------------------------------------------------------------------------------------------------

  /** Items of the list whose customers the reader may no longer read (none for admins and integrations). */
  private async reassignedItems(p: Principal, worklistId: string): Promise<Reassigned> {
    if (this.scope.seesEveryCustomer(p)) return new Map();
    const items = await this.lists.listCustomers(worklistId);
    const readable = await this.scope.readableCustomerIds(
      p,
      items.map((i) => i.customer_id),
    );
    return new Map(items.filter((i) => !readable.has(i.customer_id)).map((i) => [i.id, i.state]));
  }

  private async headRow(p: Principal, repId: string, date: string | null): Promise<ListHeadRow> {
    const row = await this.lists.listHead(p.workspaceId, repId, date);
    if (!row) {
      throw new AppError('worklist_not_found', `no call list published for ${date ?? 'today'}`, 404);
    }
    if (!row.scores_kept) throw expired(row.list_date, row.score_run_id);
    return row;
  }

  /**
   * The ETag names everything the body is made of, so neither a 304 nor the body cache can answer for another
   * state: the list (id, version — bumped by a trigger on any item change —, publication, capacity), the scores
   * it reads (its run, whose rows never change while kept), its customers, the rep, the offers' definitions and
   * the page (PII variant, state, limit, cursor, talk tracks) and the items the reader sees as reassigned (a rep
   * and their manager read the same list differently once a customer moved within the team).
   */
  private etagOf(p: Principal, row: ListHeadRow, page: ListPage, reassigned: Reassigned): string {
    return listETag({
      worklistId: row.id,
      version: row.version,
      customersAt: row.customers_at ? row.customers_at.toISOString() : null,
      variant: [
        showsFullPii(p, page) ? 'full' : 'masked',
        page.state ?? 'all',
        page.limit ?? '',
        page.cursor ?? '',
        page.talkTrack === false ? 'lean' : 'tracks',
        row.score_run_id ?? '',
        new Date(row.published_at).toISOString(),
        row.capacity,
        row.name,
        row.locale,
        row.offers_digest ?? '',
        [...reassigned.keys()].join(','),
      ]
        .map((v) => JSON.stringify(v))
        .join('|'),
    });
  }

  private async view(
    p: Principal,
    list: ListHeadRow,
    page: ListPage,
    reassigned: Reassigned,
  ): Promise<WorklistView> {
    let after: number | null = null;
    if (page.cursor !== undefined) {
      after = decodeCursor(page.cursor);
      if (after === null) throw new AppError('invalid_cursor', 'cursor is not one this API returned', 400);
    }
    const limit = page.limit ?? (page.state === undefined ? 100_000 : DEFAULT_PAGE_SIZE);
    const rows = await this.lists.listItems(list.id, {
      scoreRunId: list.score_run_id,
      state: page.state ?? 'all',
      afterRank: after,
      limit: limit + 1,
      reassigned: [...reassigned.keys()],
    });
    const more = rows.length > limit;
    const pageRows = more ? rows.slice(0, limit) : rows;
    const fullPii = showsFullPii(p, page);
    const counts: Record<string, number> = { ...(list.counts ?? {}) };
    // a reassigned item counts as reassigned, not under the state it had when its customer left
    for (const state of reassigned.values()) counts[state] = (counts[state] ?? 0) - 1;
    return {
      id: list.id,
      rep: { id: list.rep_id, externalId: list.external_id, name: list.name },
      date: list.list_date,
      publishedAt: list.published_at,
      scoreRunId: list.score_run_id,
      capacity: list.capacity,
      version: list.version,
      counts: {
        open: counts.open ?? 0,
        done: counts.done ?? 0,
        snoozed: counts.snoozed ?? 0,
        skipped: counts.skipped ?? 0,
        ...(reassigned.size > 0 ? { reassigned: reassigned.size } : {}),
      },
      items: pageRows.map((r) => {
        const item = reassigned.has(r.id) ? reassignedView(r) : this.itemView(r, list.locale, fullPii);
        if (page.talkTrack === false) delete (item as Partial<WorklistItemView>).talkTrack;
        return item;
      }),
      nextCursor: more ? encodeCursor(pageRows[pageRows.length - 1].rank) : null,
    };
  }

  private itemView(r: ItemRow, locale: string, seesPii: boolean): WorklistItemView {
    const reasons = (r.reasons ?? []).map((x) => ({
      code: String(x.code),
      weight: Number(x.weight ?? 0),
      text: x.text ?? String(x.code).replace(/_/g, ' '),
      facts: x.facts ?? {},
    }));
    return {
      id: r.id,
      rank: r.rank,
      state: r.state,
      kind: r.kind,
      urgent: r.urgent,
      expectedValue: r.expected_value === null ? 0 : Number(r.expected_value),
      priority: r.priority,
      why: r.summary ?? reasons.map((x) => x.text).join('; '),
      reasons,
      callWindow:
        r.call_from && r.call_to ? { from: r.call_from.toISOString(), to: r.call_to.toISOString() } : null,
      personality: r.personality,
      talkTrack: r.talk_track,
      talkTrackVariant: r.talk_track_variant,
      offer: r.offer
        ? {
            ...localizeOffer(r.offer, locale),
            version: r.offer_version,
            discountPct: r.offer.discountPct ?? null,
            minOrderMinor: r.offer.minOrderValue ?? null,
            validTo: r.offer.validTo ?? null,
          }
        : null,
      outcome: r.outcome ?? null,
      doneAt: r.done_at ? r.done_at.toISOString() : null,
      snoozedUntil: r.snoozed_until ?? null,
      customer: {
        externalId: r.external_id,
        name: r.name,
        phone: this.reveal(r.phone_enc, seesPii, maskPhone),
        email: this.reveal(r.email_enc, seesPii, maskEmail),
        valueTier: r.value_tier,
        lifecycle: r.lifecycle,
        rfmSegment: r.rfm_segment,
        clv: r.clv === null || r.clv === undefined ? null : Number(r.clv),
        churnRisk: r.churn_risk ?? null,
      },
    };
  }

  private reveal(blob: Buffer | null, full: boolean, mask: (v: string) => string): string | null {
    if (!blob) return null;
    const plain = this.pii.decrypt(blob);
    return full ? plain : mask(plain);
  }
}

/**
 * What a served page depends on besides its inputs in PostgreSQL: who reads (workspace, role, their rep: scope and
 * reassignments), whose list, which day, which page and whether contact details are masked.
 */
function memoKey(p: Principal, repId: string, date: string | null, page: ListPage): string {
  return [
    p.workspaceId,
    p.role,
    p.repId ?? '',
    repId,
    date ?? 'today',
    page.state ?? 'all',
    page.limit ?? '',
    page.cursor ?? '',
    page.talkTrack === false ? 'lean' : 'tracks',
    showsFullPii(p, page) ? 'full' : 'masked',
  ]
    .map((v) => JSON.stringify(v))
    .join('|');
}

/** Full phones and emails for people who work the list, masked for machines and for pages asked to mask them. */
function showsFullPii(p: Principal, page: ListPage): boolean {
  return p.role !== 'integration' && page.maskPii !== true;
}

/**
 * An item whose customer the reader may no longer read: its place on the list and what the reader did with it,
 * nothing about the customer but the CRM's id (no name, phone, email, scores, reasons, talk track or offer).
 */
function reassignedView(r: ItemRow): WorklistItemView {
  return {
    id: r.id,
    rank: r.rank,
    state: 'reassigned',
    kind: r.kind,
    urgent: r.urgent,
    expectedValue: 0,
    priority: 0,
    why: '',
    reasons: [],
    callWindow: null,
    personality: null,
    talkTrack: '',
    talkTrackVariant: null,
    offer: null,
    outcome: r.outcome ?? null,
    doneAt: r.done_at ? r.done_at.toISOString() : null,
    snoozedUntil: r.snoozed_until ?? null,
    customer: {
      externalId: r.external_id,
      name: null,
      phone: null,
      email: null,
      valueTier: null,
      lifecycle: null,
      rfmSegment: null,
      clv: null,
      churnRisk: null,
    },
  };
}

/**
 * A list whose run's scores were dropped is no longer served (docs/scoring-run.md#retention): 410 rather than a
 * list whose items lost their tiers and lifecycles.
 */
function expired(listDate: string, runId: string | null): AppError {
  return new AppError(
    'worklist_expired',
    `the call list of ${listDate} is no longer served: the scores it was published from (run ${runId}) were ` +
      `dropped; lists are served with their scores for ${SERVED_LIST_DAYS} days after the newest list`,
    410,
    { date: listDate, scoreRunId: runId },
  );
}

/** The item's score columns, or null when the customer has no score in the list's run. */
function scoresView(r: ItemDetailRow): ScoresView | null {
  if (r.value_tier === null) return null;
  // a score row has lifecycle and churn risk; only the LEFT JOIN makes them nullable in ItemRow
  return {
    valueTier: r.value_tier,
    lifecycle: r.lifecycle as string,
    rfmSegment: r.rfm_segment,
    abcClass: r.abc_class,
    recencyDays: r.recency_days,
    frequency: r.frequency,
    monetary: Number(r.monetary),
    pAlive: r.p_alive,
    expectedPurchases: r.expected_purchases,
    expectedOrderValue: r.expected_order_value === null ? null : Number(r.expected_order_value),
    clv: r.clv === null ? null : Number(r.clv),
    churnRisk: r.churn_risk as number,
    priority: r.score_priority,
    lifecycleReasons: r.lifecycle_reasons,
  };
}

function orderView(o: RecentOrderRow) {
  return {
    externalId: o.external_id,
    placedAt: o.placed_at.toISOString(),
    amountMinor: Number(o.amount_minor),
    currency: o.currency,
    status: o.status,
  };
}

/** Notes are personal data: machines (integration keys) get null. */
function interactionView(x: RecentInteractionRow, seesPii: boolean) {
  return {
    at: x.at.toISOString(),
    kind: x.kind,
    outcome: x.outcome ?? null,
    note: seesPii ? (x.note ?? null) : null,
    source: x.source,
  };
}

function followUpView(f: OpenFollowUpRow) {
  return { kind: f.kind, dueAt: f.due_at.toISOString(), attempt: f.attempt };
}
