import { Command, Option } from 'commander';
import { registerDataCommands } from './data.commands';
import { registerDemoCommand } from './demo.command';
import { EmbeddedPostgresError } from '../embedded/embedded-server';
import { CliError } from './cli-context';
import { TenantScope } from '../database/tenant-scope';
import { registerOpsCommands } from './ops.commands';
import { registerWebhookCommands } from './webhook.commands';
import { registerSyncCommands } from './sync.commands';
import { registerCustomerViewCommands } from './customer-view.commands';
import { registerWriteBackCommands } from './write-back.commands';
import { registerWorkspaceCommands } from './workspace.commands';
import { registerRetentionCommands } from './retention.commands';
import { registerOfferCommands } from './offer.commands';

/**
 * `npm run callplan -- <command>`: migrations, the synthetic CRM generator, imports, scoring runs, exports,
 * call lists, keys and webhooks, and the demo. Every command takes --workspace (default "default").
 */
export function buildCli(): Command {
  const program = new Command('callplan')
    .description('Callplan: whom each sales rep should call today, what to say and what to offer.')
    .addOption(new Option('-w, --workspace <slug>', 'workspace (tenant) slug').default('default'))
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });
  registerOpsCommands(program);
  registerWebhookCommands(program);
  registerDataCommands(program);
  registerDemoCommand(program);
  registerSyncCommands(program);
  registerCustomerViewCommands(program);
  registerWriteBackCommands(program);
  registerWorkspaceCommands(program);
  registerRetentionCommands(program);
  registerOfferCommands(program);
  return program;
}

if (require.main === module) {
  // the CLI is the operator's: what it does outside a request or a job covers every workspace (tenant-scope.ts)
  TenantScope.setFallback({ crossTenant: 'the operator CLI' });
  buildCli()
    .parseAsync(process.argv)
    .catch((e: unknown) => {
      if (e instanceof EmbeddedPostgresError) {
        process.stderr.write(`error: ${e.message}\n`);
        process.exit(1);
      }
      if (e instanceof CliError) {
        process.stderr.write(`error: ${e.message}\n`);
        process.exit(e.exitCode);
      }
      const err = e as { code?: string; message?: string };
      if (err?.code && typeof err.code === 'string' && err.message && !err.code.startsWith('ERR_')) {
        process.stderr.write(`error (${err.code}): ${err.message}\n`);
        process.exit(1);
      }
      process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
      process.exit(1);
    });
}
