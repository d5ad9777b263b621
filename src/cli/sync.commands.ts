import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CrmInboxService } from '../ingest/events/crm-inbox.service';
import { WebhookSecretsService } from '../ingest/events/webhook-secrets.service';
import { ConnectorsService } from '../ingest/pull/connectors.service';
import { RecordSyncService } from '../ingest/sync/record-sync.service';
import { PullConnectorService, PullReport } from '../ingest/pull/pull-connector.service';
import { ConnectorPushService, PushReport } from '../ingest/pull/connector-push.service';
import { CliError, openSession } from './cli-context';
import { registerConflictsCommand } from './sync-conflicts.command';
import { registerRejectsCommand } from './sync-rejects.command';
import { positiveInt } from './cli-options';

const globals = (cmd: Command) => cmd.optsWithGlobals() as { workspace: string };

/**
 * `callplan sync …`: CRM sync operations — the inbound webhook secret, connectors (define, pull now, push the
 * write-back now, show what the CRM refused), the
 * inbox (reprocess failed or pending messages) and a status overview. Secrets are printed only when created.
 */
export function registerSyncCommands(program: Command): void {
  const sync = program.command('sync').description('CRM sync: webhook secret, pull connectors, inbox');

  registerSecretCommand(sync);
  registerConnectorCommands(sync);
  registerPullCommand(sync);
  registerPushCommand(sync);
  registerReprocessCommand(sync);
  registerStatusCommand(sync);
  registerConflictsCommand(sync);
  registerRejectsCommand(sync);
}

function registerSecretCommand(sync: Command): void {
  sync
    .command('secret')
    .description(
      'create or rotate the inbound webhook secret (printed once; the old one keeps working for --grace)',
    )
    .option('--grace <seconds>', 'seconds the previous secret stays valid', positiveInt('--grace'), 86_400)
    .action(async (opts: { grace: number }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const r = await s.app.get(WebhookSecretsService).rotate(s.workspaceId, 'cli', opts.grace);
        console.log(`secret   ${r.secret}`);
        console.log(`endpoint POST /v1/crm/events/${globals(cmd).workspace}`);
        if (r.previousValidUntil)
          console.log(`previous secret valid until ${r.previousValidUntil.toISOString()}`);
      } finally {
        await s.close();
      }
    });
}

function registerConnectorCommands(sync: Command): void {
  const connector = sync
    .command('connector')
    .description(
      'connectors: generic pull; HubSpot and Salesforce (kind "hubspot" | "salesforce": pull + write-back)',
    );
  connector
    .command('save')
    .description('create or replace (by name) a connector from a JSON file (see docs/crm-sync.md)')
    .requiredOption('--config <file>', 'connector definition (JSON)')
    .action(async (opts: { config: string }, cmd: Command) => {
      let input: unknown;
      try {
        input = JSON.parse(readFileSync(opts.config, 'utf8'));
      } catch (e) {
        throw new CliError(`--config: ${(e as Error).message}`, 2);
      }
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const c = await s.app.get(ConnectorsService).upsert(s.workspaceId, input, 'cli');
        console.log(
          `connector ${c.name} (${c.kind}, ${c.id}) → ${c.baseUrl}${c.scheduleEveryMs ? `, every ${c.scheduleEveryMs} ms` : ''}`,
        );
      } finally {
        await s.close();
      }
    });
  connector
    .command('list')
    .description('connectors with their cursors and last run')
    .action(async (_opts: unknown, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        for (const c of await s.app.get(ConnectorsService).list(s.workspaceId)) {
          console.log(
            `${c.name} ${c.kind} ${c.baseUrl} enabled=${c.enabled} every=${c.scheduleEveryMs ?? '-'} last=${c.lastRunAt?.toISOString() ?? '-'}`,
          );
          if (c.lastError) console.log(`  last error: ${c.lastError}`);
          const wb = c.writeBack;
          if (wb) {
            console.log(
              `  write-back   events ${wb.events} customers ${wb.customers} calls ${wb.calls} refused ${wb.failures} last=${wb.lastPushAt?.toISOString() ?? '-'}`,
            );
            if (wb.lastError) console.log(`  write-back error: ${wb.lastError}`);
          }
          for (const k of c.cursors)
            console.log(
              `  ${k.entity.padEnd(12)} pages ${k.pages} records ${k.records} cursor ${k.cursor ?? '-'}`,
            );
        }
      } finally {
        await s.close();
      }
    });
  registerFailuresCommand(connector);
}

function registerFailuresCommand(connector: Command): void {
  connector
    .command('failures')
    .description('records the CRM refused in write-backs (latest per record), newest first')
    .requiredOption('--connector <name>', 'the connector')
    .option('--limit <n>', 'at most this many', positiveInt('--limit'), 100)
    .action(async (opts: { connector: string; limit: number }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const connectors = s.app.get(ConnectorsService);
        const c = await connectors.byName(s.workspaceId, opts.connector);
        const rows = await connectors.writeBackFailures(s.workspaceId, c.id, opts.limit);
        for (const r of rows)
          console.log(`${r.external_id}\t${r.code}\t${r.failed_at.toISOString()}\t${r.message}`);
        console.log(`${rows.length} refused record(s)`);
      } finally {
        await s.close();
      }
    });
}

function registerPushCommand(sync: Command): void {
  sync
    .command('push')
    .description(
      'write pending score changes back through CRM-shaped connectors now, in this process (idempotent)',
    )
    .option('--connector <name>', 'only this connector (default: every enabled one that writes back)')
    .action(async (opts: { connector?: string }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const connectors = s.app.get(ConnectorsService);
        const list = opts.connector
          ? [await connectors.byName(s.workspaceId, opts.connector)]
          : (await connectors.list(s.workspaceId)).filter((c) => c.enabled && c.writeBack);
        if (list.length === 0) throw new CliError('no connector that writes back in this workspace', 2);
        for (const c of list) {
          if (!c.writeBack) throw new CliError(`connector ${c.name} (${c.kind}) does not write back`, 2);
          printPush(c.name, await s.app.get(ConnectorPushService).push(c.id));
        }
      } finally {
        await s.close();
      }
    });
}

function printPush(name: string, r: PushReport): void {
  console.log(
    `${name}: ${r.status} in ${r.seconds.toFixed(1)} s — ${r.events} event(s), ${r.customers} record(s) written, ${r.failed} refused (${r.http.requests} requests, ${r.http.rateLimited} rate-limited)`,
  );
}

function registerPullCommand(sync: Command): void {
  sync
    .command('pull')
    .description(
      'run pull connectors now, in this process (the cursor makes a concurrent scheduled run harmless)',
    )
    .option('--connector <name>', 'only this connector (default: all enabled)')
    .action(async (opts: { connector?: string }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const connectors = s.app.get(ConnectorsService);
        const list = opts.connector
          ? [await connectors.byName(s.workspaceId, opts.connector)]
          : (await connectors.list(s.workspaceId)).filter((c) => c.enabled);
        if (list.length === 0)
          throw new CliError('no enabled connector in this workspace (sync connector save)');
        for (const c of list) printPull(c.name, await s.app.get(PullConnectorService).run(c.id));
      } finally {
        await s.close();
      }
    });
}

function registerReprocessCommand(sync: Command): void {
  sync
    .command('reprocess')
    .description('apply stored webhook messages again, in this process (failed and/or pending; idempotent)')
    .addOption(
      new Option('--status <status>', 'which rows').choices(['failed', 'pending', 'all']).default('all'),
    )
    .option('--all-workspaces', 'every workspace, not only --workspace')
    .action(async (opts: { status: string; allWorkspaces?: boolean }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const statuses = opts.status === 'all' ? ['failed', 'pending'] : [opts.status];
        const inbox = s.app.get(CrmInboxService);
        const ids = await inbox.idsWithStatus(opts.allWorkspaces ? null : s.workspaceId, statuses);
        const { applied, failed } = await inbox.applyNow(ids);
        for (const f of failed) console.error(`inbox ${f.id}: ${f.message}`);
        console.log(`${ids.length} inbox row(s): ${applied} applied, ${failed.length} failed`);
        if (failed.length > 0) process.exitCode = 1;
      } finally {
        await s.close();
      }
    });
}

function registerStatusCommand(sync: Command): void {
  sync
    .command('status')
    .description('inbox, parked records and connector cursors of the workspace')
    .action(async (_opts: unknown, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const inbox = await s.app.get(CrmInboxService).countsByStatus(s.workspaceId);
        for (const r of inbox)
          console.log(`inbox ${r.status.padEnd(9)} ${r.n} message(s), ${r.events} event(s)`);
        const parked = await s.app.get(RecordSyncService).parkedCounts(s.workspaceId);
        for (const r of parked) console.log(`parked ${r.entity} (${r.reason}): ${r.n}`);
        const rejects = await s.app.get(ConnectorsService).rejectCounts(s.workspaceId);
        for (const r of rejects) console.log(`rejected records from ${r.origin}: ${r.n}`);
        for (const c of await s.app.get(ConnectorsService).list(s.workspaceId)) {
          console.log(
            `connector ${c.name}: last run ${c.lastRunAt?.toISOString() ?? 'never'}${c.lastError ? ` (${c.lastError})` : ''}`,
          );
        }
      } finally {
        await s.close();
      }
    });
}

function printPull(name: string, r: PullReport): void {
  console.log(
    `${name}: ${r.status} in ${r.seconds.toFixed(1)} s (${r.http.requests} requests, ${r.http.rateLimited} rate-limited, ${r.http.serverErrors} errors retried)`,
  );
  for (const e of r.entities) {
    console.log(
      `  ${e.entity.padEnd(12)} ${e.pages} page(s), ${e.records} record(s), ${e.rejected} rejected; written ${e.applied.customersWritten + e.applied.ordersWritten + e.applied.interactionsWritten}, parked ${e.applied.parked}`,
    );
  }
}
