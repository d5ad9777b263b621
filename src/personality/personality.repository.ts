import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';
import type { Tx } from '../database/transactions';
import type { Dimension, Source } from './personality-profile';

export interface ObservationRow {
  id: string;
  dimension: Dimension;
  value: string;
  source: Source;
  confidence: number;
  actor_kind: string;
  actor_id: string | null;
  observed_at: Date;
  answers: Record<string, string> | null;
}

export interface NewObservation {
  dimension: Dimension;
  value: string;
  source: Source;
  confidence: number;
  actorKind: 'rep' | 'api_key' | 'system';
  actorId: string | null;
  answers?: Record<string, string>;
}

export interface ContactRow {
  id: string;
  /** the customer record the person belongs to now */
  customer_id: string;
  name: string | null;
  title: string | null;
  is_primary: boolean;
}

export interface LockedCustomerRow {
  personality: string | null;
  erased_at: Date | null;
}

/** The personality history (append-only `personality_observations`) and the effective type on `customers`. */
@Injectable()
export class PersonalityRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** The customer's observations and those of the records merged into it, oldest first. */
  observations(workspaceId: string, rootId: string, tx?: Tx): Promise<ObservationRow[]> {
    return this.rows<ObservationRow>(
      `SELECT o.id::text, o.dimension, o.value, o.source, o.confidence, o.actor_kind, o.actor_id, o.observed_at,
              o.answers
         FROM personality_observations o
        WHERE o.workspace_id = $1
          AND o.customer_id IN (SELECT id FROM customers WHERE workspace_id = $1 AND (id = $2 OR merged_into_id = $2))
          AND o.contact_id IS NULL
        ORDER BY o.observed_at, o.id`,
      [workspaceId, rootId],
      tx,
    );
  }

  /** The contact person's own observations, oldest first (a merge moves the person, and these follow it). */
  contactObservations(workspaceId: string, contactId: string, tx?: Tx): Promise<ObservationRow[]> {
    return this.rows<ObservationRow>(
      `SELECT o.id::text, o.dimension, o.value, o.source, o.confidence, o.actor_kind, o.actor_id, o.observed_at,
              o.answers
         FROM personality_observations o
        WHERE o.workspace_id = $1 AND o.contact_id = $2
        ORDER BY o.observed_at, o.id`,
      [workspaceId, contactId],
      tx,
    );
  }

  /** The contact persons of the customer (its merged records' included), primary first. */
  contacts(workspaceId: string, rootId: string, tx?: Tx): Promise<ContactRow[]> {
    return this.rows<ContactRow>(
      `SELECT k.id::text, k.customer_id::text, k.name, k.title, k.is_primary FROM contacts k
        WHERE k.workspace_id = $1
          AND k.customer_id IN (SELECT id FROM customers WHERE workspace_id = $1 AND (id = $2 OR merged_into_id = $2))
        ORDER BY k.is_primary DESC, k.id`,
      [workspaceId, rootId],
      tx,
    );
  }

  /**
   * The observations of the primary contact of each of these customers (one per customer: the lowest id when a
   * record lists two as primary), with the customer they speak for, oldest first.
   */
  primaryContactObservations(
    workspaceId: string,
    customerIds: readonly string[],
    tx?: Tx,
  ): Promise<Array<ObservationRow & { customer_id: string; contact_id: string }>> {
    return this.rows<ObservationRow & { customer_id: string; contact_id: string }>(
      `WITH primaries AS (
         SELECT DISTINCT ON (k.customer_id) k.customer_id, k.id FROM contacts k
          WHERE k.workspace_id = $1 AND k.customer_id = ANY ($2::bigint[]) AND k.is_primary
          ORDER BY k.customer_id, k.id)
       SELECT p.customer_id::text, p.id::text AS contact_id, o.id::text, o.dimension, o.value, o.source,
              o.confidence, o.actor_kind, o.actor_id, o.observed_at, NULL::jsonb AS answers
         FROM primaries p
         JOIN personality_observations o ON o.workspace_id = $1 AND o.contact_id = p.id
        ORDER BY p.customer_id, o.observed_at, o.id`,
      [workspaceId, customerIds],
      tx,
    );
  }

  /** The customer's latest notes, newest first: CRM interactions and call outcomes, its merged records' included. */
  async recentNotes(workspaceId: string, rootId: string, limit: number, tx?: Tx): Promise<string[]> {
    const rows = await this.rows<{ note: string }>(
      `WITH ids AS (SELECT id FROM customers WHERE workspace_id = $1 AND (id = $2 OR merged_into_id = $2))
       SELECT note FROM (
         SELECT i.note, i.occurred_at AS at FROM interactions i
          WHERE i.workspace_id = $1 AND i.customer_id IN (SELECT id FROM ids) AND i.note <> ''
         UNION ALL
         SELECT o.notes, o.occurred_at FROM worklist_outcomes o
          WHERE o.workspace_id = $1 AND o.customer_id IN (SELECT id FROM ids) AND o.notes <> ''
       ) x ORDER BY at DESC LIMIT $3`,
      [workspaceId, rootId, limit],
      tx,
    );
    return rows.map((r) => r.note);
  }

  /** Locks the customer row: two statements about one customer apply one after the other. */
  lockCustomer(workspaceId: string, customerId: string, tx: Tx): Promise<LockedCustomerRow | undefined> {
    return this.first<LockedCustomerRow>(
      `SELECT personality, erased_at FROM customers WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
      [workspaceId, customerId],
      tx,
    );
  }

  /** Appends observations about the customer, or (`contactId`) about one of its contact persons. */
  async insert(
    workspaceId: string,
    customerId: string,
    rows: NewObservation[],
    tx: Tx,
    contactId: string | null = null,
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.exec(
      `INSERT INTO personality_observations (workspace_id, customer_id, dimension, value, source, confidence,
         actor_kind, actor_id, answers, contact_id)
       SELECT $1, $2, x.dimension, x.value, x.source, x.confidence, x.actor_kind, x.actor_id, x.answers, $4
         FROM jsonb_to_recordset($3::jsonb) AS x(dimension text, value text, source text, confidence real,
              actor_kind text, actor_id text, answers jsonb)`,
      [
        workspaceId,
        customerId,
        JSON.stringify(
          rows.map((r) => ({
            dimension: r.dimension,
            value: r.value,
            source: r.source,
            // six decimals: a column of type real cannot hold every double (5e-324 underflows)
            confidence: Math.round(r.confidence * 1e6) / 1e6,
            actor_kind: r.actorKind,
            actor_id: r.actorId,
            answers: r.answers ?? null,
          })),
        ),
        contactId,
      ],
      tx,
    );
  }

  /**
   * Writes the effective primary type to `customers.personality` as a Callplan writer: the provenance trigger
   * stamps it 'callplan', so field ownership keeps a sync from replacing it (and the change is in the field history).
   */
  async setEffectiveType(workspaceId: string, customerId: string, type: string, tx: Tx): Promise<void> {
    await this.exec(
      `UPDATE customers SET personality = $3, updated_at = now() WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, customerId, type],
      tx,
    );
  }
}
