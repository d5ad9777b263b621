import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Queryable } from '../database/sql';
import { SqlRepository } from '../database/sql-repository';
import { Tx } from '../database/transactions';
import type { CandidateRow } from './candidate-row';
import type { ExclusionCount } from './publish-report';
import type { BuiltItem } from './worklist-item-builder.service';
import {
  CANDIDATES_SQL,
  CandidateParams,
  candidateParams,
  EXCLUSIONS_SQL,
  ExclusionParams,
  exclusionParams,
  INSERT_ITEMS_SQL,
} from './worklist.sql';

/** One row of EXCLUSIONS_SQL (publish-report.ts ExclusionCount). */
export type ExclusionCountRow = ExclusionCount;

/** A workspace's worklist settings and its current score run (none before the first completed run). */
export type PolicyRow = {
  id: string;
  timezone: string;
  currency: string;
  locale: string;
  /** settings.worklist as stored, validated by the caller */
  worklist: unknown;
  /** settings.talkTracks as stored, validated by the caller */
  talk_tracks: unknown;
} & (
  | { run_id: null; as_of: null; horizon_days: null; reference_value: null }
  | { run_id: string; as_of: string; horizon_days: number; reference_value: number | null }
);

/** An active rep that gets a list. */
export interface ListRepRow {
  id: string;
  external_id: string;
  name: string;
  locale: string;
  daily_capacity: number;
}

export interface CreatedListRow {
  id: string;
  rep_id: string;
}

/**
 * Published lists: the policy every list operation starts from, creating the day's lists and their items in one
 * transaction (WorklistPublisher), removing a day's lists.
 */
@Injectable()
export class WorklistRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  policy(workspaceId: string, tx?: Queryable): Promise<PolicyRow | undefined> {
    return this.first<PolicyRow>(
      // @crossTenant the workspace's own row ($1 is its id); score_runs reached through its current_score_run_id
      `SELECT w.id, w.timezone, w.currency, w.locale, w.settings -> 'worklist' AS worklist,
              w.settings -> 'talkTracks' AS talk_tracks,
              r.id AS run_id, r.as_of::text AS as_of, r.horizon_days,
              (r.model_params #>> '{policy,workspace,referenceValue}')::float8 AS reference_value
       FROM workspaces w LEFT JOIN score_runs r ON r.id = w.current_score_run_id
       WHERE w.id = $1`,
      [workspaceId],
      tx,
    );
  }

  /** Active reps (not managers) in external-id order: the order lists are created and announced in. */
  activeReps(workspaceId: string): Promise<ListRepRow[]> {
    return this.rows<ListRepRow>(
      `SELECT id, external_id, name, locale, daily_capacity FROM reps
         WHERE workspace_id = $1 AND active AND role = 'rep' ORDER BY external_id`,
      [workspaceId],
    );
  }

  async deleteLists(workspaceId: string, listDate: string, tx?: Queryable): Promise<void> {
    await this.exec(
      `DELETE FROM worklists WHERE workspace_id = $1 AND list_date = $2`,
      [workspaceId, listDate],
      tx,
    );
  }

  /** Creates the day's list of each rep that has none; returns only the lists created. */
  createLists(
    workspaceId: string,
    list: { listDate: string; scoreRunId: string; repIds: string[] },
    tx: Tx,
  ): Promise<CreatedListRow[]> {
    return this.rows<CreatedListRow>(
      `INSERT INTO worklists (workspace_id, rep_id, list_date, score_run_id, capacity)
         SELECT $1, r.id, $2, $3, r.daily_capacity FROM reps r WHERE r.id = ANY ($4::uuid[])
         ON CONFLICT (workspace_id, rep_id, list_date) DO NOTHING
         RETURNING id, rep_id`,
      [workspaceId, list.listDate, list.scoreRunId, list.repIds],
      tx,
    );
  }

  /**
   * Session settings of the publishing transaction. The candidate query sorts every scored customer of the new
   * lists' reps once (window per rep): more work_mem. (No JIT: off for every connection, data-source.ts — the
   * exclusion count's compile took 6.1 s of its 6.8 s at 20k customers.)
   */
  async configurePublishTransaction(tx: Tx): Promise<void> {
    await this.exec(`SET LOCAL work_mem = '64MB'`, [], tx);
  }

  /** CANDIDATES_SQL (worklist.sql.ts): the surviving candidates of the reps, pre-ranked. */
  candidates(
    workspaceId: string,
    params: Omit<CandidateParams, 'workspaceId'>,
    tx: Tx,
  ): Promise<CandidateRow[]> {
    return this.rows<CandidateRow>(CANDIDATES_SQL, candidateParams({ workspaceId, ...params }), tx);
  }

  /** EXCLUSIONS_SQL (worklist.sql.ts): the reps' customers by the rule that keeps them off today's lists. */
  exclusions(
    workspaceId: string,
    params: Omit<ExclusionParams, 'workspaceId'>,
    tx: Tx,
  ): Promise<ExclusionCountRow[]> {
    return this.rows<ExclusionCountRow>(EXCLUSIONS_SQL, exclusionParams({ workspaceId, ...params }), tx);
  }

  /** INSERT_ITEMS_SQL (worklist.sql.ts): every item of the new lists in one statement, as parallel arrays. */
  async insertItems(
    workspaceId: string,
    items: BuiltItem[],
    listOfRep: ReadonlyMap<string, string>,
    tx: Tx,
  ): Promise<void> {
    await this.exec(
      INSERT_ITEMS_SQL,
      [
        workspaceId,
        items.map((i) => listOfRep.get(i.repId)),
        items.map((i) => i.customerId),
        items.map((i) => i.rank),
        items.map((i) => i.priority),
        items.map((i) => JSON.stringify(i.reasons)),
        items.map((i) => i.personality),
        items.map((i) => i.talkTrack),
        items.map((i) => i.offerCode),
        items.map((i) => i.offerVersion),
        items.map((i) => i.kind),
        items.map((i) => i.value),
        items.map((i) => i.summary),
        items.map((i) => i.callFrom),
        items.map((i) => i.callTo),
        items.map((i) => i.talkTrackVariant),
      ],
      tx,
    );
  }
}
