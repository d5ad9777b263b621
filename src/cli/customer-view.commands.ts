import { Command } from 'commander';
import { DedupeService } from '../customers/dedupe/dedupe.service';
import { PiiRotationService } from '../customers/pii/pii-rotation.service';
import { openSession } from './cli-context';
import { positiveInt } from './cli-options';
import { progressBar } from './progress';

const globals = (cmd: Command) => cmd.optsWithGlobals() as { workspace: string };

/** `callplan dedupe` and `callplan pii rotate`: the one customer view and the protection of personal data. */
export function registerCustomerViewCommands(program: Command): void {
  program
    .command('dedupe')
    .description(
      'merge customers of the workspace that share a normalised email or phone (audited, undoable)',
    )
    .option('--dry-run', 'only count the duplicates that would be merged')
    .action(async (opts: { dryRun?: boolean }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const report = await s.app
          .get(DedupeService)
          .run(s.workspaceId, { actor: 'cli', dryRun: opts.dryRun });
        console.log(JSON.stringify(report, null, 2));
      } finally {
        await s.close();
      }
    });

  const pii = program.command('pii').description('personal data protection');
  pii
    .command('rotate')
    .description(
      're-encrypt every ciphertext not under the newest key of PII_ENCRYPTION_KEYS (all workspaces; resumable)',
    )
    .option('--batch-size <n>', 'rows per transaction', positiveInt('--batch-size'), 1000)
    .option('--dry-run', 'only count the rows under older keys, by table and key version')
    .action(async (opts: { batchSize: number; dryRun?: boolean }, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      const bar = progressBar('pii rotate');
      try {
        const report = await s.app.get(PiiRotationService).rotate({
          batchSize: Math.max(1, opts.batchSize),
          dryRun: opts.dryRun,
          onProgress: (p) =>
            bar.update(p.done, Math.max(1, p.total), `${p.table}: ${p.done} of ${p.total} rows`),
        });
        bar.stop();
        console.log(JSON.stringify(report, null, 2));
        if (!opts.dryRun) {
          process.stderr.write(
            `every ciphertext is now under key "${report.toVersion}"; older keys may leave PII_ENCRYPTION_KEYS\n`,
          );
        }
      } finally {
        bar.stop();
        await s.close();
      }
    });
}
