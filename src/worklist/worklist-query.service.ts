import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccessScopeService } from '../auth/access-scope.service';
import { Principal } from '../auth/principal';
import { AppError } from '../common/app-error';
import { PII_CIPHER } from '../customers/pii/pii.tokens';
import { maskEmail, maskPhone, PiiCipher } from '../customers/pii/pii';
import { localizeOffer, Offer } from '../offers/offer-catalog';
import { timeZoneForCountry } from './country-time-zones';
import { ListBodyCache } from './list-body-cache';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, listETag, matchesIfNoneMatch } from './list-paging';
import type { ReasonView, WorklistItemDetailView, WorklistItemView, WorklistView } from './worklist.views';

export type { WorklistItemView, WorklistView } from './worklist.views';

export interface ListPage {
  /** default: every item, any state (CLI); the HTTP API asks for open items, 50 at a time */
  state?: 'open' | 'all';
  limit?: number;
  cursor?: string;
  /** default true (CLI, web page); the HTTP list leaves talk tracks out unless asked */
  talkTrack?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** $1 workspace, $2 rep, $3 day or null (today in the workspace zone): the list's head, version and counts. */
export const LIST_HEAD_SQL = `
  SELECT w.id, w.list_date::text AS list_date, w.published_at, w.score_run_id, w.capacity, w.version,
         r.id AS rep_id, r.external_id, r.name, r.locale,
         (SELECT max(c.updated_at) FROM worklist_items i JOIN customers c ON c.id = i.customer_id
          WHERE i.worklist_id = w.id) AS customers_at,
         (SELECT jsonb_object_agg(state, n) FROM (
            SELECT state, count(*)::int AS n FROM worklist_items i WHERE i.worklist_id = w.id GROUP BY state) s) AS counts
  FROM worklists w
  JOIN reps r ON r.id = w.rep_id
  JOIN workspaces ws ON ws.id = w.workspace_id
  WHERE w.workspace_id = $1 AND w.rep_id = $2
    AND w.list_date = COALESCE($3::date, (now() AT TIME ZONE ws.timezone)::date)`;

const ITEM_COLUMNS = `
  i.id, i.rank, i.state, i.kind, i.urgent, i.priority, i.expected_value, i.reasons, i.summary, i.personality,
  i.talk_track, i.offer_code, i.call_from, i.call_to, i.outcome, i.done_at, i.snoozed_until::text AS snoozed_until,
  c.external_id, c.name, c.phone_enc, c.email_enc, o.definition AS offer,
  s.value_tier, s.lifecycle, s.rfm_segment, s.clv, s.churn_risk`;

/** $1 list, $2 its score run, $3 'open' | 'all', $4 rank to start after (or null), $5 row limit: one page. */
export const LIST_ITEMS_SQL = `
  SELECT ${ITEM_COLUMNS}
  FROM worklist_items i
  JOIN customers c ON c.id = i.customer_id
  LEFT JOIN offers o ON o.workspace_id = i.workspace_id AND o.code = i.offer_code
  LEFT JOIN customer_scores s ON s.run_id = $2 AND s.customer_id = i.customer_id
  WHERE i.worklist_id = $1 AND ($3::text <> 'open' OR i.state = 'open') AND ($4::int IS NULL OR i.rank > $4)
  ORDER BY i.rank LIMIT $5`;

/**
 * Reads published lists and items. Personal data is decrypted for people who work the list and masked for
 * machines (integration keys). Scope: the caller's workspace always; reps and managers through AccessScopeService.
 */
@Injectable()
export class WorklistQueryService {
  private readonly bodies = new ListBodyCache();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
    private readonly scope: AccessScopeService,
  ) {}

  /** A rep's list for a day (default today in the workspace zone); the caller has checked access to the rep. */
  async forRep(p: Principal, repId: string, date: string | null, page: ListPage = {}): Promise<WorklistView> {
    const head = await this.headRow(p, repId, date);
    return this.view(p, head, page);
  }

  /**
   * A page of a rep's list as JSON with its ETag. When `ifNoneMatch` matches, only the list's head is read and
   * `body` is null (answer 304); a page already serialized under the same ETag is served from memory.
   */
  async read(
    p: Principal,
    repId: string,
    date: string | null,
    page: ListPage,
    ifNoneMatch?: string,
  ): Promise<{ etag: string; body: string | null }> {
    const row = await this.headRow(p, repId, date);
    const etag = this.etagOf(p, row, page);
    if (matchesIfNoneMatch(ifNoneMatch, etag)) return { etag, body: null };
    const cached = this.bodies.get(etag);
    if (cached !== undefined) return { etag, body: cached };
    const body = JSON.stringify(await this.view(p, row, page));
    this.bodies.set(etag, body);
    return { etag, body };
  }

  /** One item with the customer summary, or 404 when missing or out of the caller's scope. */
  async item(p: Principal, itemId: string): Promise<WorklistItemDetailView> {
    if (!UUID.test(itemId)) throw new AppError('not_found', 'worklist item not found', 404);
    const [r] = await this.db.query(
      `SELECT ${ITEM_COLUMNS}, i.customer_id, w.rep_id, w.list_date::text AS list_date, w.score_run_id,
              rp.external_id AS rep_external_id, rp.name AS rep_name, rp.locale, c.country::text AS country,
              ws.timezone, s.abc_class, s.recency_days, s.frequency, s.monetary, s.p_alive, s.expected_purchases,
              s.expected_order_value, s.priority AS score_priority,
              EXISTS (SELECT 1 FROM contact_suppressions x WHERE x.workspace_id = i.workspace_id
                      AND x.customer_id = i.customer_id AND x.kind = 'do_not_call') AS do_not_call
       FROM worklist_items i
       JOIN worklists w ON w.id = i.worklist_id
       JOIN reps rp ON rp.id = w.rep_id
       JOIN workspaces ws ON ws.id = i.workspace_id
       JOIN customers c ON c.id = i.customer_id
       LEFT JOIN offers o ON o.workspace_id = i.workspace_id AND o.code = i.offer_code
       LEFT JOIN customer_scores s ON s.run_id = w.score_run_id AND s.customer_id = i.customer_id
       WHERE i.id = $1 AND i.workspace_id = $2`,
      [itemId, p.workspaceId],
    );
    if (!r) throw new AppError('not_found', 'worklist item not found', 404);
    await this.assertReadable(p, r.rep_id as string);
    const seesPii = p.role !== 'integration';
    const [orders, interactions, followUps] = await Promise.all([
      this.db.query(
        `SELECT external_id, placed_at, amount_minor, currency, status FROM orders
         WHERE workspace_id = $1 AND customer_id = $2 AND deleted_at IS NULL ORDER BY placed_at DESC LIMIT 5`,
        [p.workspaceId, r.customer_id],
      ),
      this.db.query(
        `(SELECT occurred_at AS at, kind, outcome, note, 'crm' AS source FROM interactions
          WHERE workspace_id = $1 AND customer_id = $2 ORDER BY occurred_at DESC LIMIT 8)
         UNION ALL
         (SELECT occurred_at, 'worklist_call', outcome, notes, 'worklist' FROM worklist_outcomes
          WHERE workspace_id = $1 AND customer_id = $2 ORDER BY occurred_at DESC LIMIT 8)
         ORDER BY at DESC LIMIT 8`,
        [p.workspaceId, r.customer_id],
      ),
      this.db.query(
        `SELECT kind, due_at, attempt FROM worklist_follow_ups
         WHERE workspace_id = $1 AND customer_id = $2 AND resolved_at IS NULL ORDER BY due_at LIMIT 1`,
        [p.workspaceId, r.customer_id],
      ),
    ]);
    const base = this.itemView(r, r.locale as string, seesPii);
    return {
      ...base,
      listDate: r.list_date,
      rep: { id: r.rep_id, externalId: r.rep_external_id, name: r.rep_name },
      scores:
        r.value_tier === null
          ? null
          : {
              valueTier: r.value_tier,
              lifecycle: r.lifecycle,
              rfmSegment: r.rfm_segment,
              abcClass: r.abc_class,
              recencyDays: r.recency_days,
              frequency: r.frequency,
              monetary: Number(r.monetary),
              pAlive: r.p_alive,
              expectedPurchases: r.expected_purchases,
              expectedOrderValue: r.expected_order_value === null ? null : Number(r.expected_order_value),
              clv: r.clv === null ? null : Number(r.clv),
              churnRisk: r.churn_risk,
              priority: r.score_priority,
            },
      country: r.country ? String(r.country).trim() : null,
      timeZone: timeZoneForCountry(r.country, r.timezone),
      recentOrders: orders.map((o: Record<string, unknown>) => ({
        externalId: o.external_id as string,
        placedAt: (o.placed_at as Date).toISOString(),
        amountMinor: Number(o.amount_minor),
        currency: o.currency as string,
        status: o.status as string,
      })),
      recentInteractions: interactions.map((x: Record<string, unknown>) => ({
        at: (x.at as Date).toISOString(),
        kind: x.kind as string,
        outcome: (x.outcome as string | null) ?? null,
        note: seesPii ? ((x.note as string | null) ?? null) : null,
        source: x.source as string,
      })),
      openFollowUp: followUps[0]
        ? {
            kind: followUps[0].kind,
            dueAt: (followUps[0].due_at as Date).toISOString(),
            attempt: followUps[0].attempt,
          }
        : null,
      doNotCall: r.do_not_call,
    };
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

  // -------------------------------------------------------------------------------------------------------------

  private async headRow(p: Principal, repId: string, date: string | null) {
    const [row] = await this.db.query(LIST_HEAD_SQL, [p.workspaceId, repId, date]);
    if (!row) {
      throw new AppError('worklist_not_found', `no call list published for ${date ?? 'today'}`, 404);
    }
    return row;
  }

  private etagOf(p: Principal, row: Record<string, unknown>, page: ListPage): string {
    return listETag({
      worklistId: row.id as string,
      version: row.version as number,
      customersAt: row.customers_at ? (row.customers_at as Date).toISOString() : null,
      variant: `${p.role === 'integration' ? 'masked' : 'full'}|${page.state ?? 'all'}|${page.limit ?? ''}|${page.cursor ?? ''}|${page.talkTrack === false ? 'lean' : 'tracks'}`,
    });
  }

  private async view(p: Principal, list: Record<string, unknown>, page: ListPage): Promise<WorklistView> {
    let after: number | null = null;
    if (page.cursor !== undefined) {
      after = decodeCursor(page.cursor);
      if (after === null) throw new AppError('invalid_cursor', 'cursor is not one this API returned', 400);
    }
    const limit = page.limit ?? (page.state === undefined ? 100_000 : DEFAULT_PAGE_SIZE);
    const rows = await this.db.query(LIST_ITEMS_SQL, [
      list.id,
      list.score_run_id,
      page.state ?? 'all',
      after,
      limit + 1,
    ]);
    const more = rows.length > limit;
    const pageRows = more ? rows.slice(0, limit) : rows;
    const seesPii = p.role !== 'integration';
    const counts = (list.counts ?? {}) as Record<string, number>;
    return {
      id: list.id as string,
      rep: { id: list.rep_id as string, externalId: list.external_id as string, name: list.name as string },
      date: list.list_date as string,
      publishedAt: list.published_at as Date,
      scoreRunId: list.score_run_id as string | null,
      capacity: list.capacity as number,
      version: list.version as number,
      counts: {
        open: counts.open ?? 0,
        done: counts.done ?? 0,
        snoozed: counts.snoozed ?? 0,
        skipped: counts.skipped ?? 0,
      },
      items: pageRows.map((r: Record<string, unknown>) => {
        const item = this.itemView(r, list.locale as string, seesPii);
        if (page.talkTrack === false) delete (item as Partial<WorklistItemView>).talkTrack;
        return item;
      }),
      nextCursor: more ? encodeCursor(pageRows[pageRows.length - 1].rank as number) : null,
    };
  }

  private itemView(r: Record<string, unknown>, locale: string, seesPii: boolean): WorklistItemView {
    const reasons = ((r.reasons ?? []) as Array<Partial<ReasonView>>).map((x) => ({
      code: String(x.code),
      weight: Number(x.weight ?? 0),
      text: x.text ?? String(x.code).replace(/_/g, ' '),
      facts: x.facts ?? {},
    }));
    return {
      id: r.id as string,
      rank: r.rank as number,
      state: r.state as string,
      kind: r.kind as string,
      urgent: r.urgent as boolean,
      expectedValue: r.expected_value === null ? 0 : Number(r.expected_value),
      priority: r.priority as number,
      why: (r.summary as string | null) ?? reasons.map((x) => x.text).join('; '),
      reasons,
      callWindow:
        r.call_from && r.call_to
          ? { from: (r.call_from as Date).toISOString(), to: (r.call_to as Date).toISOString() }
          : null,
      personality: r.personality as string | null,
      talkTrack: r.talk_track as string,
      offer: r.offer ? localizeOffer(r.offer as Offer, locale) : null,
      outcome: (r.outcome as string | null) ?? null,
      doneAt: r.done_at ? (r.done_at as Date).toISOString() : null,
      snoozedUntil: (r.snoozed_until as string | null) ?? null,
      customer: {
        externalId: r.external_id as string,
        name: r.name as string | null,
        phone: this.reveal(r.phone_enc as Buffer | null, seesPii, maskPhone),
        email: this.reveal(r.email_enc as Buffer | null, seesPii, maskEmail),
        valueTier: r.value_tier as string | null,
        lifecycle: r.lifecycle as string | null,
        rfmSegment: r.rfm_segment as string | null,
        clv: r.clv === null || r.clv === undefined ? null : Number(r.clv),
        churnRisk: (r.churn_risk as number | null) ?? null,
      },
    };
  }

  private reveal(blob: Buffer | null, full: boolean, mask: (v: string) => string): string | null {
    if (!blob) return null;
    const plain = this.pii.decrypt(blob);
    return full ? plain : mask(plain);
  }
}
