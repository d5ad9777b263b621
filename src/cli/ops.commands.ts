import { Command } from 'commander';
import { configOrExit, prepareDatabase } from '../bootstrap';
import { revertLastMigration } from '../database/migrations';
import { WebhookEndpointsService } from '../webhooks/webhook-endpoints.service';
import { registerApiKeyCommands } from './apikey.commands';
import { openSession } from './cli-context';

const globals = (cmd: Command) => cmd.optsWithGlobals() as { workspace: string };

export function registerOpsCommands(program: Command): void {
  registerMigrateCommand(program);
  registerApiKeyCommands(program);
  registerWebhookCommands(program);
}

function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (or revert the last one)')
    .option('--revert', 'revert the most recent migration')
    .action(async (opts: { revert?: boolean }) => {
      const config = configOrExit();
      const database = await prepareDatabase(config, (m) => console.log(m), { migrate: !opts.revert });
      if (opts.revert) {
        const reverted = await revertLastMigration(database.url);
        console.log(reverted ? `reverted migration ${reverted}` : 'no migration to revert');
      } else {
        console.log('database schema is up to date');
      }
      await database.stop();
    });
}

function registerWebhookCommands(program: Command): void {
  const webhook = program.command('webhook').description('outbound webhook endpoints');
  webhook
    .command('add')
    .description('register an endpoint; prints its signing secret once')
    .requiredOption('--url <url>', 'endpoint URL')
    .option('--events <types>', 'comma-separated event types (default: all)')
    .action(async (opts: { url: string; events?: string }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const ep = await s.app
          .get(WebhookEndpointsService)
          .create(s.workspaceId, opts.url, opts.events ? opts.events.split(',').map((e) => e.trim()) : []);
        console.log(`endpoint ${ep.id}\nsecret   ${ep.secret}`);
      } finally {
        await s.close();
      }
    });
}
