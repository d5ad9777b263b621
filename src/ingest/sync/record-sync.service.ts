import { Inject, Injectable, Logger } from '@nestjs/common';
import { Transactions, Tx } from '../../database/transactions';
import { PiiHashing, WorkspaceHash } from '../../customers/pii/pii-hashing.service';
import { PII_CIPHER } from '../../customers/pii/pii.tokens';
import { CustomerMergeService } from '../../customers/merge/customer-merge.service';
import { OffersService } from '../../offers/offers.service';
import { PiiCipher } from '../../customers/pii/pii';
import {
  ContactUpsertRow,
  ParkedCountRow,
  ParkedListRow,
  ParkedRow,
  RecordSyncRepository,
  StoredRow,
  SyncEntity,
  WrittenCustomerRow,
} from './record-sync.repository';
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
import { DEFAULT_FIELD_OWNERSHIP, fieldOwnershipIssues, resolveFieldOwnership } from './field-ownership';

type Entity = SyncEntity;

/** Where a batch writes: the workspace and the source system of its external ids. */
interface Target {
  workspaceId: string;
  source: string;
  /** the workspace's keyed hash in this transaction (PiiHashing: the previous key until a rotation re-keyed it) */
  hash?: WorkspaceHash;
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
    private readonly repo: RecordSyncRepository,
    private readonly transactions: Transactions,
    @Inject(PII_CIPHER) private readonly pii: PiiCipher,
    private readonly merges: CustomerMergeService,
    private readonly hashing: PiiHashing,
    private readonly offers: OffersService,
  ) {}

  /**
   * Applies a batch in the given transaction, or in its own (retried on deadlock) when none is given.
   * `source` names the source system of the external ids ('crm' by default, as for CSV imports).
   */
  async applyBatch(workspaceId: string, source: string, events: SyncEvent[], tx?: Tx): Promise<ApplyReport> {
    if (tx) return this.apply(tx, { workspaceId, source }, events);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transactions.run((t) => this.apply(t, { workspaceId, source }, events));
      } catch (e) {
        if (attempt >= 4 || !RETRYABLE.has((e as { code?: string }).code ?? '')) throw e;
        this.logger.warn(`sync batch hit ${(e as { code: string }).code}; retrying (attempt ${attempt + 1})`);
      }
    }
  }

  /**
   * Applies parked records whose customer arrived in a batch that ran concurrently with theirs (safety net), of
   * one workspace (a replay from the rejects list) or of all (the sweep).
   */
  async resolveParked(workspaceId: string | null = null): Promise<number> {
    const pairs = await this.repo.readyParked(workspaceId);
    let unparked = 0;
    for (const p of pairs) {
      const report = await this.transactions.run(async (tx) => {
        const r = emptyReport();
        const target = { workspaceId: p.workspace_id, source: p.source };
        const changedOrders: string[] = [];
        for (const entity of ['order', 'interaction'] as const) {
          await this.applyChildren(tx, target, entity, [], 'all', r, changedOrders);
        }
        await this.offers.ordersChanged(p.workspace_id, changedOrders, tx);
        return r;
      });
      unparked += report.unparked;
    }
    return unparked;
  }

  /** Parked records of a workspace, newest first (no record contents). */
  async listParked(workspaceId: string, limit: number): Promise<ParkedView[]> {
    const rows = await this.repo.listParked(workspaceId, limit);
    return rows.map((r: ParkedListRow): ParkedView => ({
      source: r.source,
      entity: r.entity,
      externalId: r.external_id,
      customerExternalId: r.customer_external_id ?? null,
      reason: r.reason,
      deleted: r.deleted,
      parkedAt: r.parked_at,
      updatedAt: r.updated_at,
    }));
  }

  /** Parked records per entity and reason (CLI status). */
  parkedCounts(workspaceId: string): Promise<ParkedCountRow[]> {
    return this.repo.parkedCounts(workspaceId);
  }

  private async apply(tx: Tx, batchTarget: Target, events: SyncEvent[]): Promise<ApplyReport> {
    const target: Target = {
      ...batchTarget,
      hash: await this.hashing.forWorkspace(batchTarget.workspaceId, tx),
    };
    const report = emptyReport(events.length);
    const by = <T extends SyncEvent['type']>(type: T) =>
      events.filter((e): e is Extract<SyncEvent, { type: T }> => e.type === type);

    await this.upsertCustomers(tx, target, by('customer.upserted'), report);
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
      report.lifecycleApplied += await this.repo.customerLifecycle(
        target.workspaceId,
        target.source,
        rows,
        tx,
      );
    }

    await this.applyMerges(tx, target, by('customer.merged'), report);

    const orderStates: Array<ChildState<OrderData>> = [
      ...by('order.upserted').map((e) =>
        this.childState(target, e.data, e.data.customerExternalId, e.data.updatedAt),
      ),
      ...by('order.deleted').map((e) => tombstone<OrderData>(e.externalId, { at: e.at, deleted: true })),
      ...by('order.restored').map((e) => tombstone<OrderData>(e.externalId, { at: e.at, deleted: false })),
    ];
    const changedOrders: string[] = [];
    await this.applyChildren(tx, target, 'order', orderStates, touched, report, changedOrders);

    const interactionStates = by('interaction.created').map((e) =>
      this.childState(target, e.data, e.data.customerExternalId, e.data.updatedAt),
    );
    await this.applyChildren(tx, target, 'interaction', interactionStates, touched, report, changedOrders);
    // offers redeemed (or given back) by these orders spend their budgets now, not at the next publish
    await this.offers.ordersChanged(target.workspaceId, changedOrders, tx);
    return report;
  }

  private digest(target: Target, data: unknown): string {
    return (target.hash ?? this.plainHash)(canonicalJson(data)).toString('hex');
  }

  private readonly plainHash = (v: string) => this.pii.hash(v);

  private childState<D>(
    target: Target,
    data: D,
    customerExternalId: string,
    updatedAt: string,
  ): ChildState<D> {
    return {
      externalId: (data as { externalId: string }).externalId,
      data,
      customerExternalId,
      version: { at: updatedAt, digest: this.digest(target, data) },
      lifecycle: null,
    };
  }

  private encHex(v: string | null): string | null {
    return v === null ? null : this.pii.encrypt(v).toString('hex');
  }

  private hashHex(target: Target, v: string | null): string | null {
    return v === null ? null : (target.hash ?? this.plainHash)(v).toString('hex');
  }

  private async upsertCustomers(
    tx: Tx,
    target: Target,
    events: Array<{ data: CustomerData }>,
    report: ApplyReport,
  ): Promise<void> {
    if (events.length === 0) return;
    const withDigest = events.map((e) => ({ data: e.data, digest: this.digest(target, e.data) }));
    const newest = newestByKey(
      withDigest,
      (c) => c.data.externalId,
      (c) => ({ at: c.data.updatedAt, digest: c.digest }),
    );
    const rows = [...newest.values()].map(({ data: c, digest }) => ({
      external_id: c.externalId,
      kind: c.kind,
      name: c.name,
      email_enc: this.encHex(c.email),
      email_hash: this.hashHex(target, c.email),
      phone_enc: this.encHex(c.phone),
      phone_hash: this.hashHex(target, c.phone),
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
    const stored = await this.repo.fieldOwnershipSettings(target.workspaceId, tx);
    // settings are validated when written; one that no longer validates falls back to the defaults, never to
    // letting the CRM overwrite what Callplan decided
    const ownership = fieldOwnershipIssues(stored).length
      ? DEFAULT_FIELD_OWNERSHIP
      : resolveFieldOwnership(stored);
    const { written, conflicts } = await this.repo.upsertCustomers(
      target.workspaceId,
      target.source,
      rows,
      ownership,
      tx,
    );
    report.conflicts += conflicts;
    const flags = written.flatMap((w) => {
      const data = newest.get(w.external_id)?.data;
      return data && typeof data.doNotCall === 'boolean'
        ? [{ customer_id: w.owner_id, do_not_call: data.doNotCall, at: data.updatedAt }]
        : [];
    });
    if (flags.length) report.conflicts += await this.repo.crmDoNotCall(target.workspaceId, flags, tx);
    report.customersWritten += written.length;
    report.customersStale += events.length - written.length;
    await this.replaceContacts(tx, target, written, newest);
  }

  /**
   * The contact list of a customer record is the one of its newest version: replaced whenever the record is
   * written. The persons belong to the surviving customer; an erased customer gets none back.
   */
  private async replaceContacts(
    tx: Tx,
    target: Target,
    written: WrittenCustomerRow[],
    newest: Map<string, { data: CustomerData }>,
  ): Promise<void> {
    const live = written.filter((w) => !w.erased);
    if (live.length === 0) return;
    const contacts: ContactUpsertRow[] = live.flatMap((w) =>
      (newest.get(w.external_id)?.data.contacts ?? []).map((p) => ({
        customer_id: w.owner_id,
        origin_customer_id: w.id,
        external_id: p.externalId,
        name: p.name,
        title: p.title,
        email_enc: this.encHex(p.email),
        email_hash: this.hashHex(target, p.email),
        phone_enc: this.encHex(p.phone),
        phone_hash: this.hashHex(target, p.phone),
        is_primary: p.isPrimary,
      })),
    );
    const ids = live.map((w) => w.id);
    const keep = contacts.map((c) => ({
      origin_customer_id: c.origin_customer_id,
      external_id: c.external_id,
    }));
    await this.repo.deleteDroppedContacts(ids, keep, tx);
    if (contacts.length > 0) await this.repo.upsertContacts(target.workspaceId, contacts, tx);
  }

  private async applyMerges(
    tx: Tx,
    { workspaceId, source }: Target,
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
    await this.repo.ensureCustomers(workspaceId, source, externalIds, tx);
    const rows = await this.repo.resolveCustomers(workspaceId, source, externalIds, tx);
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
    tx: Tx,
    target: Target,
    entity: Entity,
    incoming: Array<ChildState<D>>,
    customersTouched: string[] | 'all',
    report: ApplyReport,
    /** collects the ids of the orders written, deleted or restored */
    changedOrders: string[],
  ): Promise<void> {
    const parked = await this.takeParked(tx, target, entity, incoming, customersTouched);
    if (incoming.length === 0 && parked.length === 0) return;
    const plan = await this.planChildren<D>(tx, target, entity, [
      ...incoming,
      ...parked.map((p) => fromParked<D>(p)),
    ]);

    if (plan.writes.length > 0 && entity === 'order') {
      const written = await this.writeOrders(
        tx,
        target,
        plan.writes as Array<{ state: ChildState<OrderData>; customerId: string }>,
      );
      changedOrders.push(...written);
      report.ordersWritten += written.length;
    } else if (plan.writes.length > 0) {
      report.interactionsWritten += await this.writeInteractions(
        tx,
        target,
        plan.writes as Array<{ state: ChildState<InteractionData>; customerId: string }>,
      );
    }
    if (plan.lifecycles.length > 0 && entity === 'order') {
      const rows = plan.lifecycles.map((l) => ({ external_id: l.externalId, ...l.lifecycle }));
      changedOrders.push(...(await this.repo.orderLifecycle(target.workspaceId, target.source, rows, tx)));
      report.lifecycleApplied += rows.length;
    }
    if (plan.park.length > 0) await this.park(tx, target, entity, plan.park);
    const key = (ext: string, customer: string | null) => `${ext}\u0000${customer ?? ''}`;
    const reparked = new Set(plan.park.map((p) => key(p.state.externalId, p.state.customerExternalId)));
    report.parked += plan.park.length;
    report.unparked += parked.filter((p) => !reparked.has(key(p.external_id, p.customer_external_id))).length;
  }

  /** Takes out what was parked for these records (or, for the sweep, every record whose customer now exists). */
  private takeParked(
    tx: Tx,
    { workspaceId, source }: Target,
    entity: Entity,
    incoming: Array<ChildState<unknown>>,
    customersTouched: string[] | 'all',
  ): Promise<ParkedRow[]> {
    const ids = [...new Set(incoming.map((s) => s.externalId))];
    return customersTouched === 'all'
      ? this.repo.takeReadyParked(workspaceId, source, entity, ids, tx)
      : this.repo.takeParked(workspaceId, source, entity, ids, customersTouched, tx);
  }

  /** Decides per record, against the stored versions and the customers that exist: write, delete/restore or park. */
  private async planChildren<D>(
    tx: Tx,
    { workspaceId, source }: Target,
    entity: Entity,
    states: Array<ChildState<D>>,
  ) {
    const groups = groupChildStates<D>(states);
    const all = [...groups.keys()];
    const customerIds = [
      ...new Set(
        [...groups.values()].flat().flatMap((s) => (s.customerExternalId ? [s.customerExternalId] : [])),
      ),
    ];
    const customers = customerIds.length
      ? await this.repo.resolveCustomers(workspaceId, source, customerIds, tx)
      : [];
    const storedRows = await this.repo.storedVersions(workspaceId, source, entity, all, tx);
    const stored = new Map<string, StoredChild>(storedRows.map((r) => [r.external_id, toStored(r)]));
    return planChildren(groups, new Map(customers.map((c) => [c.external_id, c.resolved_id])), stored);
  }

  private async park<D>(
    tx: Tx,
    { workspaceId, source }: Target,
    entity: Entity,
    park: Array<{ state: ChildState<D>; reason: string }>,
  ): Promise<void> {
    const rows = park.map(({ state: s, reason }) => ({
      external_id: s.externalId,
      customer_external_id: s.customerExternalId,
      data: s.data,
      data_at: s.version?.at ?? null,
      digest: s.version?.digest ?? null,
      deleted_at: s.lifecycle?.deleted ? s.lifecycle.at : null,
      lifecycle_at: s.lifecycle?.at ?? null,
      reason,
    }));
    await this.repo.park(workspaceId, source, entity, rows, tx);
  }

  private async writeOrders(
    tx: Tx,
    { workspaceId, source }: Target,
    writes: Array<{ state: ChildState<OrderData>; customerId: string }>,
  ): Promise<string[]> {
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
        reversal: o.reversal ?? false,
        reverses_external_id: o.reversesExternalId ?? null,
      };
    });
    const written = await this.repo.upsertOrders(workspaceId, source, rows, tx);
    if (written.length === 0) return [];
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
    await this.repo.replaceOrderLines(
      workspaceId,
      written.map((w) => w.id),
      lines,
      tx,
    );
    return written.map((w) => w.id);
  }

  private async writeInteractions(
    tx: Tx,
    { workspaceId, source }: Target,
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
    return (await this.repo.upsertInteractions(workspaceId, source, rows, tx)).length;
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
