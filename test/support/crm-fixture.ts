import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { CsvImportService, ImportReport } from '../../src/ingest/csv/csv-import.service';
import { ImportKind } from '../../src/ingest/csv/csv-rows';
import { writeCrmCsvs } from '../../src/generator/crm-csv-writer';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';

/** Generates a synthetic CRM with the project's generator and imports it into a fresh workspace. */
export async function seedCrm(
  app: INestApplicationContext,
  opts: { slug?: string; customers?: number; seed?: number; asOf?: string } = {},
): Promise<{ workspaceId: string; dir: string; reports: Record<ImportKind, ImportReport> }> {
  const ws = await app.get(WorkspacesService).ensure({ slug: opts.slug ?? 'acme' });
  const dir = mkdtempSync(join(tmpdir(), 'callplan-crm-'));
  await writeCrmCsvs({
    customers: opts.customers ?? 400,
    seed: opts.seed ?? 7,
    outDir: dir,
    asOf: new Date(`${opts.asOf ?? '2026-11-24'}T00:00:00Z`),
  });
  const reports = {} as Record<ImportKind, ImportReport>;
  for (const kind of ['reps', 'customers', 'orders', 'interactions'] as ImportKind[]) {
    reports[kind] = await app
      .get(CsvImportService)
      .import({ workspaceId: ws.id, kind, file: join(dir, `${kind}.csv`) });
  }
  return { workspaceId: ws.id, dir, reports };
}

/** A pulled order as the connector tests compare it. */
export interface PulledOrder {
  external_id: string;
  amount: number;
  status: string;
  reversal: boolean;
  reverses: string | null;
}

/** The workspace's orders by external id: amount, status and what a reversal reverses. */
export async function ordersByExternalId(
  db: DataSource,
  workspaceId: string,
): Promise<Map<string, PulledOrder>> {
  const rows = (await db.query(
    `SELECT external_id, amount_minor::int AS amount, status, reversal, reverses_external_id AS reverses
       FROM orders WHERE workspace_id = $1`,
    [workspaceId],
  )) as PulledOrder[];
  return new Map(rows.map((o) => [o.external_id, o]));
}

/** How many pulled records the workspace's sync rejected. */
export async function syncRejectCount(db: DataSource, workspaceId: string): Promise<number> {
  const [row] = (await db.query(`SELECT count(*)::int AS n FROM crm_sync_rejects WHERE workspace_id = $1`, [
    workspaceId,
  ])) as Array<{ n: number }>;
  return row.n;
}
