import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { returningRows } from '../../database/sql';
import { PII_CIPHER } from '../../customers/pii/pii.tokens';
import { CustomerMergeService } from '../../customers/merge/customer-merge.service';
import { PiiCipher } from '../../customers/pii/pii';
import { SYNC_SQL } from './record-sync.sql';
import { ApplyReport, CustomerData, emptyReport, InteractionData, OrderData, SyncEvent } from './sync-events';
import {
  canonicalJson,
  ChildState,
  groupChildStates,
  Lifecycle,
  newestByKey,
  newestLifecycleByKey,
  planChildren,
  StoredChild,
} from './sync-rules';

type Entity = 'order' | 'interaction';

interface ParkedRow {
  external_id: string;
  customer_external_id: string | null;
  data: unknown;
  data_at: Date | null;
  digest: string | null;
  deleted_at: Date | null;
  lifecycle_at: Date | null;
}

interface StoredRow {
  external_id: string;
  source_updated_at: Date | null;
  digest: string | null;
  deleted_at: Date | null;
  lifecycle_at: Date | null;
}

export interface ParkedView {
  source: string;
  entity: Entity;
  externalId: string;
  customerExternalId: string | null;
  reason: string;
  deleted: boolean;
  parkedAt: Date;
  updatedAt: Date;
}

const RETRYABLE = new Set(['40P01', '40001']); // deadlock, serialization failure

/**
 * Applies CRM changes (SyncEvents) to customers, contacts, orders, order lines and interactions — the same way
 * whether they came by webhook or by pull. Idempotent and order-independent (see sync-rules.ts): the newest source
 * version wins, deletes are final unless a newer restore arrives, orders and interactions wait in crm_parked until
 * their customer exists, and customer references resolve through merges. One batch = one transaction, a handful of
 * set-based statements whatever its size.
 */
@Injectable()
export class RecordSyncService {
  private readonly logger = new Logger(RecordSyncService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
    private readonly merges: CustomerMergeService,
  ) {}

  /**
   * Applies a batch in the given transaction, or in its own (retried on deadlock) when none is given.
   * `source` names the source system of the external ids ('crm' by default, as for CSV imports).
   */
  async applyBatch(
    workspaceId: string,
    source: string,
    events: SyncEvent[],
    tx?: EntityManager,
  ): Promise<ApplyReport> {
    if (tx) return this.apply(tx, workspaceId, source, events);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction((t) => this.apply(t, workspaceId, source, events));
      } catch (e) {
        if (attempt >= 4 || !RETRYABLE.has((e as { code?: string }).code ?? '')) throw e;
        this.logger.warn(`sync batch hit ${(e as { code: string }).code}; retrying (attempt ${attempt + 1})`);
      }
    }
  }

  /** Applies parked records whose customer arrived in a batch that ran concurrently with theirs (safety net). */
  async resolveParked(): Promise<number> {
    const pairs: Array<{ workspace_id: string; source: string }> = await this.db.query(SYNC_SQL.readyParked);
    let unparked = 0;
    for (const p of pairs) {
      const report = await this.db.transaction(async (tx) => {
        const r = emptyReport();
        for (const entity of ['order', 'interaction'] as const) {
          await this.applyChildren(tx, [p.workspace_id, p.source], entity, [], 'all', r);
        }
        return r;
      });
      unparked += report.unparked;
    }
    return unparked;
  }

  /** Parked records of a workspace, newest first (no record contents). */
  async listParked(workspaceId: string, limit: number): Promise<ParkedView[]> {
    const rows = await this.db.query(SYNC_SQL.listParked, [workspaceId, limit]);
    return rows.map((r: Record<string, unknown>): ParkedView => ({
      source: r.source as string,
      entity: r.entity as Entity,
      externalId: r.external_id as string,
      customerExternalId: (r.customer_external_id as string) ?? null,
      reason: r.reason as string,
      deleted: r.deleted as boolean,
      parkedAt: r.parked_at as Date,
      updatedAt: r.updated_at as Date,
    }));
  }

  private async apply(
    tx: EntityManager,
    workspaceId: string,
    source: string,
    events: SyncEvent[],
  ): Promise<ApplyReport> {
    const report = emptyReport(events.length);
    const by = <T extends SyncEvent['type']>(type: T) =>
      events.filter((e): e is Extract<SyncEvent, { type: T }> => e.type === type);
    const params = [workspaceId, source];

    await this.upsertCustomers(tx, params, by('customer.upserted'), report);
    // Parked records can only become applicable through a customer that this batch creates or touches.
    const touched = [
      ...new Set([
        ...by('customer.upserted').map((e) => e.data.externalId),
        ...by('customer.deleted').map((e) => e.externalId),
        ...by('customer.restored').map((e) => e.externalId),
        ...by('customer.merged').flatMap((e) => [e.winnerExternalId, e.loserExternalId]),
      ]),
    ];

    const lifecycle = newestLifecycleByKey([
      ...by('customer.deleted').map((e) => ({ key: e.externalId, lifecycle: { at: e.at, deleted: true } })),
      ...by('customer.restored').map((e) => ({ key: e.externalId, lifecycle: { at: e.at, deleted: false } })),
    ]);
    if (lifecycle.size > 0) {
      const rows = [...lifecycle].map(([external_id, l]) => ({ external_id, at: l.at, deleted: l.deleted }));
      report.lifecycleApplied += (
        await tx.query(SYNC_SQL.customerLifecycle, [...params, JSON.stringify(rows)])
      ).length;
    }

    await this.applyMerges(tx, workspaceId, source, by('customer.merged'), report);

    const orderStates: Array<ChildState<OrderData>> = [
      ...by('order.upserted').map((e) =>
        this.childState(e.data, e.data.customerExternalId, e.data.updatedAt),
      ),
      ...by('order.deleted').map((e) => tombstone<OrderData>(e.externalId, { at: e.at, deleted: true })),
      ...by('order.restored').map((e) => tombstone<OrderData>(e.externalId, { at: e.at, deleted: false })),
    ];
    await this.applyChildren(tx, params, 'order', orderStates, touched, report);

    const interactionStates = by('interaction.created').map((e) =>
      this.childState(e.data, e.data.customerExternalId, e.data.updatedAt),
    );
    await this.applyChildren(tx, params, 'interaction', interactionStates, touched, report);
    return report;
  }

  private digest(data: unknown): string {
    return this.pii.hash(canonicalJson(data)).toString('hex');
  }

  private childState<D>(data: D, customerExternalId: string, updatedAt: string): ChildState<D> {
    return {
      externalId: (data as { externalId: string }).externalId,
      data,
      customerExternalId,
      version: { at: updatedAt, digest: this.digest(data) },
      lifecycle: null,
    };
  }

  private async upsertCustomers(
    tx: EntityManager,
    params: string[],
    events: Array<{ data: CustomerData }>,
    report: ApplyReport,
  ): Promise<void> {
    if (events.length === 0) return;
    const withDigest = events.map((e) => ({ data: e.data, digest: this.digest(e.data) }));
    const newest = newestByKey(
      withDigest,
      (c) => c.data.externalId,
      (c) => ({ at: c.data.updatedAt, digest: c.digest }),
    );
    const enc = (v: string | null) => (v === null ? null : this.pii.encrypt(v).toString('hex'));
    const hash = (v: string | null) => (v === null ? null : this.pii.hash(v).toString('hex'));
    const rows = [...newest.values()].map(({ data: c, digest }) => ({
      external_id: c.externalId,
      kind: c.kind,
      name: c.name,
      email_enc: enc(c.email),
      email_hash: hash(c.email),
      phone_enc: enc(c.phone),
      phone_hash: hash(c.phone),
      region: c.region,
      country: c.country,
      industry: c.industry,
      size: c.size,
      source_channel: c.sourceChannel,
      owner_rep: c.ownerRepExternalId,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      digest,
    }));
    const written: Array<{ id: string; owner_id: string; external_id: string; erased: boolean }> =
      await tx.query(SYNC_SQL.upsertCustomers, [...params, JSON.stringify(rows)]);
    report.customersWritten += written.length;
    report.customersStale += events.length - written.length;
    // The contact list of a customer record is the one of its newest version: replaced whenever the record is
    // written. The persons belong to the surviving customer; an erased customer gets none back.
    const live = written.filter((w) => !w.erased);
    if (live.length === 0) return;
    const contacts = live.flatMap((w) =>
      (newest.get(w.external_id)?.data.contacts ?? []).map((p) => ({
        customer_id: w.owner_id,
        origin_customer_id: w.id,
        external_id: p.externalId,
        name: p.name,
        title: p.title,
        email_enc: enc(p.email),
        email_hash: hash(p.email),
        phone_enc: enc(p.phone),
        phone_hash: hash(p.phone),
        is_primary: p.isPrimary,
      })),
    );
    const ids = live.map((w) => w.id);
    const keep = contacts.map((c) => ({
      origin_customer_id: c.origin_customer_id,
      external_id: c.external_id,
    }));
    await tx.query(SYNC_SQL.deleteDroppedContacts, [ids, JSON.stringify(keep)]);
    if (contacts.length > 0) await tx.query(SYNC_SQL.upsertContacts, [params[0], JSON.stringify(contacts)]);
  }

  private async applyMerges(
    tx: EntityManager,
    workspaceId: string,
    source: string,
    events: Array<{ winnerExternalId: string; loserExternalId: string; at: string }>,
    report: ApplyReport,
  ): Promise<void> {
    if (events.length === 0) return;
    const sorted = [...events].sort(
      (a, b) =>
        Date.parse(a.at) - Date.parse(b.at) ||
        a.loserExternalId.localeCompare(b.loserExternalId) ||
        a.winnerExternalId.localeCompare(b.winnerExternalId),
    );
    const externalIds = [...new Set(sorted.flatMap((m) => [m.winnerExternalId, m.loserExternalId]))];
    // A merge may name customers we have not seen yet: placeholders keep it applicable now; their upserts fill them.
    await tx.query(SYNC_SQL.ensureCustomers, [workspaceId, source, externalIds]);
    const rows: Array<{ external_id: string; id: string }> = await tx.query(SYNC_SQL.resolveCustomers, [
      workspaceId,
      source,
      externalIds,
    ]);
    const idOf = new Map(rows.map((r) => [r.external_id, r.id]));
    for (const m of sorted) {
      const merged = await this.merges.merge(
        {
          workspaceId,
          winnerId: idOf.get(m.winnerExternalId) as string,
          loserId: idOf.get(m.loserExternalId) as string,
          reason: 'crm_merge_event',
          actor: `crm:${source}`,
        },
        tx,
      );
      if (merged) report.merges++;
    }
  }

  /**
   * Orders and interactions: the batch's states are combined with what was parked for the same records (and with
   * parked records whose customer now exists), then written, applied as delete/restore, or parked again.
   */
  private async applyChildren<D extends OrderData | InteractionData>(
    tx: EntityManager,
    params: string[],
    entity: Entity,
    incoming: Array<ChildState<D>>,
    customersTouched: string[] | 'all',
    report: ApplyReport,
  ): Promise<void> {
    const ids = [...new Set(incoming.map((s) => s.externalId))];
    const parked =
      customersTouched === 'all'
        ? await returningRows<ParkedRow>(tx, SYNC_SQL.takeReadyParked, [...params, entity, ids])
        : await returningRows<ParkedRow>(tx, SYNC_SQL.takeParked, [...params, entity, ids, customersTouched]);
    if (incoming.length === 0 && parked.length === 0) return;
    const groups = groupChildStates<D>([...incoming, ...parked.map((p) => fromParked<D>(p))]);
    const all = [...groups.keys()];
    const customerIds = [
      ...new Set(
        [...groups.values()].flat().flatMap((s) => (s.customerExternalId ? [s.customerExternalId] : [])),
      ),
    ];
    const customers: Array<{ external_id: string; resolved_id: string }> = customerIds.length
      ? await tx.query(SYNC_SQL.resolveCustomers, [...params, customerIds])
      : [];
    const storedRows: StoredRow[] = await tx.query(
      entity === 'order' ? SYNC_SQL.storedOrders : SYNC_SQL.storedInteractions,
      [...params, all],
    );
    const stored = new Map<string, StoredChild>(storedRows.map((r) => [r.external_id, toStored(r)]));
    const plan = planChildren(groups, new Map(customers.map((c) => [c.external_id, c.resolved_id])), stored);

    if (plan.writes.length > 0) {
      const written =
        entity === 'order'
          ? await this.writeOrders(
              tx,
              params,
              plan.writes as Array<{ state: ChildState<OrderData>; customerId: string }>,
            )
          : await this.writeInteractions(
              tx,
              params,
              plan.writes as Array<{ state: ChildState<InteractionData>; customerId: string }>,
            );
      if (entity === 'order') report.ordersWritten += written;
      else report.interactionsWritten += written;
    }
    if (plan.lifecycles.length > 0 && entity === 'order') {
      const rows = plan.lifecycles.map((l) => ({ external_id: l.externalId, ...l.lifecycle }));
      await tx.query(SYNC_SQL.orderLifecycle, [...params, JSON.stringify(rows)]);
      report.lifecycleApplied += rows.length;
    }
    if (plan.park.length > 0) {
      const rows = plan.park.map(({ state: s, reason }) => ({
        external_id: s.externalId,
        customer_external_id: s.customerExternalId,
        data: s.data,
        data_at: s.version?.at ?? null,
        digest: s.version?.digest ?? null,
        deleted_at: s.lifecycle?.deleted ? s.lifecycle.at : null,
        lifecycle_at: s.lifecycle?.at ?? null,
        reason,
      }));
      await tx.query(SYNC_SQL.park, [...params, entity, JSON.stringify(rows)]);
    }
    const key = (ext: string, customer: string | null) => `${ext}\u0000${customer ?? ''}`;
    const reparked = new Set(plan.park.map((p) => key(p.state.externalId, p.state.customerExternalId)));
    report.parked += plan.park.length;
    report.unparked += parked.filter((p) => !reparked.has(key(p.external_id, p.customer_external_id))).length;
  }

  private async writeOrders(
    tx: EntityManager,
    params: string[],
    writes: Array<{ state: ChildState<OrderData>; customerId: string }>,
  ): Promise<number> {
    const rows = writes.map(({ state, customerId }) => {
      const o = state.data as OrderData;
      return {
        external_id: o.externalId,
        customer_id: customerId,
        placed_at: o.placedAt,
        amount_minor: o.amountMinor,
        currency: o.currency,
        status: o.status,
        channel: o.channel,
        updated_at: o.updatedAt,
        digest: state.version?.digest,
      };
    });
    const written = await returningRows<{ id: string; external_id: string }>(tx, SYNC_SQL.upsertOrders, [
      ...params,
      JSON.stringify(rows),
    ]);
    if (written.length === 0) return 0;
    const byExt = new Map(writes.map((w) => [w.state.externalId, w.state.data as OrderData]));
    const lines = written.flatMap((w) =>
      (byExt.get(w.external_id)?.lines ?? []).map((l, i) => ({
        order_id: w.id,
        line_no: i + 1,
        product_code: l.productCode,
        product_name: l.productName,
        category: l.category,
        quantity: l.quantity,
        amount_minor: l.amountMinor,
      })),
    );
    await tx.query(SYNC_SQL.deleteOrderLines, [written.map((w) => w.id)]);
    if (lines.length > 0) await tx.query(SYNC_SQL.insertOrderLines, [params[0], JSON.stringify(lines)]);
    return written.length;
  }

  private async writeInteractions(
    tx: EntityManager,
    params: string[],
    writes: Array<{ state: ChildState<InteractionData>; customerId: string }>,
  ): Promise<number> {
    const rows = writes.map(({ state, customerId }) => {
      const i = state.data as InteractionData;
      return {
        external_id: i.externalId,
        customer_id: customerId,
        occurred_at: i.occurredAt,
        kind: i.kind,
        outcome: i.outcome,
        score: i.score,
        note: i.note,
        rep: i.repExternalId,
        updated_at: i.updatedAt,
        digest: state.version?.digest,
      };
    });
    return (await returningRows(tx, SYNC_SQL.upsertInteractions, [...params, JSON.stringify(rows)])).length;
  }
}

function tombstone<D>(externalId: string, lifecycle: Lifecycle): ChildState<D> {
  return { externalId, data: null, customerExternalId: null, version: null, lifecycle };
}

function iso(d: Date | null): string | null {
  return d === null ? null : new Date(d).toISOString();
}

function fromParked<D>(p: ParkedRow): ChildState<D> {
  const at = iso(p.data_at);
  const lifeAt = iso(p.lifecycle_at);
  return {
    externalId: p.external_id,
    data: (p.data as D) ?? null,
    customerExternalId: p.customer_external_id,
    version: at === null ? null : { at, digest: p.digest ?? '' },
    lifecycle: lifeAt === null ? null : { at: lifeAt, deleted: p.deleted_at !== null },
  };
}

function toStored(r: StoredRow): StoredChild {
  const at = iso(r.source_updated_at);
  const lifeAt = iso(r.lifecycle_at);
  return {
    version: at === null ? null : { at, digest: r.digest ?? '' },
    lifecycle: lifeAt === null ? null : { at: lifeAt, deleted: r.deleted_at !== null },
  };
}
