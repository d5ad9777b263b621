import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Command } from 'commander';
import { ApiKeysService } from '../auth/api-keys.service';
import { closeApp, startHttp } from '../bootstrap';
import { CsvImportService } from '../ingest/csv/csv-import.service';
import { ImportKind } from '../ingest/csv/csv-rows';
import { writeCrmCsvs } from '../generator/crm-csv-writer';
import { QUEUES } from '../queue/queue-factory';
import { OutboundGuard } from '../net/outbound-guard';
import { AppOutboundGuard } from '../webhooks/webhooks.providers';
import { verifySignedBody } from '../webhooks/webhook-signing';
import { WebhookEndpointsService } from '../webhooks/webhook-endpoints.service';
import { WorklistPublisher } from '../worklist/worklist-publisher.service';
import { WorklistQueryService } from '../worklist/worklist-query.service';
import { todayIn, WorkspacesService } from '../workspaces/workspaces.service';
import { CliError, CliSession, openSession } from './cli-context';
import { runScoring, SCORE_QUEUES } from './data.commands';
import { positiveInt } from './cli-options';
import { printWorklist } from './print-worklist';

type DemoOptions = { once?: boolean; customers: number; seed: number; port?: number };

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
    .action(async (opts: DemoOptions, cmd: Command) => {
      const workspace =
        cmd.optsWithGlobals().workspace === 'default' ? 'demo' : cmd.optsWithGlobals().workspace;
      const s = await openSession({
        workspace,
        needsWorker: [...SCORE_QUEUES, QUEUES.webhooks],
        log: (m) => console.log(m),
      });
      const receiver = await startReceiver();
      try {
        await runDemo(s, receiver, opts);
      } finally {
        receiver.server.close();
        await s.close().catch(() => undefined);
      }
    });
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

async function runDemo(s: CliSession, receiver: Receiver, opts: DemoOptions): Promise<void> {
  const wsService = s.app.get(WorkspacesService);
  const ws = await wsService.byId(s.workspaceId);
  const today = todayIn(ws.timezone);
  const dir = join(s.config.dataDir, 'demo-crm');
  await generateCrm(dir, today, opts);
  await importCrm(s, dir);

  await resetEarlierRun(s, receiver, today);
  await score(s, today);

  console.log('4/5 publishing call lists (worklist queue) and delivering signed worklist.published webhooks');
  const lists = await waitForLists(s.app.get(WorklistQueryService), s.workspaceId, today);
  const delivered = await receiver.waitFor(lists.length, 30_000);
  console.log(
    `    ${lists.length} lists published; ${delivered} webhook deliveries received with valid Standard Webhooks signatures`,
  );

  console.log('5/5 top calls');
  const query = s.app.get(WorklistQueryService);
  const admin = { keyId: 'demo', workspaceId: s.workspaceId, role: 'admin' as const, repId: null };
  for (const l of lists.slice(0, 2)) printWorklist(await query.forRep(admin, l.rep_id, today), 3);

  const keys = s.app.get(ApiKeysService);
  const adminKey = (await keys.create({ workspaceId: s.workspaceId, name: 'demo admin', role: 'admin' })).key;
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
  await serve(s, opts, { adminKey, repKey, repExternalId: lists[0].external_id });
}

async function generateCrm(dir: string, today: string, opts: DemoOptions): Promise<void> {
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
}

async function importCrm(s: CliSession, dir: string): Promise<void> {
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
}

/** Points the webhooks at this run's receiver only, and drops today's lists so they are published (and sent) again. */
async function resetEarlierRun(s: CliSession, receiver: Receiver, today: string): Promise<void> {
  // The receiver listens on loopback, which the SSRF guard refuses: this process trusts its own receiver's origin
  // (127.0.0.1:<port>) and nothing else, so the demo needs no WEBHOOK_ALLOW_PRIVATE.
  (s.app.get(OutboundGuard) as AppOutboundGuard).trustOrigin(receiver.url);
  const endpoint = await s.app
    .get(WebhookEndpointsService)
    .create(s.workspaceId, receiver.url, ['worklist.published']);
  receiver.secret = endpoint.secret;
  await s.app.get(WebhookEndpointsService).deactivateDemoReceivers(s.workspaceId, endpoint.id);
  await s.app.get(WorklistPublisher).unpublish(s.workspaceId, today);
}

async function score(s: CliSession, today: string): Promise<void> {
  console.log(`3/5 scoring as of ${today} through the scoring queue`);
  const run = await runScoring(s, { asOf: today, publish: true });
  if (run.status !== 'completed') throw new CliError(`score run failed: ${run.error}`);
  const report = run.report as Record<string, unknown>;
  console.log(
    `    tiers ${JSON.stringify(report.tiers)}\n    lifecycles ${JSON.stringify(report.lifecycles)}`,
  );
  console.log(`    models ${JSON.stringify((report.models as { summary: unknown }).summary)}`);
}

/** Serves the API (HTTP, workers, scheduler) until the server closes, with two keys to try it. */
async function serve(
  s: CliSession,
  opts: DemoOptions,
  keys: { adminKey: string; repKey: string; repExternalId: string },
): Promise<void> {
  await closeApp(s.app);
  const port = opts.port ?? s.config.port;
  const http = await startHttp(s.config, s.database, { http: true, workers: true, scheduler: true }, port);
  const base = `http://127.0.0.1:${port}`;
  console.log(`\nAPI on ${base} — OpenAPI at ${base}/docs — Ctrl-C to stop`);
  console.log(
    `  curl -H "Authorization: Bearer ${keys.repKey}" ${base}/v1/reps/${keys.repExternalId}/worklist`,
  );
  console.log(`  curl -H "Authorization: Bearer ${keys.adminKey}" ${base}/v1/score-runs`);
  await new Promise<void>((resolve) => http.getHttpServer().once('close', resolve));
  // The server closes early in the app's shutdown, before its workers stop: wait for the whole close (the same one
  // the signal started) before the caller stops the embedded PostgreSQL under them.
  await closeApp(http);
}

async function waitForLists(query: WorklistQueryService, workspaceId: string, date: string) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const lists = await query.publishedLists(workspaceId, date);
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
