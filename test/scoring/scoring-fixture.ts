import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { DataSource } from 'typeorm';
import { CsvImportService } from '../../src/ingest/csv/csv-import.service';
import { ImportKind } from '../../src/ingest/csv/csv-rows';
import { ScoreRunService, ScoreRunView } from '../../src/scoring/score-run.service';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';

/** Helpers shared by the scoring integration tests. */

const KINDS: ImportKind[] = ['reps', 'customers', 'orders', 'interactions'];

/** Imports the four CSVs of `dir` (generator layout) into a workspace `slug`; returns its id. */
export async function importCrmDir(app: INestApplicationContext, slug: string, dir: string): Promise<string> {
  const ws = await app.get(WorkspacesService).ensure({ slug });
  for (const kind of KINDS) {
    await app.get(CsvImportService).import({ workspaceId: ws.id, kind, file: join(dir, `${kind}.csv`) });
  }
  return ws.id;
}

/**
 * A copy of the CSVs in `dir` holding only what existed before `cutoff` (an instant): orders and interactions
 * before it, customers created before it (or without a creation date).
 */
export function truncateCrmDir(dir: string, cutoff: Date): string {
  const out = mkdtempSync(join(tmpdir(), 'callplan-truncated-'));
  const keep: Record<ImportKind, (row: Record<string, string>) => boolean> = {
    reps: () => true,
    customers: (r) => !r.created_at || Date.parse(r.created_at) < cutoff.getTime(),
    orders: (r) => Date.parse(r.placed_at) < cutoff.getTime(),
    interactions: (r) => Date.parse(r.occurred_at) < cutoff.getTime(),
  };
  for (const kind of KINDS) {
    const rows = parse(readFileSync(join(dir, `${kind}.csv`), 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    const header = Object.keys(rows[0] ?? {});
    writeFileSync(
      join(out, `${kind}.csv`),
      stringify(rows.filter(keep[kind]), { header: true, columns: header }),
    );
  }
  return out;
}

/** Starts a run (publishing no call lists) and waits for it to end. */
export async function runScoring(
  app: INestApplicationContext,
  workspaceId: string,
  asOf: string,
  timeoutMs = 90_000,
): Promise<ScoreRunView> {
  const runs = app.get(ScoreRunService);
  const { run } = await runs.start({ workspaceId, asOf, trigger: 'test', publishWorklists: false });
  return runs.waitFor(workspaceId, run.id, undefined, timeoutMs);
}

/** Every score column of a run, keyed by the customer's external id (comparable across workspaces). */
export async function scoresByExternalId(
  sql: DataSource,
  runId: string,
): Promise<Record<string, Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = await sql.query(
    `SELECT c.external_id, s.recency_days, s.frequency, s.monetary, s.r_score, s.f_score, s.m_score, s.rfm_segment,
            s.abc_class, s.value_tier, s.frequency_class, s.lifecycle, s.p_alive, s.p_buy,
            s.expected_purchases, s.expected_order_value, s.clv, s.churn_risk, s.priority, s.reasons
     FROM customer_scores s JOIN customers c ON c.id = s.customer_id
     WHERE s.run_id = $1 ORDER BY c.external_id`,
    [runId],
  );
  return Object.fromEntries(rows.map(({ external_id, ...rest }) => [external_id as string, rest]));
}
