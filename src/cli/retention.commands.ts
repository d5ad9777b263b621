import { Command } from 'commander';
import { WorkspaceRetentionReport, RetentionService } from '../retention/retention.service';
import { KIND_SETTING, RETENTION_KINDS } from '../retention/retention-settings';
import { openContext, openSession } from './cli-context';

const globals = (cmd: Command) => cmd.optsWithGlobals() as { workspace: string };

/** One line per kind: what went (or would go), the setting and the cut-off. */
function reportLines(r: WorkspaceRetentionReport): string[] {
  const verb = r.dryRun ? 'would remove' : 'removed';
  const lines = [`workspace ${r.slug}${r.dryRun ? ' (dry run: nothing deleted)' : ''}`];
  for (const kind of RETENTION_KINDS) {
    const setting = KIND_SETTING[kind];
    lines.push(
      `  ${kind.padEnd(15)} ${verb} ${String(r.removed[kind]).padStart(8)}   ` +
        `${setting}=${r.settings[setting]}  (older than ${r.cutoffs[kind]})`,
    );
  }
  for (const file of r.archived) lines.push(`  audit archived to ${file}`);
  return lines;
}

/** `callplan retention run [--dry-run] [--all]` and `callplan retention show`. */
export function registerRetentionCommands(program: Command): void {
  const retention = program
    .command('retention')
    .description('delete old operational data per the workspace settings (docs/operations.md#retention)');

  retention
    .command('run')
    .description(
      'run retention now for the workspace (--all: every workspace, then upload files and scoring leftovers)',
    )
    .option('--dry-run', 'only count what would be deleted')
    .option('--all', 'every workspace, upload files of dead processes, tables of ended scoring runs')
    .action(async (opts: { dryRun?: boolean; all?: boolean }, cmd: Command) => {
      const dryRun = opts.dryRun ?? false;
      if (opts.all) {
        const c = await openContext({});
        try {
          const report = await c.app.get(RetentionService).runAll({ dryRun });
          for (const w of report.workspaces) console.log(reportLines(w).join('\n'));
          const verb = dryRun ? 'would remove' : 'removed';
          console.log(`upload files ${verb} ${report.uploadFiles}`);
          console.log(`scoring tables left by ended runs ${verb} ${report.scoreTables.length}`);
        } finally {
          await c.close();
        }
        return;
      }
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const report = await s.app.get(RetentionService).run(s.workspaceId, { dryRun });
        console.log(reportLines(report).join('\n'));
      } finally {
        await s.close();
      }
    });

  retention
    .command('show')
    .description("the workspace's retention settings, its last run, and what a run would delete now")
    .action(async (_opts: unknown, cmd: Command) => {
      const s = await openSession({ workspace: globals(cmd).workspace });
      try {
        const service = s.app.get(RetentionService);
        const last = await service.lastRun(s.workspaceId);
        const preview = await service.run(s.workspaceId, { dryRun: true });
        const counts = (last?.details as { removed?: Record<string, number> } | undefined)?.removed ?? {};
        console.log(
          last
            ? `last run ${last.at.toISOString()}: removed ${RETENTION_KINDS.map((k) => `${k}=${counts[k] ?? 0}`).join(' ')}`
            : 'last run: never',
        );
        console.log(`audit archive ${service.archiveDir}`);
        console.log(reportLines(preview).join('\n'));
      } finally {
        await s.close();
      }
    });
}
