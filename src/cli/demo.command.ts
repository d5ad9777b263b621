import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Command } from 'commander';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../auth/api-keys.service';
import { startHttp } from '../bootstrap';
import { CsvImportService } from '../ingest/csv/csv-import.service';
import { ImportKind } from '../ingest/csv/csv-rows';
import { writeCrmCsvs } from '../generator/crm-csv-writer';
import { ScoreRunService } from '../scoring/score-run.service';
import { verifySignedBody } from '../webhooks/webhook-signing';
import { WebhookEndpointsService } from '../webhooks/webhook-endpoints.service';
import { WorklistQueryService } from '../worklist/worklist-query.service';
import { todayIn, WorkspacesService } from '../workspaces/workspaces.service';
import { CliError, openSession } from './cli-context';
import { runScoring } from './data.commands';
import { positiveInt } from './main';
import { printWorklist } from './print-worklist';

/**
 * The whole path on a synthetic CRM: generate → import → score (BullMQ) → publish lists → signed webhook to a
 * local receiver that verifies the signature → print the top calls → serve the API (unless --once).
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('generate a synthetic CRM, import, score, publish and print call lists, then serve the API')
    .option('--once', 'exit after printing instead of serving the API')
    .option('--customers <n>', 'customers to generate', positiveInt('--customers'), 3000)
    .option('--seed <n>', 'generator seed', positiveInt('--seed'), 42)
    .option('--port <n>', 'API port when serving', positiveInt('--port'))
    .action(
      async (opts: { once?: boolean; customers: number; seed: number; port?: number }, cmd: Command) => {
        const workspace =
          cmd.optsWithGlobals().workspace === 'default' ? 'demo' : cmd.optsWithGlobals().workspace;
        const s = await openSession({ workspace, needsWorker: true, log: (m) => console.log(m) });
        const receiver = await startReceiver();
        try {
          const wsService = s.app.get(WorkspacesService);
          const ws = await wsService.byId(s.workspaceId);
          const today = todayIn(ws.timezone);
          const dir = join(s.config.dataDir, 'demo-crm');
          console.log(
            `\n1/5 generating a synthetic CRM of ${opts.customers} customers (seed ${opts.seed}) in ${dir}`,
          );
          const summary = await writeCrmCsvs({
            customers: opts.customers,
            seed: opts.seed,
            outDir: dir,
            asOf: new Date(`${today}T00:00:00Z`),
          });
          console.log(`    ${JSON.stringify(summary)}`);

          console.log('2/5 importing reps, customers, orders, interactions (COPY + set-based merge)');
          const importer = s.app.get(CsvImportService);
          for (const kind of ['reps', 'customers', 'orders', 'interactions'] as ImportKind[]) {
            const r = await importer.import({
              workspaceId: s.workspaceId,
              kind,
              file: join(dir, `${kind}.csv`),
            });
            console.log(
              `    ${kind.padEnd(12)} ${r.rows} rows: ${r.inserted} new, ${r.updated} updated, ${r.unchanged} unchanged, ${r.rejected} rejected (${r.seconds.toFixed(2)} s)`,
            );
          }

          const endpoint = await s.app
            .get(WebhookEndpointsService)
            .create(s.workspaceId, receiver.url, ['worklist.published']);
          receiver.secret = endpoint.secret;
          await s.app
            .get(DataSource)
            .query(
              `UPDATE webhook_endpoints SET active = false WHERE workspace_id = $1 AND url LIKE 'http://127.0.0.1:%/callplan-demo-receiver' AND id <> $2`,
              [s.workspaceId, endpoint.id],
            );
          await s.app
            .get(DataSource)
            .query(`DELETE FROM worklists WHERE workspace_id = $1 AND list_date = $2`, [
              s.workspaceId,
              today,
            ]);

          console.log(`3/5 scoring as of ${today} through the scoring queue`);
          const run = await runScoring(
            s.app.get(ScoreRunService),
            s.workspaceId,
            { asOf: today, publish: true },
            s.inProcessWorker,
          );
          if (run.status !== 'completed') throw new CliError(`score run failed: ${run.error}`);
          const report = run.report as Record<string, unknown>;
          console.log(
            `    tiers ${JSON.stringify(report.tiers)}\n    lifecycles ${JSON.stringify(report.lifecycles)}`,
          );
          console.log(`    models ${JSON.stringify((report.models as { summary: unknown }).summary)}`);

          console.log(
            '4/5 publishing call lists (worklist queue) and delivering signed worklist.published webhooks',
          );
          const lists = await waitForLists(s.app.get(DataSource), s.workspaceId, today);
          const delivered = await receiver.waitFor(lists.length, 30_000);
          console.log(
            `    ${lists.length} lists published; ${delivered} webhook deliveries received with valid Standard Webhooks signatures`,
          );

          console.log('5/5 top calls');
          const query = s.app.get(WorklistQueryService);
          const admin = { keyId: 'demo', workspaceId: s.workspaceId, role: 'admin' as const, repId: null };
          for (const l of lists.slice(0, 2)) printWorklist(await query.forRep(admin, l.rep_id, today), 3);

          const keys = s.app.get(ApiKeysService);
          const adminKey = (
            await keys.create({ workspaceId: s.workspaceId, name: 'demo admin', role: 'admin' })
          ).key;
          const repKey = (
            await keys.create({
              workspaceId: s.workspaceId,
              name: 'demo rep',
              role: 'rep',
              repId: lists[0].rep_id,
            })
          ).key;
          if (opts.once) {
            console.log('\ndone (--once).');
            return;
          }
          await s.app.close();
          const port = opts.port ?? s.config.port;
          const http = await startHttp(
            s.config,
            s.database,
            { http: true, workers: true, scheduler: true },
            port,
          );
          const base = `http://127.0.0.1:${port}`;
          console.log(`\nAPI on ${base} — OpenAPI at ${base}/docs — Ctrl-C to stop`);
          console.log(
            `  curl -H "Authorization: Bearer ${repKey}" ${base}/v1/reps/${lists[0].external_id}/worklist`,
          );
          console.log(`  curl -H "Authorization: Bearer ${adminKey}" ${base}/v1/score-runs`);
          await new Promise<void>((resolve) => http.getHttpServer().once('close', resolve));
        } finally {
          receiver.server.close();
          await s.close().catch(() => undefined);
        }
      },
    );
}

async function waitForLists(db: DataSource, workspaceId: string, date: string) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const lists: Array<{ rep_id: string; external_id: string; items: number }> = await db.query(
      `SELECT w.rep_id, r.external_id, count(i.id)::int AS items
       FROM worklists w JOIN reps r ON r.id = w.rep_id LEFT JOIN worklist_items i ON i.worklist_id = w.id
       WHERE w.workspace_id = $1 AND w.list_date = $2 GROUP BY 1, 2 ORDER BY r.external_id`,
      [workspaceId, date],
    );
    if (lists.length > 0) return lists;
    if (Date.now() > deadline) throw new CliError('call lists were not published within 2 minutes');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A stand-in for the CRM UI: receives worklist.published webhooks and verifies their signatures. */
async function startReceiver() {
  let verified = 0;
  const state = { secret: '' };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        verifySignedBody(state.secret, Buffer.concat(chunks), req.headers as Record<string, string>);
        verified++;
        res.writeHead(204).end();
      } catch {
        res.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callplan-demo-receiver`;
  return {
    server,
    url,
    set secret(v: string) {
      state.secret = v;
    },
    async waitFor(n: number, timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (verified < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      return verified;
    },
  };
}
